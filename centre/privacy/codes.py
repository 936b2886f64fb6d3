"""Pseudonymous person codes: 7 random Crockford base32 symbols and a check symbol.

Shown as "XXXX-XXXX" on a card. 35 random bits: far more codes than a centre will ever
issue, and collisions are caught by the database's unique constraint.

The check symbol comes from the same 32-symbol alphabet. Crockford's own check (mod 37)
adds the symbols * ~ $ = U, which are hard to read aloud or print on a card. Luhn mod N over
base 32 was considered, but like decimal Luhn (09 <-> 90) it misses one transposition:
"0Z" <-> "Z0". So the check is a weighted sum in the field GF(32): sum(a**i * s_i) = 0, with a
primitive element a. That catches every single-symbol substitution (a**i * e != 0) and every
adjacent transposition (a**i * (x - y) * (1 - a) != 0), and transpositions across one symbol.
"""

from __future__ import annotations

import re
import secrets

from .errors import InvalidCodeError

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PAYLOAD_SYMBOLS = 7
CODE_SYMBOLS = PAYLOAD_SYMBOLS + 1
# For an <input pattern>: permissive on purpose (case, aliases, separator); the server
# gives the precise message. Avoids constructs that differ between the u and v regex modes.
CODE_PATTERN = r"\s*[0-9A-Za-z]{4}\s*-?\s*[0-9A-Za-z]{4}\s*"

_INDEX = {symbol: i for i, symbol in enumerate(ALPHABET)}
# Crockford's decoding aliases: letters that are easily read as digits.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014]+")

# GF(2**5) built on the primitive polynomial x**5 + x**2 + 1; a = x generates all 31 units.
_POLY = 0b100101
_EXP: list[int] = []
_value = 1
for _ in range(31):
    _EXP.append(_value)
    _value <<= 1
    if _value & 0b100000:
        _value ^= _POLY
_LOG = {v: i for i, v in enumerate(_EXP)}


def _mul(x: int, y: int) -> int:
    if x == 0 or y == 0:
        return 0
    return _EXP[(_LOG[x] + _LOG[y]) % 31]


def _syndrome(values: list[int]) -> int:
    total = 0  # addition in GF(2**5) is XOR
    for position, value in enumerate(values):
        total ^= _mul(_EXP[position], value)
    return total


def _check_symbol(payload: list[int]) -> int:
    # Solve syndrome(payload) + a**7 * c = 0, i.e. c = syndrome * a**-7 (minus is plus here).
    return _mul(_syndrome(payload), _EXP[(31 - PAYLOAD_SYMBOLS) % 31])


def _group(symbols: str) -> str:
    return f"{symbols[:4]}-{symbols[4:]}"


def generate_code() -> str:
    payload = [secrets.randbelow(32) for _ in range(PAYLOAD_SYMBOLS)]
    symbols = [*payload, _check_symbol(payload)]
    return _group("".join(ALPHABET[v] for v in symbols))


def normalise_code(text: str) -> str:
    """The canonical "XXXX-XXXX" form of a typed code, or InvalidCodeError with a reason."""
    symbols = _SEPARATORS.sub("", text)
    if not symbols.isascii():  # before upper(): "ſ".upper() == "S", "ı".upper() == "I"
        raise InvalidCodeError("character")
    symbols = symbols.upper().translate(_ALIASES)
    if any(symbol not in _INDEX for symbol in symbols):
        raise InvalidCodeError("character")
    if len(symbols) != CODE_SYMBOLS:
        raise InvalidCodeError("length")
    if _syndrome([_INDEX[symbol] for symbol in symbols]) != 0:
        raise InvalidCodeError("check")
    return _group(symbols)


def is_valid_code(text: str) -> bool:
    try:
        normalise_code(text)
    except InvalidCodeError:
        return False
    return True
