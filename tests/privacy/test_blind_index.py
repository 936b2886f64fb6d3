from __future__ import annotations

import re
from datetime import date

import pytest

from centre.privacy.blind_index import (
    PURPOSE_NAME_BIRTHDATE,
    PURPOSE_NISS,
    blind_index,
    name_birthdate_index,
    niss_index,
    normalise_last_name,
    normalise_niss,
)
from centre.privacy.crypto import new_data_key
from centre.privacy.errors import BlindIndexError, InvalidNISSError

NISS = "85.07.30-033.28"  # check digits 28: 97 - 850730033 % 97


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Van der Berg", "vanderberg"),
        ("Dupont-Lévy", "dupontlevy"),
        ("D'Hondt", "dhondt"),
        ("D’Hondt", "DHONDT"),
        ("  Müller ", "muller"),
        ("Straße", "STRASSE"),
        ("Çelik", "celik"),
    ],
)
def test_last_name_equivalences(a: str, b: str) -> None:
    assert normalise_last_name(a) == normalise_last_name(b)


def test_niss_normalisation() -> None:
    assert normalise_niss(NISS) == "85073003328"
    assert normalise_niss("85073003328") == "85073003328"
    with pytest.raises(InvalidNISSError):
        normalise_niss("85073003329")


def test_index_shape_and_stability() -> None:
    key = new_data_key()
    index = niss_index(key, NISS)
    assert re.fullmatch(r"[0-9a-f]{64}", index)
    assert niss_index(key, "85 07 30 033 28") == index
    assert name_birthdate_index(key, "Van der Berg", date(1985, 7, 30)) == name_birthdate_index(
        key, "VANDERBERG", date(1985, 7, 30)
    )


def test_purpose_and_key_separate_indexes() -> None:
    key = new_data_key()
    value = "85073003328"
    assert blind_index(key, PURPOSE_NISS, value) != blind_index(key, PURPOSE_NAME_BIRTHDATE, value)
    assert blind_index(key, PURPOSE_NISS, value) != blind_index(new_data_key(), PURPOSE_NISS, value)
    assert blind_index(key, PURPOSE_NISS, value) == niss_index(key, value)


def test_name_birthdate_index_depends_on_both_parts() -> None:
    key = new_data_key()
    base = name_birthdate_index(key, "Dupont", date(1985, 7, 30))
    assert name_birthdate_index(key, "Dupond", date(1985, 7, 30)) != base
    assert name_birthdate_index(key, "Dupont", date(1985, 7, 31)) != base


def test_never_an_index_on_the_birth_date_alone() -> None:
    with pytest.raises(BlindIndexError):
        name_birthdate_index(new_data_key(), " - ' ", date(1985, 7, 30))


def test_bad_purpose_or_key_is_refused() -> None:
    with pytest.raises(ValueError):
        blind_index(new_data_key(), "niss:extra", "x")
    with pytest.raises(ValueError):
        blind_index(b"short", PURPOSE_NISS, "x")
