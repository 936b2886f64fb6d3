"""The audited key changes (by the command line: no acting user)."""

from flask_babel import lazy_gettext as _l

from centre.audit.actions import declare

KEYS_ROTATED = declare("keys.rotated", _l("Keys rotated"), object_type="kek")
KEY_REMOVED = declare("keys.removed", _l("Key removed"), object_type="kek")
