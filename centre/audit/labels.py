"""What the audit page shows for each outcome, in the reader's language (each action's
label comes with its declaration, `centre.audit.actions`).

Stored events keep the stable keys (`auth.login`, `success`); people read these labels.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .services import Outcome

OUTCOME_LABELS = {
    Outcome.SUCCESS: _l("Success"),
    Outcome.REFUSED: _l("Refused"),
    Outcome.FAILURE: _l("Failure"),
}


def outcome_label(outcome: str) -> str:
    try:
        return str(OUTCOME_LABELS[Outcome(outcome)])
    except ValueError:
        return outcome
