"""Shifts of a 24/7 centre: which shift a moment belongs to, in Brussels wall-clock time.

A shift day starts at the first shift start (say 07:00) and runs until the same time the next
morning, so the night shift's visits after midnight belong to the day the shift started.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from centre.i18n import BRUSSELS


@dataclass(frozen=True, order=True)
class Shift:
    day: date
    index: int
    starts_at: datetime  # aware, UTC
    ends_at: datetime  # aware, UTC

    def contains(self, moment: datetime) -> bool:
        return self.starts_at <= moment < self.ends_at


def parse_shift_starts(text: str) -> tuple[time, ...]:
    """ "07:00,15:00,23:00" -> sorted times; at least one, no duplicates."""
    starts = sorted({time.fromisoformat(part.strip()) for part in text.split(",") if part.strip()})
    if not starts:
        raise ValueError("at least one shift start time is needed")
    return tuple(starts)


def _local_start(day: date, start: time) -> datetime:
    # Wall-clock time in Brussels; zoneinfo picks the right offset on DST change days.
    return datetime.combine(day, start, tzinfo=BRUSSELS).astimezone(UTC)


def shift_at(moment: datetime, starts: Sequence[time]) -> Shift:
    """The shift that `moment` (aware) falls in."""
    local = moment.astimezone(BRUSSELS)
    day = local.date()
    if local.time() < starts[0]:
        day -= timedelta(days=1)  # before the first start: still yesterday's last shift
    index = 0
    for position, start in enumerate(starts):
        candidate = _local_start(day, start)
        if candidate <= moment.astimezone(UTC):
            index = position
    return shift_of(day, index, starts)


def shift_of(day: date, index: int, starts: Sequence[time]) -> Shift:
    starts_at = _local_start(day, starts[index])
    if index + 1 < len(starts):
        ends_at = _local_start(day, starts[index + 1])
    else:
        ends_at = _local_start(day + timedelta(days=1), starts[0])
    return Shift(day=day, index=index, starts_at=starts_at, ends_at=ends_at)


def previous_shift(shift: Shift, starts: Sequence[time]) -> Shift:
    if shift.index > 0:
        return shift_of(shift.day, shift.index - 1, starts)
    return shift_of(shift.day - timedelta(days=1), len(starts) - 1, starts)


def next_shift(shift: Shift, starts: Sequence[time]) -> Shift:
    if shift.index + 1 < len(starts):
        return shift_of(shift.day, shift.index + 1, starts)
    return shift_of(shift.day + timedelta(days=1), 0, starts)
