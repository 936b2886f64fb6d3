"""The audited changes to the partner directory."""

from flask_babel import lazy_gettext as _l

from centre.audit.actions import declare

PARTNER_CREATED = declare("partner.created", _l("Partner added"), object_type="partner")
PARTNER_UPDATED = declare("partner.updated", _l("Partner updated"), object_type="partner")
