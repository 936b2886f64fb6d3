"""Blind indexes, after CipherSweet: a keyed HMAC of a normalised value.

They let the app find duplicates (same NISS; same last name and birth date) without
decrypting anything. The HMAC key is the keyring's blind-index key, never a KEK. Each index
has a purpose that is mixed into the input, so equal values give unrelated indexes under
different purposes. Never index a low-cardinality field alone (DESIGN "Privacy model"):
a birth date alone would be guessable from its index.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from datetime import date

from .errors import BlindIndexError
from .niss import validate_niss

PURPOSE_NISS = "niss"
PURPOSE_NAME_BIRTHDATE = "name_birthdate"

_PURPOSE = re.compile(r"[a-z][a-z0-9_]*")
_DOMAIN = b"centre:blind-index:v1:"
KEY_BYTES = 32


def normalise_niss(text: str) -> str:
    return validate_niss(text)


def normalise_last_name(text: str) -> str:
    """Case, accents, spaces, hyphens and apostrophes do not matter to a name match.

    "Van der Berg" == "vanderberg", "Dupont-Lévy" == "dupontlevy". Only letters and digits
    are kept, so other punctuation (a dot in "St. Pierre") does not matter either.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


def blind_index(key: bytes, purpose: str, value: str) -> str:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError(f"a blind-index key must be {KEY_BYTES} bytes")
    if not _PURPOSE.fullmatch(purpose):
        raise ValueError("a blind-index purpose is a lower-case identifier")
    # The purpose cannot contain ":", so purpose and value cannot run into each other.
    message = _DOMAIN + purpose.encode("ascii") + b":" + value.encode("utf-8")
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def niss_index(key: bytes, niss: str) -> str:
    return blind_index(key, PURPOSE_NISS, normalise_niss(niss))


def name_birthdate_index(key: bytes, last_name: str, birth_date: date) -> str:
    name = normalise_last_name(last_name)
    if not name:
        # Would index the birth date alone, which is low-cardinality and guessable.
        raise BlindIndexError("last name is empty after normalisation")
    # The normalised name holds only letters and digits, so "|" separates unambiguously.
    return blind_index(key, PURPOSE_NAME_BIRTHDATE, f"{name}|{birth_date.isoformat()}")
