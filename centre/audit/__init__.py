"""The append-only, hash-chained audit log."""

from typing import Any

from flask import Blueprint

bp = Blueprint("audit", __name__)


@bp.context_processor
def _labels() -> dict[str, Any]:
    from .actions import label_of
    from .labels import outcome_label

    return {"action_label": label_of, "outcome_label": outcome_label}


from . import routes  # noqa: E402,F401
