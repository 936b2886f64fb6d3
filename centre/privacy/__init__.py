"""Privacy: keyring, key store, field encryption, blind indexes, person codes, NISS.

The app calls `init_app(app)` once and `privacy()` wherever it needs keys. Starting the app
reads no key file and writes nothing: the keyring is read on first use, the key store's
table is created on first use, and `flask keys init` creates a development keyring.
"""

from __future__ import annotations

from flask import Flask, current_app

from .errors import KeyringError, KeyStoreError, PrivacyError
from .fields import FieldCipher
from .keyring import AUDIT_KEYS_INFO, AuditKeys, Keyring, KeyringSource
from .keystore import KeyStore, make_keystore_engine

EXTENSION_KEY = "centre.privacy"

__all__ = ["Privacy", "init_app", "privacy"]


class Privacy:
    def __init__(self, keyring_source: KeyringSource, keystore: KeyStore) -> None:
        self.keyring_source = keyring_source
        self.keystore = keystore

    @property
    def keyring(self) -> Keyring:
        return self.keyring_source.get()

    @property
    def blind_index_key(self) -> bytes:
        return self.keyring_source.get().blind_index_key

    def new_person_key(self) -> tuple[str, FieldCipher]:
        """A new data key (committed in the key store): its key_ref and a cipher for it."""
        key_ref, data_key = self.keystore.create_key()
        return key_ref, FieldCipher(data_key)

    def cipher_for(self, key_ref: str) -> FieldCipher:
        """The cipher of an existing data key; KeyDestroyedError once it is erased."""
        return FieldCipher(self.keystore.get_key(key_ref))


def init_app(app: Flask) -> Privacy:
    keyring_json: str | None = app.config.get("KEYRING_JSON")
    keyring_file: str | None = app.config.get("KEYRING_FILE")
    if keyring_json:
        source = KeyringSource(json_text=keyring_json)
    elif keyring_file:
        source = KeyringSource(path=keyring_file)  # read lazily: `keys init` may create it
    else:
        raise KeyringError(
            "no keyring configured: set KEYRING_FILE (a key file outside the database) "
            "or KEYRING_JSON (its contents)"
        )
    url: str | None = app.config.get("KEYSTORE_DATABASE_URL")
    if not url:
        raise KeyStoreError(
            "no key store configured: set KEYSTORE_DATABASE_URL to a database separate "
            "from the main one"
        )
    if url == app.config.get("DATABASE_URL") and url not in ("sqlite://", "sqlite:///:memory:"):
        # Keys next to the ciphertexts would defeat crypto-shredding of backups.
        raise KeyStoreError("KEYSTORE_DATABASE_URL must not be the main database")
    ext = Privacy(source, KeyStore(make_keystore_engine(url), source))
    app.extensions[EXTENSION_KEY] = ext
    # Every session of the main database can then key audit events (db.init_app runs first,
    # in create_app); a session made without them refuses to record.
    database = app.extensions.get("centre.db")
    if database is not None:
        database.session_info[AUDIT_KEYS_INFO] = AuditKeys(source)
    return ext


def privacy() -> Privacy:
    try:
        ext: Privacy = current_app.extensions[EXTENSION_KEY]
    except KeyError:
        raise PrivacyError("centre.privacy.init_app was not called for this app") from None
    return ext
