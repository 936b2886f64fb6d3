"""Shifts cross midnight and daylight-saving changes without losing or doubling an hour."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from centre.i18n import BRUSSELS
from centre.reception.shifts import parse_shift_starts, previous_shift, shift_at

STARTS = parse_shift_starts("07:00, 15:00, 23:00")


def brussels(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BRUSSELS)


@pytest.mark.parametrize(
    ("moment", "day", "index"),
    [
        (brussels(2026, 11, 25, 7, 0), date(2026, 11, 25), 0),
        (brussels(2026, 11, 25, 14, 59), date(2026, 11, 25), 0),
        (brussels(2026, 11, 25, 15, 0), date(2026, 11, 25), 1),
        (brussels(2026, 11, 25, 23, 30), date(2026, 11, 25), 2),
        # After midnight, the night shift still belongs to the day it started.
        (brussels(2026, 11, 26, 0, 10), date(2026, 11, 25), 2),
        (brussels(2026, 11, 26, 6, 59), date(2026, 11, 25), 2),
        (brussels(2026, 11, 26, 7, 0), date(2026, 11, 26), 0),
    ],
)
def test_shift_at(moment: datetime, day: date, index: int) -> None:
    shift = shift_at(moment.astimezone(UTC), STARTS)
    assert (shift.day, shift.index) == (day, index)
    assert shift.contains(moment)


def test_night_shift_spans_midnight_for_eight_hours() -> None:
    night = shift_at(brussels(2026, 11, 26, 2, 0), STARTS)
    assert night.starts_at == brussels(2026, 11, 25, 23, 0)
    assert night.ends_at == brussels(2026, 11, 26, 7, 0)
    assert (night.ends_at - night.starts_at).total_seconds() == 8 * 3600


def test_dst_change_nights_are_seven_and_nine_hours() -> None:
    spring = shift_at(brussels(2026, 3, 29, 4, 0), STARTS)  # clocks go 02:00 -> 03:00
    autumn = shift_at(brussels(2026, 10, 25, 4, 0), STARTS)  # clocks go 03:00 -> 02:00
    assert (spring.ends_at - spring.starts_at).total_seconds() == 7 * 3600
    assert (autumn.ends_at - autumn.starts_at).total_seconds() == 9 * 3600


def test_previous_shift_crosses_back_over_midnight() -> None:
    morning = shift_at(brussels(2026, 11, 26, 8, 0), STARTS)
    night = previous_shift(morning, STARTS)
    assert (night.day, night.index) == (date(2026, 11, 25), 2)
    assert previous_shift(night, STARTS).index == 1


def test_single_shift_day_and_bad_config() -> None:
    one = parse_shift_starts("06:00")
    shift = shift_at(brussels(2026, 11, 26, 5, 0), one)
    assert shift.day == date(2026, 11, 25) and shift.index == 0
    with pytest.raises(ValueError):
        parse_shift_starts(" , ")
