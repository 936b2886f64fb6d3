"""The audited changes to catalogues (their events name the item's kind: site, service…)."""

from flask_babel import lazy_gettext as _l

from centre.audit.actions import declare

CREATED = declare("catalogue.created", _l("Catalogue entry created"))
UPDATED = declare("catalogue.updated", _l("Catalogue entry updated"))
DEACTIVATED = declare("catalogue.deactivated", _l("Catalogue entry deactivated"))
REACTIVATED = declare("catalogue.reactivated", _l("Catalogue entry reactivated"))
