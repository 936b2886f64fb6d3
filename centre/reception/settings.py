"""Reception's settings: when shifts start, and how many syringes a litre of sharps holds;
the shift now (the night the bed board shows is its day)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

from flask import current_app

from centre.db import utcnow

from .shifts import Shift, parse_shift_starts, shift_at


@dataclass(frozen=True)
class ReceptionSettings:
    shift_starts: Sequence[time]
    syringes_per_litre: int

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ReceptionSettings:
        return cls(
            shift_starts=parse_shift_starts(config["SHIFT_STARTS"]),
            syringes_per_litre=config["SYRINGES_PER_LITRE"],
        )


def settings() -> ReceptionSettings:
    """This app's settings, read from its configuration once."""
    cached = current_app.extensions.get("centre.reception")
    if cached is None:
        cached = ReceptionSettings.from_config(current_app.config)
        current_app.extensions["centre.reception"] = cached
    return cached


def current_shift() -> Shift:
    return shift_at(utcnow(), settings().shift_starts)
