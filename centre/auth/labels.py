"""Account labels, translated: role names as every page shows them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import Role

ROLE_LABELS = {
    Role.RECEPTION: _l("Reception"),
    Role.SOCIAL_WORKER: _l("Social worker"),
    Role.MANAGER: _l("Manager"),
    Role.ADMIN: _l("Administrator"),
}
