"""Ids from untrusted text: ASCII digits within the id columns' range, nothing else."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask import Flask

from centre.inputs import MAX_ROW_ID, page_number, parse_id, row_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1),
        ("0", 0),
        ("2147483647", MAX_ROW_ID),
        ("2147483648", None),
        ("99999999999999999999999", None),
        ("²", None),
        ("١٢", None),
        ("１２", None),
        ("-1", None),
        (" 1", None),
        ("1e3", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_id(text: str | None, expected: int | None) -> None:
    assert parse_id(text) == expected


def test_query_parameter_types_refuse_what_is_not_an_id() -> None:
    assert row_id("42") == 42 and page_number("3") == 3
    for bad in ("0", "²", "2147483648"):
        with pytest.raises(ValueError):
            page_number(bad)
    with pytest.raises(ValueError):
        row_id("-5")


@pytest.mark.parametrize("part", ["2147483648", "99999999999999999999999", "١٢", "00000000001"])
def test_route_ids_out_of_range_or_not_ascii_are_not_found(app: Flask, part: str) -> None:
    adapter = app.url_map.bind("localhost")
    endpoint, values = adapter.match("/admin/users/7")
    assert endpoint == "auth.user_detail" and values == {"user_id": 7}
    from werkzeug.exceptions import NotFound

    with pytest.raises(NotFound):
        adapter.match(f"/admin/users/{part}")


def test_finite_number_refuses_nan_and_infinity(app: Flask) -> None:
    from centre.reception.forms import VisitForm

    for text in ("NaN", "sNaN", "Infinity", "-Infinity"):
        with app.test_request_context("/", method="POST", data={"sharps_litres": text}):
            form = VisitForm(meta={"csrf": False})
            form.validate()
            assert form.sharps_litres.errors and form.sharps_litres.data is None
    with app.test_request_context("/", method="POST", data={"sharps_litres": "1.5"}):
        form = VisitForm(meta={"csrf": False})
        form.validate()
        assert form.sharps_litres.data == Decimal("1.5")
