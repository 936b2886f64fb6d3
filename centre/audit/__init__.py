"""The append-only, hash-chained audit log."""

from flask import Blueprint

bp = Blueprint("audit", __name__)

from . import routes  # noqa: E402,F401
