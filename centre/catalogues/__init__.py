"""Catalogues: sites, services and harm-reduction supplies, maintained by managers/admins."""

from flask import Blueprint

bp = Blueprint("catalogues", __name__, url_prefix="/catalogues")

from . import routes  # noqa: E402,F401
