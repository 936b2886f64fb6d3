from __future__ import annotations

import re
from collections import Counter
from datetime import date

import pytest

from centre.privacy.blind_index import (
    INDEX_BITS,
    MIN_PREIMAGES,
    NAME_BIRTHDATE_BITS,
    NISS_BITS,
    NISS_SPACE,
    POPULATION,
    PURPOSE_NAME_BIRTHDATE,
    PURPOSE_NISS,
    blind_index,
    expected_candidates,
    expected_preimages,
    full_hmac_hex,
    name_birthdate_index,
    niss_index,
    normalise_last_name,
    normalise_niss,
    plan_bits,
    truncate_index,
)
from centre.privacy.crypto import new_data_key
from centre.privacy.errors import BlindIndexError, InvalidNISSError
from centre.privacy.niss import validate_niss
from tests.privacy.niss_space import niss_space

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
    # NISS_BITS = 10 bits, in 3 hex digits whose last 2 bits are zero.
    assert re.fullmatch(r"[0-9a-f]{2}[048c]", index)
    assert re.fullmatch(
        r"[0-9a-f]{3}[02468ace]", name_birthdate_index(key, "Dupont", date(1985, 7, 30))
    )
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


# --- truncation and its planning ---------------------------------------------------------------


def test_an_index_is_the_first_planned_bits_of_the_full_hmac() -> None:
    """So existing full-HMAC indexes can be migrated without the key: cut the stored hex."""
    key = new_data_key()
    full = full_hmac_hex(key, PURPOSE_NISS, "85073003328")
    assert re.fullmatch(r"[0-9a-f]{64}", full)
    index = niss_index(key, NISS)
    assert int(index, 16) >> 2 == int(full, 16) >> (256 - 10)
    assert truncate_index(full, NISS_BITS) == index
    assert truncate_index(index, NISS_BITS) == index  # cutting again changes nothing
    assert blind_index(key, PURPOSE_NISS, "85073003328", bits=16) == full[:4]
    for bits in (1, 3, 4, 7, 8, 9, 13, 17, 255, 256):
        assert blind_index(key, PURPOSE_NISS, "85073003328", bits=bits) == truncate_index(
            full, bits
        )
    assert truncate_index("ffff", 1) == "8" and truncate_index("ffff", 9) == "ff8"
    with pytest.raises(ValueError):
        truncate_index("ff", 10)  # too short to hold 10 bits
    with pytest.raises(ValueError):
        truncate_index("fg0", 10)


def test_every_purpose_has_a_planned_size() -> None:
    assert INDEX_BITS == {PURPOSE_NISS: NISS_BITS, PURPOSE_NAME_BIRTHDATE: NAME_BIRTHDATE_BITS}
    with pytest.raises(ValueError):
        blind_index(new_data_key(), "unplanned", "x")


def test_planning_keeps_the_preimages_and_needs_no_more_bits_than_the_population() -> None:
    # The NISS of a person whose birth year and gender are in clear: 365 days x 499 serials.
    assert plan_bits(182_135, 50_000) == 10  # 182,135 / 2**10 = 178 preimages >= 100
    assert expected_preimages(182_135, 10) == pytest.approx(177.9, abs=0.1)
    assert expected_candidates(50_000, 10) == pytest.approx(48.8, abs=0.1)
    # One more bit would leave 89 preimages, fewer than the planned minimum.
    assert expected_preimages(182_135, 11) < MIN_PREIMAGES
    # A huge space is cut where the population no longer needs bits: 2**11 >= 1,100.
    assert plan_bits(10**12, 1_100) == 11
    assert plan_bits(10**12, 1) == 1
    # Too small a space cannot be indexed safely at all (a birth date alone, a gender).
    with pytest.raises(ValueError):
        plan_bits(36_500, 50_000, min_preimages=20_000)
    with pytest.raises(ValueError):
        plan_bits(0, 10)
    with pytest.raises(ValueError):
        plan_bits(1000, 0)


def test_the_planned_sizes_and_their_arithmetic() -> None:
    assert NISS_SPACE == 365 * 499
    assert POPULATION == 50_000
    assert NISS_BITS == 10
    # The name index is cut further than its own space allows (15 bits), because the same
    # person's NISS index gives away the birth date: see blind_index.py.
    assert plan_bits(365 * 10_000, POPULATION) == 15
    assert NAME_BIRTHDATE_BITS == 13


def test_a_backup_and_the_key_leave_every_niss_index_with_its_planned_preimages() -> None:
    """The review's attack, run: an erased NISS's index, a backup of the database and the
    whole keyring, and what the database keeps in clear (born in 1985, a woman). Every NISS
    of that year and gender is tried; each stored value keeps at least MIN_PREIMAGES."""
    key = bytes(range(32))  # fixed, so the counts are the same on every run
    space = list(niss_space(1985, women=True))
    assert len(space) == NISS_SPACE
    assert validate_niss(space[1234]) == space[1234]  # already in normalised form
    assert plan_bits(len(space), POPULATION) == NISS_BITS
    counts = Counter(blind_index(key, PURPOSE_NISS, niss) for niss in space)
    assert len(counts) == 2**NISS_BITS  # every possible stored value occurs
    assert min(counts.values()) >= MIN_PREIMAGES
    # The person's own stored value: her NISS is among as many others as planned.
    erased = niss_index(key, "85.07.30-034.27")
    assert counts[erased] >= MIN_PREIMAGES
    assert sum(counts.values()) / len(counts) == pytest.approx(
        expected_preimages(NISS_SPACE, NISS_BITS)
    )
