"""The partner directory (M3.1): maintained by managers, searched by staff, and public."""

from flask import Blueprint

bp = Blueprint("directory", __name__, url_prefix="/directory")

from . import routes  # noqa: E402,F401
