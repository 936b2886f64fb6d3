"""Audited actions, each declared by the domain that performs it.

A domain lists its actions in its own `actions.py` (`LOGGED = declare("visit.logged",
_l("Visit logged"), object_type="visit")`) and records them with
`centre.audit.services.record`; the audit page lists and labels whatever was declared. A new
domain adds its actions without editing the audit package.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_DECLARED: dict[str, Action] = {}


@dataclass(frozen=True)
class Action:
    key: str  # stored in each event: stable, never renamed
    label: Any  # lazy: shown in the reader's language
    object_type: str | None = None  # what its events name, unless a call says otherwise

    def __str__(self) -> str:
        return self.key


def declare(key: str, label: Any, *, object_type: str | None = None) -> Action:
    """Register an action under its stored key; one key, one action."""
    action = Action(key, label, object_type)
    if _DECLARED.setdefault(key, action) is not action:
        raise ValueError(f"audit action {key!r} is declared twice")
    return action


def declared() -> list[Action]:
    """Every declared action, by key."""
    return sorted(_DECLARED.values(), key=lambda action: action.key)


def label_of(key: str) -> str:
    """The label of a stored key; a key no longer declared (an older version's) as is."""
    action = _DECLARED.get(key)
    return str(action.label) if action is not None else key
