"""The audited actions on persons, their consent and identity (ids only, never values)."""

from flask_babel import lazy_gettext as _l

from centre.audit.actions import declare

PERSON_CREATED = declare("person.created", _l("Person created"), object_type="person")
PERSON_UPDATED = declare("person.updated", _l("Person updated"), object_type="person")
IDENTITY_REVEALED = declare("identity.revealed", _l("Identity revealed"), object_type="person")
IDENTITY_SAVED = declare("identity.saved", _l("Identity saved"), object_type="person")
# Its object type names the reason, from a closed list: "erasure:retention".
IDENTITY_ERASED = declare("identity.erased", _l("Identity erased"))
IDENTITY_SEARCHED = declare("identity.searched", _l("Identity searched"), object_type="search")
CONSENT_GIVEN = declare("consent.given", _l("Consent given"), object_type="consent")
CONSENT_WITHDRAWN = declare("consent.withdrawn", _l("Consent withdrawn"), object_type="consent")
