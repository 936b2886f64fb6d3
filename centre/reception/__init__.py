"""Reception: visits, harm-reduction material, incidents, women's space, shift handover log."""

from flask import Blueprint

bp = Blueprint("reception", __name__, url_prefix="/reception")

from . import routes  # noqa: E402,F401
