"""The keyring: key-encryption keys (KEKs), the blind-index key and the audit keys, kept
outside the database.

The newest KEK wraps new data keys; every KEK in the keyring can unwrap, so a rotation can
re-wrap data keys while servers keep reading (DESIGN "Privacy model"). The newest audit key
keys new audit events (HMAC); older ones stay, since verifying the events they keyed needs
them. The keyring lives in a file (0600) or an environment variable; `KeyringSource` re-reads
a file that changed so a rotation reaches running servers without a restart.
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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import KeyNotFoundError, KeyringError

KEY_BYTES = 32
# Version 2 added the audit keys; a version-1 file still loads (without them) until
# `flask keys init` upgrades it in place.
FORMAT_VERSION = 2
_FIELDS = {
    1: {"version", "current", "keks", "blind_index_key"},
    2: {"version", "current", "keks", "blind_index_key", "current_audit_key", "audit_keys"},
}
# Ids are labels shown by `keys status` and stored next to each wrapped key or audit event.
_KEK_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
# Where Database.session_info keeps the AuditKeys, for services that only hold a session.
AUDIT_KEYS_INFO = "centre.audit_keys"
ADD_AUDIT_KEY = "run `flask --app wsgi keys init`, which adds one and keeps every other key"

StrPath = str | os.PathLike[str]


def _new_kek_id(taken: Mapping[str, bytes], prefix: str = "k") -> str:
    while True:
        kek_id = f"{prefix}-{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(3)}"
        if kek_id not in taken:
            return kek_id


@dataclass(frozen=True)
class Keyring:
    # repr=False: a keyring in a log line or traceback must not print its keys.
    keks: Mapping[str, bytes] = field(repr=False)
    current_kek_id: str
    blind_index_key: bytes = field(repr=False)
    # Empty only in a version-1 keyring, which cannot record audit events.
    audit_keys: Mapping[str, bytes] = field(default_factory=dict, repr=False)
    current_audit_key_id: str | None = None

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
        self._check_audit_keys()
        # Freeze private copies: the caller's dicts cannot change the keyring afterwards.
        object.__setattr__(self, "keks", MappingProxyType(dict(self.keks)))
        object.__setattr__(self, "audit_keys", MappingProxyType(dict(self.audit_keys)))

    def _check_audit_keys(self) -> None:
        for key_id, key in self.audit_keys.items():
            if not isinstance(key_id, str) or not _KEK_ID.fullmatch(key_id):
                raise KeyringError("keyring has a malformed audit key id")
            if key_id in self.keks:
                # One id for two keys would make `keys remove ID` ambiguous.
                raise KeyringError(f"audit key id {key_id!r} is also a key-encryption key id")
            if not isinstance(key, bytes) or len(key) != KEY_BYTES:
                raise KeyringError(f"audit key {key_id!r} must be {KEY_BYTES} bytes")
            others = [*self.keks.values(), self.blind_index_key]
            if any(secrets.compare_digest(key, other) for other in others):
                # Whoever holds a KEK or the index key must not be able to rebuild the chain.
                raise KeyringError(
                    "audit key must differ from every key-encryption key and the blind-index key"
                )
        if self.current_audit_key_id is None:
            if self.audit_keys:
                raise KeyringError("keyring has audit keys but no current one")
        elif self.current_audit_key_id not in self.audit_keys:
            raise KeyringError(
                f"current audit key {self.current_audit_key_id!r} is not in the keyring"
            )

    @property
    def current_kek(self) -> bytes:
        return self.keks[self.current_kek_id]

    @property
    def current_audit_key(self) -> bytes:
        if self.current_audit_key_id is None:
            raise KeyringError(f"the keyring has no audit key (format version 1): {ADD_AUDIT_KEY}")
        return self.audit_keys[self.current_audit_key_id]

    def kek(self, kek_id: str) -> bytes:
        try:
            return self.keks[kek_id]
        except KeyError:
            raise KeyNotFoundError(kek_id) from None

    def with_new_kek(self) -> Keyring:
        kek_id = _new_kek_id({**self.keks, **self.audit_keys})
        keks = {**self.keks, kek_id: secrets.token_bytes(KEY_BYTES)}
        return replace(self, keks=keks, current_kek_id=kek_id)

    def without_kek(self, kek_id: str) -> Keyring:
        if kek_id == self.current_kek_id:
            raise KeyringError(f"{kek_id!r} is the current key-encryption key; it cannot go")
        if kek_id not in self.keks:
            raise KeyNotFoundError(kek_id)
        return replace(self, keks={k: v for k, v in self.keks.items() if k != kek_id})

    def with_new_audit_key(self) -> Keyring:
        """A new current audit key; the old ones stay, to verify the events they keyed."""
        key_id = _new_kek_id({**self.keks, **self.audit_keys}, prefix="a")
        audit_keys = {**self.audit_keys, key_id: secrets.token_bytes(KEY_BYTES)}
        return replace(self, audit_keys=audit_keys, current_audit_key_id=key_id)

    def without_audit_key(self, key_id: str) -> Keyring:
        """Only for a key no event uses: the caller checks the audit log first."""
        if key_id == self.current_audit_key_id:
            raise KeyringError(f"{key_id!r} is the current audit key; it cannot go")
        if key_id not in self.audit_keys:
            raise KeyringError(f"audit key {key_id!r} is not in the keyring")
        return replace(self, audit_keys={k: v for k, v in self.audit_keys.items() if k != key_id})

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        # `from None` throughout: a chained JSON or base64 error holds the document itself.
        try:
            data: Any = json.loads(text)
        except (json.JSONDecodeError, TypeError):
            raise KeyringError("keyring is not valid JSON") from None
        if not isinstance(data, dict):
            raise KeyringError("keyring must be a JSON object")
        version = data.get("version")
        if version not in _FIELDS:
            raise KeyringError(f"keyring version must be 1 or {FORMAT_VERSION}")
        unknown = set(data) - _FIELDS[version]
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
        if version == 1:
            return cls(keks=keks, current_kek_id=current, blind_index_key=blind_index_key)
        current_audit = data.get("current_audit_key")
        if not isinstance(current_audit, str):
            raise KeyringError('keyring field "current_audit_key" must be a key id')
        raw_audit = data.get("audit_keys")
        if not isinstance(raw_audit, dict) or not raw_audit:
            raise KeyringError('keyring field "audit_keys" must be a non-empty object')
        audit_keys = {
            str(key_id): _decode_key(value, f"audit key {str(key_id)!r}")
            for key_id, value in raw_audit.items()
        }
        return cls(
            keks=keks,
            current_kek_id=current,
            blind_index_key=blind_index_key,
            audit_keys=audit_keys,
            current_audit_key_id=current_audit,
        )

    def to_json(self) -> str:
        data: dict[str, object] = {
            # A keyring without audit keys is written as the version-1 keyring it is.
            "version": FORMAT_VERSION if self.audit_keys else 1,
            "current": self.current_kek_id,
            "keks": _encode_keys(self.keks),
            "blind_index_key": base64.b64encode(self.blind_index_key).decode("ascii"),
        }
        if self.audit_keys:
            data["current_audit_key"] = self.current_audit_key_id
            data["audit_keys"] = _encode_keys(self.audit_keys)
        return json.dumps(data, indent=2) + "\n"


def _encode_keys(keys: Mapping[str, bytes]) -> dict[str, str]:
    return {k: base64.b64encode(v).decode("ascii") for k, v in keys.items()}


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
    ).with_new_audit_key()


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


def missing_audit_key_message(path: Path | None) -> str:
    """What to do about a version-1 keyring, which cannot key audit events."""
    if path is not None:
        return f"the keyring file {path} has no audit key (format version 1): {ADD_AUDIT_KEY}"
    return (
        "the keyring in CENTRE_KEYRING (KEYRING_JSON) has no audit key (format version 1), "
        "and a variable cannot be upgraded in place: save its value to a file (mode 0600), "
        "run `flask --app wsgi keys init` with CENTRE_KEYRING_FILE naming that file and "
        "CENTRE_KEYRING unset, then put the file's new contents into CENTRE_KEYRING and "
        "delete the file"
    )


class AuditKeys:
    """The audit keys of a keyring source, for keying and verifying the audit chain.

    Held by every database session (`AUDIT_KEYS_INFO` in its info), so that services which
    only get a session can record events; the source caches the keyring, so this reads no
    file per event, and a rotation reaches running servers as KEKs do.
    """

    def __init__(self, source: KeyringSource) -> None:
        self._source = source

    def current(self) -> tuple[str, bytes]:
        """The id and key that new events are keyed with."""
        keyring = self._source.get()
        if keyring.current_audit_key_id is None:
            raise KeyringError(missing_audit_key_message(self._source.path))
        return keyring.current_audit_key_id, keyring.audit_keys[keyring.current_audit_key_id]

    def get(self, key_id: str) -> bytes | None:
        """The key an event names, or None when the keyring no longer (or never) held it."""
        return self._source.get().audit_keys.get(key_id)

    def all(self) -> Mapping[str, bytes]:
        """Every audit key at once, for a verification that must not see two keyrings."""
        return self._source.get().audit_keys
