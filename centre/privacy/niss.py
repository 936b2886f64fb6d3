"""Belgian national register number (NISS / rijksregisternummer): validation and format.

Shape YYMMDD-SSS-CC. The check digits are 97 - (first nine digits mod 97); for people born
in 2000 or later the same is computed on "2" followed by the nine digits. The birth-date part
may be unknown (month or day 00), and bis numbers add 20 or 40 to the month.
"""

from __future__ import annotations

import re
from datetime import date

from .errors import InvalidNISSError

_SEPARATORS = re.compile(r"[\s.\-/]+")


def _century(digits: str) -> int:
    """1900 or 2000, as told by the check digits; InvalidNISSError(check) if neither fits."""
    body, check = int(digits[:9]), int(digits[9:])
    if 97 - body % 97 == check:
        return 1900
    if 97 - (2_000_000_000 + body) % 97 == check:
        return 2000
    raise InvalidNISSError("check")


def validate_niss(text: str) -> str:
    """The 11 digits of a valid NISS, from any usual spelling ("85.07.30-033.28")."""
    digits = _SEPARATORS.sub("", text)
    if len(digits) != 11 or not digits.isascii() or not digits.isdigit():
        raise InvalidNISSError("format")
    century = _century(digits)
    _birth_date(digits, century)  # raises InvalidNISSError(date)
    return digits


def _birth_date(digits: str, century: int) -> date | None:
    yy, mm, dd = int(digits[0:2]), int(digits[2:4]), int(digits[4:6])
    # Bis numbers (no national register entry) shift the month by 20 or 40.
    if 40 <= mm <= 52:
        mm -= 40
    elif 20 <= mm <= 32:
        mm -= 20
    if mm > 12 or dd > 31:
        raise InvalidNISSError("date")
    if mm == 0 or dd == 0:
        return None  # birth date (partly) unknown when the number was assigned
    try:
        return date(century + yy, mm, dd)
    except ValueError:
        raise InvalidNISSError("date") from None


def niss_birth_date(text: str) -> date | None:
    """The birth date a NISS encodes, or None when it is unknown."""
    digits = validate_niss(text)
    return _birth_date(digits, _century(digits))


def format_niss(digits: str) -> str:
    d = validate_niss(digits)
    return f"{d[0:2]}.{d[2:4]}.{d[4:6]}-{d[6:9]}.{d[9:11]}"
