"""Day-labour offers, placements, attendance, hours and pay, progression."""

from flask import Blueprint

bp = Blueprint("employment", __name__, url_prefix="/employment")

from . import routes  # noqa: E402,F401
