"""Case files and care orientation: cases, plans, notes, referrals, rights, the pathway."""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")

from . import routes  # noqa: E402,F401
