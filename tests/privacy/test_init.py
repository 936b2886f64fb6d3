from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from centre.privacy import Privacy, init_app, privacy
from centre.privacy.errors import KeyringError, KeyStoreError, PrivacyError
from centre.privacy.keyring import Keyring


def test_init_app_needs_a_keyring() -> None:
    app = Flask("no_keyring")
    app.config.update(KEYRING_FILE=None, KEYRING_JSON=None, KEYSTORE_DATABASE_URL="sqlite://")
    with pytest.raises(KeyringError, match="no keyring configured"):
        init_app(app)


def test_init_app_needs_a_key_store(keyring: Keyring) -> None:
    app = Flask("no_keystore")
    app.config.update(KEYRING_JSON=keyring.to_json())
    with pytest.raises(KeyStoreError, match="KEYSTORE_DATABASE_URL"):
        init_app(app)


def test_key_store_must_not_be_the_main_database(keyring: Keyring, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'centre.db'}"
    app = Flask("same_db")
    app.config.update(KEYRING_JSON=keyring.to_json(), KEYSTORE_DATABASE_URL=url, DATABASE_URL=url)
    with pytest.raises(KeyStoreError, match="main database"):
        init_app(app)


def test_init_app_writes_nothing_and_registers_the_extension(tmp_path: Path) -> None:
    app = Flask("lazy")
    app.config.update(
        KEYRING_FILE=str(tmp_path / "keyring.json"),
        KEYSTORE_DATABASE_URL=f"sqlite:///{tmp_path / 'keys.db'}",
    )
    ext = init_app(app)
    try:
        assert list(tmp_path.iterdir()) == []
        with app.app_context():
            assert privacy() is ext
    finally:
        ext.keystore.dispose()


def test_json_keyring_wins_and_exposes_the_blind_index_key(keyring: Keyring) -> None:
    app = Flask("json")
    app.config.update(
        KEYRING_JSON=keyring.to_json(),
        KEYRING_FILE="/nonexistent/keyring.json",
        KEYSTORE_DATABASE_URL="sqlite://",
    )
    ext: Privacy = init_app(app)
    try:
        assert ext.blind_index_key == keyring.blind_index_key
        assert ext.keyring == keyring
    finally:
        ext.keystore.dispose()


def test_privacy_without_init_app_is_a_named_error() -> None:
    with Flask("bare").app_context(), pytest.raises(PrivacyError, match="init_app"):
        privacy()
