"""Housing pathways: the ladder, programmes, the bed board, waiting lists, stays, measures."""

from flask import Blueprint

bp = Blueprint("housing", __name__, url_prefix="/housing")

from . import routes  # noqa: E402,F401
