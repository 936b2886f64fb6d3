"""Calendar arithmetic every domain's measures share: months, and the default period."""

from __future__ import annotations

import calendar
import functools
from datetime import date, timedelta


@functools.lru_cache(maxsize=16384)  # thousands of calls a page, on a few thousand days
def add_months(day: date, months: int) -> date:
    """The same day `months` calendar months later (or earlier), clamped to the month's end:
    31 August + 6 months is 28 February (29 in a leap year)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def last_twelve_months(today: date) -> tuple[date, date]:
    """The last twelve complete months before `today`'s month: a full year whose figures no
    longer change while the current month runs."""
    first_of_month = today.replace(day=1)
    return add_months(first_of_month, -12), first_of_month - timedelta(days=1)
