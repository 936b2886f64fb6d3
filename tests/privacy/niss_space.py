"""The NISS space an attacker enumerates: every valid number of a birth year (and gender)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta


def niss_for(birth_date: date, serial: int) -> str:
    """The regular NISS (11 digits) of this birth date and serial (1-998)."""
    return _with_check(f"{birth_date:%y%m%d}", birth_date.year, serial)


def _with_check(yymmdd: str, year: int, serial: int) -> str:
    body = int(yymmdd) * 1000 + serial + (2_000_000_000 if year >= 2000 else 0)
    return f"{yymmdd}{serial:03d}{97 - body % 97:02d}"


def niss_space(year: int, *, women: bool | None = None) -> Iterator[str]:
    """Every regular NISS of a birth year; only women's (even serials) or men's (odd) if told.

    365 days (366 in a leap year) x 998 serials, halved by a known gender.
    """
    serials = range(1, 999)
    if women is not None:
        serials = range(2 if women else 1, 999, 2)
    day = date(year, 1, 1)
    while day.year == year:
        yymmdd = f"{day:%y%m%d}"
        for serial in serials:
            yield _with_check(yymmdd, year, serial)
        day += timedelta(days=1)
