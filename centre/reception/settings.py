"""Reception's settings: when shifts start, and how many syringes a litre of sharps holds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from typing import Any

from .shifts import parse_shift_starts


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
