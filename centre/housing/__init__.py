"""Housing pathways: emergency, Transit Home, Housing First; stays, exits, waiting list."""

from flask import Blueprint

bp = Blueprint("housing", __name__, url_prefix="/housing")
