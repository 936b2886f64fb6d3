"""Numbers from untrusted text: URL parts, query strings, field names and form values.

Python's int() takes any length and Unicode digits ("²".isdigit() is True, int("²") fails;
int("١٢") is 12), while the databases take 64-bit integers: a value that passes one and not
the other was an HTTP 500. Here an id is ASCII digits within the range of the id columns
(INTEGER: 32 bits on PostgreSQL), and anything else is simply not an id.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from werkzeug.routing import IntegerConverter
from wtforms import Field, ValidationError

MAX_ROW_ID = 2**31 - 1  # PostgreSQL's INTEGER; SQLite's goes further, ids never will
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_id(text: str | None) -> int | None:
    """A database id from text, or None when it cannot be one."""
    if text is None or not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ROW_ID else None


def row_id(text: str) -> int:
    """For `request.args.get(name, type=row_id)`: a ValueError makes Werkzeug use the default."""
    value = parse_id(text)
    if value is None:
        raise ValueError("not a row id")
    return value


def page_number(text: str) -> int:
    """For `request.args.get("page", 1, type=page_number)`."""
    value = row_id(text)
    if value < 1:
        raise ValueError("pages start at 1")
    return value


class RowIdConverter(IntegerConverter):
    """`<int:...>` in every route: ASCII digits within the id columns' range.

    Installed under the name "int" (centre.create_app), so no route can take an integer
    the database would choke on; out-of-range values are a 404 like any unknown id.
    """

    regex = r"[0-9]{1,10}"

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ROW_ID)
        super().__init__(map, *args, **kwargs)


def finite_number(_form: Any, field: Field) -> None:
    """A WTForms validator: Decimal reads "NaN", "sNaN" and "Infinity" as numbers."""
    value = field.data
    if isinstance(value, Decimal) and not value.is_finite():
        field.data = None
        raise ValidationError(field.gettext("Not a valid decimal value."))
