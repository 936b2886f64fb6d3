"""The pseudonymous person, consent, the identity vault and search."""

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/people")

from . import routes  # noqa: E402,F401
