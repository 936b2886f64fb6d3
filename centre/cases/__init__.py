"""Case files, goals, encrypted notes, referrals to care and the partner directory."""

from flask import Blueprint

bp = Blueprint("cases", __name__, url_prefix="/cases")
