"""The append-only, hash-chained audit log."""

from typing import Any

from flask import Blueprint

bp = Blueprint("audit", __name__)


@bp.context_processor
def _labels() -> dict[str, Any]:
    from .labels import action_label, outcome_label

    return {"action_label": action_label, "outcome_label": outcome_label}


from . import routes  # noqa: E402,F401
