from __future__ import annotations

from datetime import date

import pytest

from centre.privacy.errors import InvalidNISSError
from centre.privacy.niss import format_niss, niss_birth_date, validate_niss


def _before_2000(first_nine: str) -> str:
    return first_nine + f"{97 - int(first_nine) % 97:02d}"


def _from_2000(first_nine: str) -> str:
    return first_nine + f"{97 - int('2' + first_nine) % 97:02d}"


def _reason(text: str) -> str:
    with pytest.raises(InvalidNISSError) as caught:
        validate_niss(text)
    return caught.value.reason


def test_known_pre_2000_example() -> None:
    assert _before_2000("850730033") == "85073003328"
    assert validate_niss("85.07.30-033.28") == "85073003328"
    assert validate_niss(" 850730 033 28 ") == "85073003328"
    assert niss_birth_date("85073003328") == date(1985, 7, 30)


def test_post_2000_example() -> None:
    niss = _from_2000("010203123")
    assert niss != _before_2000("010203123")
    assert validate_niss(niss) == niss
    assert niss_birth_date(niss) == date(2001, 2, 3)
    # The same digits with pre-2000 check digits are a different, also valid, person.
    assert niss_birth_date(_before_2000("010203123")) == date(1901, 2, 3)


def test_leap_day_depends_on_the_century() -> None:
    assert niss_birth_date(_from_2000("000229001")) == date(2000, 2, 29)
    assert _reason(_before_2000("000229001")) == "date"  # 1900 was not a leap year


@pytest.mark.parametrize(
    ("first_nine", "expected"),
    [
        ("850030033", None),  # month unknown
        ("850700033", None),  # day unknown
        ("852730033", date(1985, 7, 30)),  # bis number, sex unknown: month + 20
        ("854730033", date(1985, 7, 30)),  # bis number, sex known: month + 40
        ("854000033", None),  # bis number, date unknown
    ],
)
def test_unknown_dates_and_bis_numbers(first_nine: str, expected: date | None) -> None:
    niss = _before_2000(first_nine)
    assert validate_niss(niss) == niss
    assert niss_birth_date(niss) == expected


@pytest.mark.parametrize("first_nine", ["851330033", "850732033", "850230033", "856130033"])
def test_impossible_dates_are_refused(first_nine: str) -> None:
    assert _reason(_before_2000(first_nine)) == "date"


def test_wrong_check_digits_are_refused() -> None:
    assert _reason("85073003329") == "check"
    assert _reason("85073003382") == "check"
    assert _reason("58073003328") == "check"


@pytest.mark.parametrize(
    "text", ["", "8507300332", "850730033288", "85.07.30-033.2X", "85073003328a", "８５073003328"]
)
def test_wrong_format_is_refused(text: str) -> None:
    assert _reason(text) == "format"


def test_error_messages_do_not_echo_the_number() -> None:
    with pytest.raises(InvalidNISSError) as caught:
        validate_niss("85073003329")
    assert "850730" not in str(caught.value)


def test_formatting() -> None:
    assert format_niss("85073003328") == "85.07.30-033.28"
    assert format_niss("85 07 30 033 28") == "85.07.30-033.28"
    with pytest.raises(InvalidNISSError):
        format_niss("85073003329")
