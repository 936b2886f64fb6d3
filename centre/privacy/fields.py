"""The encrypted column type and the helpers that encrypt a field for one place only.

Models declare `EncryptedValue` columns (CONVENTIONS 6); services encrypt with a
`FieldCipher` built from the person's data key. The associated data names table, column and
row, so a ciphertext copied to another row, column or table fails to decrypt.
"""

from __future__ import annotations

import re

from sqlalchemy.engine import Dialect
from sqlalchemy.types import LargeBinary, TypeDecorator

from .crypto import KEY_BYTES, MIN_BLOB_BYTES, VERSION_1, open_sealed, seal
from .errors import DecryptionError

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")
_AAD_PREFIX = b"centre:v1:"


class EncryptedValue(TypeDecorator[bytes]):
    """A column holding a sealed blob (version byte, nonce, ciphertext and tag)."""

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: object, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, str):
            # The one mistake this type exists to stop: writing a plaintext into the vault.
            raise TypeError("EncryptedValue stores sealed bytes; encrypt with FieldCipher first")
        if not isinstance(value, bytes | bytearray | memoryview):
            raise TypeError(f"EncryptedValue stores sealed bytes, not {type(value).__name__}")
        blob = bytes(value)
        if len(blob) < MIN_BLOB_BYTES or blob[0] != VERSION_1:
            # Catches plaintext that was merely .encode()d on its way in.
            raise ValueError("EncryptedValue was given bytes that are not a sealed blob")
        return blob

    def process_result_value(self, value: object, dialect: Dialect) -> bytes | None:
        if value is None:
            return None
        if isinstance(value, bytes | bytearray | memoryview):
            return bytes(value)
        raise TypeError(f"EncryptedValue column returned {type(value).__name__}")


def field_aad(table: str, column: str, row_binding: str) -> bytes:
    # Table and column are identifiers (no "." or ":"), and the row binding comes last, so
    # the encoding is unambiguous: no two (table, column, row) triples give the same bytes.
    if not _IDENTIFIER.fullmatch(table) or not _IDENTIFIER.fullmatch(column):
        raise ValueError("table and column must be lower-case SQL identifiers")
    if not row_binding:
        raise ValueError("row_binding must not be empty")
    return _AAD_PREFIX + f"{table}.{column}:{row_binding}".encode()


class FieldCipher:
    """Encrypts and decrypts field values with one person's data key."""

    __slots__ = ("_key",)

    def __init__(self, data_key: bytes) -> None:
        if not isinstance(data_key, bytes) or len(data_key) != KEY_BYTES:
            raise ValueError(f"a data key must be {KEY_BYTES} bytes")
        self._key = data_key

    def __repr__(self) -> str:
        return "FieldCipher(<data key hidden>)"

    def encrypt_bytes(self, table: str, column: str, row_binding: str, data: bytes) -> bytes:
        return seal(self._key, data, field_aad(table, column, row_binding))

    def decrypt_bytes(self, table: str, column: str, row_binding: str, blob: bytes) -> bytes:
        return open_sealed(self._key, blob, field_aad(table, column, row_binding))

    def encrypt_text(self, table: str, column: str, row_binding: str, text: str) -> bytes:
        if not isinstance(text, str):
            raise TypeError("encrypt_text takes a str")
        return self.encrypt_bytes(table, column, row_binding, text.encode("utf-8"))

    def decrypt_text(self, table: str, column: str, row_binding: str, blob: bytes) -> str:
        data = self.decrypt_bytes(table, column, row_binding, blob)
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            # `from None`: the decode error carries the decrypted bytes.
            raise DecryptionError() from None
