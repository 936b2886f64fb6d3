"""The audited actions of accounts and sessions."""

from flask_babel import lazy_gettext as _l

from centre.audit.actions import declare

LOGIN = declare("auth.login", _l("Logged in"), object_type="user")
LOGIN_FAILED = declare("auth.login_failed", _l("Login failed"), object_type="user")
LOGIN_THROTTLED = declare("auth.login_throttled", _l("Login throttled"))
LOGOUT = declare("auth.logout", _l("Logged out"), object_type="user")
LOCK = declare("auth.lock", _l("Terminal locked"), object_type="user")
PASSWORD_CHANGED = declare(
    "auth.password_changed",
    _l("Own password changed"),
    object_type="user",
)
ACCESS_REFUSED = declare("auth.access_refused", _l("Access refused"), object_type="endpoint")
USER_CREATED = declare("user.created", _l("User created"), object_type="user")
USER_DISABLED = declare("user.disabled", _l("User disabled"), object_type="user")
USER_ENABLED = declare("user.enabled", _l("User enabled"), object_type="user")
USER_PASSWORD_RESET = declare(
    "user.password_reset",
    _l("User's password reset"),
    object_type="user",
)
USER_ROLE_CHANGED = declare("user.role_changed", _l("User's role changed"), object_type="user")
USER_UNLOCKED = declare(
    "user.unlocked", _l("User unlocked after failed logins"), object_type="user"
)
