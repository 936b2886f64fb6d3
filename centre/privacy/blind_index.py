"""Blind indexes, after CipherSweet: a keyed HMAC of a normalised value, truncated.

They let the app find candidates (same NISS; same last name and birth date) without
decrypting everything. The HMAC key is the keyring's blind-index key, never a KEK. Each index
has a purpose that is mixed into the input, so equal values give unrelated indexes under
different purposes. Never index a low-cardinality field alone (DESIGN "Privacy model"):
a birth date alone would be guessable from its index.

Truncation is what makes erasure hold against a backup. Threat model: an attacker has a copy
of the main database taken before an erasure and the whole keyring (blind-index key
included), but not the destroyed data key, and knows what the database keeps in clear about
the person (birth year and gender, when recorded). A full HMAC lets them try every plausible
value and confirm the one that matches. A truncated one only narrows the value down to the
many plausible values that share its first bits; which of them it was is known only to the
ciphertext, and the ciphertext's key is gone. The app, holding the data keys, confirms each
candidate a search returns by decrypting it (centre.people.services).

The stored form is the first N bits of the same HMAC-SHA256, as lower-case hex of
ceil(N / 4) digits whose unused trailing bits are zero: fixed width per purpose, and a value
of more bits (the full HMAC of version 1) is migrated by cutting its hex, without any key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from typing import Final

from .errors import BlindIndexError
from .niss import validate_niss

PURPOSE_NISS = "niss"
PURPOSE_NAME_BIRTHDATE = "name_birthdate"

_PURPOSE = re.compile(r"[a-z][a-z0-9_]*")
_HEX = re.compile(r"[0-9a-f]+")
_DOMAIN = b"centre:blind-index:v1:"
KEY_BYTES = 32
HMAC_BITS = 256


# --- planning -------------------------------------------------------------------------------

# Plausible values an attacker must still choose between after matching a stored index.
MIN_PREIMAGES: Final = 100
# The population an index must serve: the whole region over ten years (reference/volumes.md:
# 50,000 pseudonymous persons; one centre sees about 1,000-1,100 people a year).
POPULATION: Final = 50_000


def plan_bits(space: int, population: int, *, min_preimages: int = MIN_PREIMAGES) -> int:
    """How many bits of an index's HMAC to keep, for a plausible input space and population.

    As many as possible, so that a search returns few candidates (expected false positives
    = population / 2**bits), but
    - never so many that a stored value has fewer than `min_preimages` expected preimages in
      the space an attacker would search (space / 2**bits >= min_preimages), and
    - never more than the population needs to tell people apart (2**bits >= population):
      further bits would not make searches cheaper, only guesses easier to confirm.
    ValueError when the space is too small for even one bit: such a field must not be
    indexed on its own.

    CipherSweet's planner (FieldIndexPlanner) keeps the coincidences in the population
    between 2 and its square root (2 <= population / 2**bits <= sqrt(population)); that
    bounds how rows cluster, not how many inputs an attacker must try. The floor on preimages
    here is the property an erased value needs against a backup and the key.
    """
    if space < 1 or population < 1 or min_preimages < 1:
        raise ValueError("space, population and min_preimages must be positive")
    # floor(log2(space / min_preimages)), in integers: floor(log2(x)) == floor(log2(floor(x))).
    private = (space // min_preimages).bit_length() - 1
    if private < 1:
        raise ValueError("input space too small for a blind index with that many preimages")
    useful = max(1, (population - 1).bit_length())  # ceil(log2(population))
    return min(private, useful)


def expected_preimages(space: int, bits: int) -> float:
    """Plausible values sharing one stored index value (what an attacker is left with)."""
    return space / 2**bits


def expected_candidates(population: int, bits: int) -> float:
    """Other persons a search matches by chance (each is then decrypted and dropped)."""
    return population / 2**bits


# NISS, YYMMDD-SSS-CC (the check digits follow from the rest). The attacker who knows the
# person's birth year and gender (both may be in clear on the person) tries 365 days x 499
# serials (001-998, odd for men, even for women): 182,135 numbers, about 2**17.5. (Bis numbers
# and unknown birth years only make the space larger; the smallest plausible space is planned.)
#   bits = floor(log2(182,135 / 100)) = floor(log2(1,821)) = 10        (2**16 >= 50,000: cap 16)
#   preimages per stored value   = 182,135 / 2**10 = 178   (28,459 with no birth year known)
#   false candidates per search  = 50,000 / 2**10 = 49 at region scale; 1.1 for 1,100 persons
NISS_SPACE: Final = 365 * 499
NISS_BITS: Final = plan_bits(NISS_SPACE, POPULATION)

# Last name + birth date. Plausible last names: 10,000 (about 2**13.3; a dictionary of the most
# common names in Belgium and of the service's main countries of origin; a smaller guess would
# mostly miss the real name). Knowing the birth year leaves 365 dates.
#   own plan: floor(log2(365 x 10,000 / 100)) = floor(log2(36,500)) = 15 bits
# But an attacker holding both indexes of one person reads a birth date off every NISS
# candidate, and drops those whose date has no plausible name matching the name index. To
# keep that from thinning the NISS candidates, each date must keep about one matching name
# or more: 10,000 / 2**bits >= 1, so bits <= floor(log2(10,000)) = 13.
#   bits = min(15, 13) = 13
#   preimages per stored value   = 3,650,000 / 2**13 = 446; 10,000 / 2**13 = 1.22 per date
#   false candidates per search  = 50,000 / 2**13 = 6.1 at region scale; 0.13 for 1,100
# Both indexes together (with the birth year and gender in clear):
#   NISS values left = 178 x (1 - e**-1.22) = 125      (a date keeps a name with p = 0.70)
#   names left       = 446 x (1 - e**-(499 / 2**10)) = 172
#   (NISS, name) pairs matching both = 182,135 x 10,000 / 2**(10 + 13) = 217
# CipherSweet's own range for 50,000 rows (2 <= 50,000 / 2**L <= 224) is 8 to 14 bits: both
# sizes are inside it.
LAST_NAMES: Final = 10_000
NAME_BIRTHDATE_SPACE: Final = 365 * LAST_NAMES
NAME_BIRTHDATE_BITS: Final = min(
    plan_bits(NAME_BIRTHDATE_SPACE, POPULATION),
    plan_bits(LAST_NAMES, POPULATION, min_preimages=1),
)

# Changing a size changes every stored value: fewer bits is a migration that cuts the stored
# hex (keyless, as 8b2e4d6f1a23 did); more bits needs the identities decrypted again.
INDEX_BITS: Final[Mapping[str, int]] = MappingProxyType(
    {PURPOSE_NISS: NISS_BITS, PURPOSE_NAME_BIRTHDATE: NAME_BIRTHDATE_BITS}
)


# --- normalisation --------------------------------------------------------------------------


def normalise_niss(text: str) -> str:
    return validate_niss(text)


def normalise_last_name(text: str) -> str:
    """Case, accents, spaces, hyphens and apostrophes do not matter to a name match.

    "Van der Berg" == "vanderberg", "Dupont-Lévy" == "dupontlevy". Only letters and digits
    are kept, so other punctuation (a dot in "St. Pierre") does not matter either.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))


# --- indexes --------------------------------------------------------------------------------


def _hmac(key: bytes, purpose: str, value: str) -> bytes:
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError(f"a blind-index key must be {KEY_BYTES} bytes")
    if not _PURPOSE.fullmatch(purpose):
        raise ValueError("a blind-index purpose is a lower-case identifier")
    # The purpose cannot contain ":", so purpose and value cannot run into each other.
    message = _DOMAIN + purpose.encode("ascii") + b":" + value.encode("utf-8")
    return hmac.digest(key, message, hashlib.sha256)


def full_hmac_hex(key: bytes, purpose: str, value: str) -> str:
    """The whole HMAC-SHA256 (64 hex digits) that an index keeps the first bits of."""
    return _hmac(key, purpose, value).hex()


def truncate_index(hex_value: str, bits: int) -> str:
    """The first `bits` bits of a hex index, as ceil(bits / 4) hex digits, unused bits zero.

    Works on any longer form of the same HMAC (the full one, or one cut to more bits), which
    is what lets a migration shorten stored indexes without the key.
    """
    if not 1 <= bits <= HMAC_BITS:
        raise ValueError(f"an index keeps 1 to {HMAC_BITS} bits")
    digits = -(-bits // 4)
    if len(hex_value) < digits or not _HEX.fullmatch(hex_value):
        raise ValueError("not a lower-case hex index of that many bits")
    spare = digits * 4 - bits
    return format(int(hex_value[:digits], 16) >> spare << spare, f"0{digits}x")


def blind_index(key: bytes, purpose: str, value: str, *, bits: int | None = None) -> str:
    """The stored index of a normalised value: its HMAC cut to the purpose's planned size."""
    if bits is None:
        if purpose not in INDEX_BITS:
            raise ValueError("a blind-index purpose needs a planned size (INDEX_BITS)")
        bits = INDEX_BITS[purpose]
    if not 1 <= bits <= HMAC_BITS:
        raise ValueError(f"an index keeps 1 to {HMAC_BITS} bits")
    # The same as truncate_index(full_hmac_hex(...), bits), without the hex round trip.
    head = (bits + 7) // 8
    digits = -(-bits // 4)
    kept = int.from_bytes(_hmac(key, purpose, value)[:head], "big") >> (head * 8 - bits)
    return format(kept << (digits * 4 - bits), f"0{digits}x")


def niss_index(key: bytes, niss: str) -> str:
    return blind_index(key, PURPOSE_NISS, normalise_niss(niss))


def name_birthdate_index(key: bytes, last_name: str, birth_date: date) -> str:
    name = normalise_last_name(last_name)
    if not name:
        # Would index the birth date alone, which is low-cardinality and guessable.
        raise BlindIndexError("last name is empty after normalisation")
    # The normalised name holds only letters and digits, so "|" separates unambiguously.
    return blind_index(key, PURPOSE_NAME_BIRTHDATE, f"{name}|{birth_date.isoformat()}")
