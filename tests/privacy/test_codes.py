from __future__ import annotations

import re
import secrets

import pytest

from centre.privacy import codes
from centre.privacy.codes import (
    ALPHABET,
    CODE_PATTERN,
    generate_code,
    is_valid_code,
    normalise_code,
)
from centre.privacy.errors import InvalidCodeError

SHAPE = re.compile(f"[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}")


def _code(payload: str) -> str:
    """A valid code with a chosen 7-symbol payload."""
    values = [ALPHABET.index(s) for s in payload]
    symbols = payload + ALPHABET[codes._check_symbol(values)]
    return f"{symbols[:4]}-{symbols[4:]}"


def _reason(text: str) -> str:
    with pytest.raises(InvalidCodeError) as caught:
        normalise_code(text)
    return caught.value.reason


def test_ten_thousand_generated_codes_are_valid_and_well_formed() -> None:
    generated = [generate_code() for _ in range(10_000)]
    for code in generated:
        assert SHAPE.fullmatch(code)
        assert normalise_code(code) == code
    # 35 random bits: about 0.0015 expected collisions among 10,000, so allow for one.
    assert len(set(generated)) >= 9_999


def test_every_single_substitution_is_rejected_by_the_check() -> None:
    for _ in range(50):
        symbols = generate_code().replace("-", "")
        for position in range(8):
            for replacement in ALPHABET:
                if replacement == symbols[position]:
                    continue
                typo = symbols[:position] + replacement + symbols[position + 1 :]
                assert _reason(typo) == "check"


def _transpositions(symbols: str) -> list[str]:
    return [
        symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2 :]
        for i in range(7)
        if symbols[i] != symbols[i + 1]
    ]


def test_every_adjacent_transposition_is_rejected() -> None:
    for _ in range(500):
        for typo in _transpositions(generate_code().replace("-", "")):
            assert _reason(typo) == "check"


def test_every_pair_of_symbols_swapped_anywhere_is_rejected() -> None:
    # Exhaustive over symbol pairs, including 0 <-> Z, which Luhn mod 32 would miss.
    for x in ALPHABET:
        for y in ALPHABET:
            if x == y:
                continue
            for position in range(6):
                filler = "".join(secrets.choice(ALPHABET) for _ in range(5))
                payload = filler[:position] + x + y + filler[position:]
                symbols = _code(payload).replace("-", "")
                for typo in _transpositions(symbols):
                    assert not is_valid_code(typo)


def test_aliases_case_and_separators_are_accepted() -> None:
    code = _code("0011ABC")
    assert normalise_code("oOiL-abc" + code[-1].lower()) == code
    assert normalise_code(f"  {code.replace('-', ' ')} ") == code
    assert normalise_code(code.replace("-", "")) == code
    assert is_valid_code(code.lower())


def test_symbols_outside_the_alphabet_are_rejected() -> None:
    code = generate_code()
    assert _reason("U" + code[1:]) == "character"
    assert _reason(code[:-1] + "*") == "character"
    assert _reason(code[:-1] + "é") == "character"
    assert _reason(code[:-1] + "ſ") == "character"  # upper() would make it an S


@pytest.mark.parametrize("text", ["", "ABC", "K7MQ-3XZ", "K7MQ-3XZ99", "----"])
def test_wrong_length_is_rejected(text: str) -> None:
    assert _reason(text) == "length"
    assert not is_valid_code(text)


def test_error_messages_do_not_echo_the_input() -> None:
    with pytest.raises(InvalidCodeError) as caught:
        normalise_code("K7MQ-3XZ")
    assert "K7MQ" not in str(caught.value)


def test_html_pattern_accepts_what_people_type() -> None:
    code = generate_code()
    for typed in (code, code.lower(), code.replace("-", ""), code.replace("-", " ")):
        assert re.fullmatch(CODE_PATTERN, typed)
    assert not re.fullmatch(CODE_PATTERN, "K7MQ-3XZ")
