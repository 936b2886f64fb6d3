"""The keyring: key-encryption keys (KEKs) and the blind-index key, kept outside the database.

The newest KEK wraps new data keys; every KEK in the keyring can unwrap, so a rotation can
re-wrap data keys while servers keep reading (DESIGN "Privacy model"). The keyring lives in a
file (0600) or an environment variable; `KeyringSource` re-reads a file that changed so a
rotation reaches running servers without a restart.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import os
import re
import secrets
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import KeyNotFoundError, KeyringError

KEY_BYTES = 32
FORMAT_VERSION = 1
# Ids are labels shown by `keys status` and stored next to each wrapped key.
_KEK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

StrPath = str | os.PathLike[str]


def _new_kek_id(taken: Mapping[str, bytes]) -> str:
    while True:
        kek_id = f"k-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"
        if kek_id not in taken:
            return kek_id


@dataclass(frozen=True)
class Keyring:
    # repr=False: a keyring in a log line or traceback must not print its keys.
    keks: Mapping[str, bytes] = field(repr=False)
    current_kek_id: str
    blind_index_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if not self.keks:
            raise KeyringError("keyring has no key-encryption key")
        for kek_id, kek in self.keks.items():
            if not isinstance(kek_id, str) or not _KEK_ID.fullmatch(kek_id):
                raise KeyringError("keyring has a malformed key-encryption key id")
            if not isinstance(kek, bytes) or len(kek) != KEY_BYTES:
                raise KeyringError(f"key-encryption key {kek_id!r} must be {KEY_BYTES} bytes")
        if self.current_kek_id not in self.keks:
            raise KeyringError(
                f"current key-encryption key {self.current_kek_id!r} is not in the keyring"
            )
        if not isinstance(self.blind_index_key, bytes) or len(self.blind_index_key) != KEY_BYTES:
            raise KeyringError(f"blind-index key must be {KEY_BYTES} bytes")
        if any(secrets.compare_digest(self.blind_index_key, kek) for kek in self.keks.values()):
            # One key for two jobs would tie the index to the encryption (CipherSweet's rule).
            raise KeyringError("blind-index key must differ from every key-encryption key")
        # Freeze a private copy: the caller's dict cannot change the keyring afterwards.
        object.__setattr__(self, "keks", MappingProxyType(dict(self.keks)))

    @property
    def current_kek(self) -> bytes:
        return self.keks[self.current_kek_id]

    def kek(self, kek_id: str) -> bytes:
        try:
            return self.keks[kek_id]
        except KeyError:
            raise KeyNotFoundError(kek_id) from None

    def with_new_kek(self) -> Keyring:
        kek_id = _new_kek_id(self.keks)
        keks = {**self.keks, kek_id: secrets.token_bytes(KEY_BYTES)}
        return Keyring(keks=keks, current_kek_id=kek_id, blind_index_key=self.blind_index_key)

    def without_kek(self, kek_id: str) -> Keyring:
        if kek_id == self.current_kek_id:
            raise KeyringError(f"{kek_id!r} is the current key-encryption key; it cannot go")
        if kek_id not in self.keks:
            raise KeyNotFoundError(kek_id)
        keks = {k: v for k, v in self.keks.items() if k != kek_id}
        return Keyring(
            keks=keks, current_kek_id=self.current_kek_id, blind_index_key=self.blind_index_key
        )

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        # `from None` throughout: a chained JSON or base64 error holds the document itself.
        try:
            data: Any = json.loads(text)
        except (json.JSONDecodeError, TypeError):
            raise KeyringError("keyring is not valid JSON") from None
        if not isinstance(data, dict):
            raise KeyringError("keyring must be a JSON object")
        if data.get("version") != FORMAT_VERSION:
            raise KeyringError(f"keyring version must be {FORMAT_VERSION}")
        unknown = set(data) - {"version", "current", "keks", "blind_index_key"}
        if unknown:
            raise KeyringError(f"keyring has unknown fields: {', '.join(sorted(unknown))}")
        current = data.get("current")
        if not isinstance(current, str):
            raise KeyringError('keyring field "current" must be a key id')
        raw_keks = data.get("keks")
        if not isinstance(raw_keks, dict) or not raw_keks:
            raise KeyringError('keyring field "keks" must be a non-empty object')
        keks = {
            str(kek_id): _decode_key(value, f"key-encryption key {str(kek_id)!r}")
            for kek_id, value in raw_keks.items()
        }
        blind_index_key = _decode_key(data.get("blind_index_key"), "blind-index key")
        return cls(keks=keks, current_kek_id=current, blind_index_key=blind_index_key)

    def to_json(self) -> str:
        data = {
            "version": FORMAT_VERSION,
            "current": self.current_kek_id,
            "keks": {k: base64.b64encode(v).decode("ascii") for k, v in self.keks.items()},
            "blind_index_key": base64.b64encode(self.blind_index_key).decode("ascii"),
        }
        return json.dumps(data, indent=2) + "\n"


def _decode_key(value: object, what: str) -> bytes:
    if not isinstance(value, str):
        raise KeyringError(f"{what} must be a base64 string")
    try:
        key = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise KeyringError(f"{what} is not valid base64") from None
    if len(key) != KEY_BYTES:
        raise KeyringError(f"{what} must be {KEY_BYTES} bytes")
    return key


def generate_keyring() -> Keyring:
    keks = {_new_kek_id({}): secrets.token_bytes(KEY_BYTES)}
    return Keyring(
        keks=keks, current_kek_id=next(iter(keks)), blind_index_key=secrets.token_bytes(KEY_BYTES)
    )


def load_keyring_file(path: StrPath) -> Keyring:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeyringError(f"keyring file not found: {os.fspath(path)}") from None
    except (OSError, UnicodeDecodeError) as error:
        raise KeyringError(
            f"keyring file cannot be read: {os.fspath(path)} ({type(error).__name__})"
        ) from None
    return Keyring.from_json(text)


def write_keyring_file(path: StrPath, keyring: Keyring) -> None:
    """Replace the file atomically: a reader sees the old keyring or the new, never half."""
    target = Path(path)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)  # before any key byte is written
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(keyring.to_json())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    # Persist the rename itself, so a crash cannot bring back the old keyring after new data
    # keys were wrapped with the new one.
    with contextlib.suppress(OSError):
        dir_fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class KeyringSource:
    """Where the keyring comes from: a file (re-read when it changes) or a JSON string."""

    def __init__(self, *, path: StrPath | None = None, json_text: str | None = None) -> None:
        if (path is None) == (json_text is None):
            raise KeyringError("a keyring source needs exactly one of a file path or JSON text")
        self._path = Path(path) if path is not None else None
        # Parsed at once: a malformed environment variable fails at start, not mid-request.
        self._static = Keyring.from_json(json_text) if json_text is not None else None
        self._lock = threading.Lock()
        self._cached: Keyring | None = None
        self._stamp: tuple[int, int, int] | None = None

    @classmethod
    def from_keyring(cls, keyring: Keyring) -> KeyringSource:
        return cls(json_text=keyring.to_json())

    @property
    def path(self) -> Path | None:
        return self._path

    def get(self) -> Keyring:
        if self._static is not None:
            return self._static
        return self._read(force=False)

    def refresh(self) -> Keyring:
        if self._static is not None:
            return self._static
        return self._read(force=True)

    def _read(self, *, force: bool) -> Keyring:
        path = self._path
        if path is None:  # unreachable: __init__ sets a path or a static keyring
            raise KeyringError("keyring source has neither a file nor JSON text")
        with self._lock:
            stamp = _file_stamp(path)
            if force or self._cached is None or stamp != self._stamp:
                self._cached = load_keyring_file(path)
                self._stamp = stamp
            return self._cached


def _file_stamp(path: Path) -> tuple[int, int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        raise KeyringError(f"keyring file not found: {path}") from None
    # The inode too: os.replace gives a new inode even when two mtimes tie.
    return (st.st_mtime_ns, st.st_size, st.st_ino)
