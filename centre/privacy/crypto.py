"""AES-256-GCM sealing of values and wrapping of data keys.

A sealed blob is: 1 version byte, a 12-byte random nonce, then ciphertext||tag. The version
byte lets a future format coexist with this one; the associated data (aad) binds a blob to
where it belongs, so a blob moved elsewhere fails authentication instead of decrypting.
"""

from __future__ import annotations

import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .errors import DecryptionError

KEY_BYTES = 32
NONCE_BYTES = 12
TAG_BYTES = 16
VERSION_1 = 1
HEADER_BYTES = 1 + NONCE_BYTES
MIN_BLOB_BYTES = HEADER_BYTES + TAG_BYTES

# Domain prefix of wrapped-key aad; field aad uses "centre:v1:", so the two never coincide.
_WRAP_AAD_PREFIX = b"centre:keywrap:v1:"


def new_data_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def _check_key(key: bytes) -> None:
    # A programming error, not bad data; the message states the rule, never the key.
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError(f"an AES-256 key must be {KEY_BYTES} bytes")


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    _check_key(key)
    # Random 96-bit nonces: safe for far more than 2**32 values per key, and each person's
    # data key encrypts only that person's few values.
    nonce = secrets.token_bytes(NONCE_BYTES)
    return bytes([VERSION_1]) + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def open_sealed(key: bytes, blob: bytes, aad: bytes) -> bytes:
    # Every failure looks the same to the caller: telling "wrong key" from "tampered" helps
    # nobody but an attacker probing the system.
    if (
        not isinstance(key, bytes)
        or len(key) != KEY_BYTES
        or not isinstance(blob, bytes | bytearray | memoryview)
        or len(blob) < MIN_BLOB_BYTES
        or blob[0] != VERSION_1
    ):
        raise DecryptionError()
    blob = bytes(blob)
    try:
        return AESGCM(key).decrypt(blob[1:HEADER_BYTES], blob[HEADER_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise DecryptionError() from None


def _wrap_aad(key_ref: str) -> bytes:
    if not key_ref:
        raise ValueError("key_ref must not be empty")
    return _WRAP_AAD_PREFIX + key_ref.encode("utf-8")


def wrap_key(kek: bytes, data_key: bytes, key_ref: str) -> bytes:
    _check_key(data_key)
    # Binding the key_ref stops a wrapped key from being copied onto another person's row.
    return seal(kek, data_key, _wrap_aad(key_ref))


def unwrap_key(kek: bytes, wrapped: bytes, key_ref: str) -> bytes:
    data_key = open_sealed(kek, wrapped, _wrap_aad(key_ref))
    if len(data_key) != KEY_BYTES:
        raise DecryptionError()
    return data_key
