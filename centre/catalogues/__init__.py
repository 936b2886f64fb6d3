"""Catalogues: sites, services and harm-reduction supplies, maintained by managers/admins."""

from flask import Blueprint

bp = Blueprint("catalogues", __name__, url_prefix="/catalogues")
