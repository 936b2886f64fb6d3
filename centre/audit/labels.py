"""What the audit page shows for each action and outcome, in the reader's language.

Stored events keep the stable keys (`auth.login`); people read these labels.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .services import Action, Outcome

# Lazy: resolved in the language of the request that shows them.
ACTION_LABELS = {
    Action.LOGIN: _l("Logged in"),
    Action.LOGIN_FAILED: _l("Login failed"),
    Action.LOGIN_THROTTLED: _l("Login throttled"),
    Action.LOGOUT: _l("Logged out"),
    Action.LOCK: _l("Terminal locked"),
    Action.PASSWORD_CHANGED: _l("Own password changed"),
    Action.ACCESS_REFUSED: _l("Access refused"),
    Action.USER_CREATED: _l("User created"),
    Action.USER_DISABLED: _l("User disabled"),
    Action.USER_ENABLED: _l("User enabled"),
    Action.USER_PASSWORD_RESET: _l("User's password reset"),
    Action.USER_ROLE_CHANGED: _l("User's role changed"),
    Action.USER_UNLOCKED: _l("User unlocked after failed logins"),
    Action.PERSON_CREATED: _l("Person created"),
    Action.PERSON_UPDATED: _l("Person updated"),
    Action.IDENTITY_REVEALED: _l("Identity revealed"),
    Action.IDENTITY_SAVED: _l("Identity saved"),
    Action.IDENTITY_ERASED: _l("Identity erased"),
    Action.IDENTITY_SEARCHED: _l("Identity searched"),
    Action.CONSENT_GIVEN: _l("Consent given"),
    Action.CONSENT_WITHDRAWN: _l("Consent withdrawn"),
    Action.CATALOGUE_CREATED: _l("Catalogue entry created"),
    Action.CATALOGUE_UPDATED: _l("Catalogue entry updated"),
    Action.CATALOGUE_DEACTIVATED: _l("Catalogue entry deactivated"),
    Action.CATALOGUE_REACTIVATED: _l("Catalogue entry reactivated"),
    Action.VISIT_LOGGED: _l("Visit logged"),
    Action.VISIT_CORRECTED: _l("Visit corrected"),
    Action.VISIT_DELETED: _l("Visit deleted"),
    Action.INCIDENT_LOGGED: _l("Incident logged"),
    Action.INCIDENT_UPDATED: _l("Incident updated"),
    Action.HANDOVER_WRITTEN: _l("Handover note written"),
    Action.KEYS_ROTATED: _l("Keys rotated"),
    Action.KEY_REMOVED: _l("Key removed"),
}

OUTCOME_LABELS = {
    Outcome.SUCCESS: _l("Success"),
    Outcome.REFUSED: _l("Refused"),
    Outcome.FAILURE: _l("Failure"),
}


def action_label(action: str) -> str:
    """The label of a stored action key; an unknown key (from an older version) as is."""
    try:
        return str(ACTION_LABELS[Action(action)])
    except ValueError:
        return action


def outcome_label(outcome: str) -> str:
    try:
        return str(OUTCOME_LABELS[Outcome(outcome)])
    except ValueError:
        return outcome
