"""Fixtures for the privacy package: keyrings, key stores and a tiny app for the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

import centre.models  # noqa: F401 - every table, for create_all
from centre import db
from centre.db import Base
from centre.privacy import Privacy, init_app
from centre.privacy.cli import keys_cli
from centre.privacy.keyring import Keyring, KeyringSource, generate_keyring, write_keyring_file
from centre.privacy.keystore import KeyStore, make_keystore_engine


@pytest.fixture
def keyring() -> Keyring:
    return generate_keyring()


@pytest.fixture
def keyring_file(tmp_path: Path, keyring: Keyring) -> Path:
    path = tmp_path / "keyring.json"
    write_keyring_file(path, keyring)
    return path


@pytest.fixture
def keystore(keyring: Keyring) -> Iterator[KeyStore]:
    store = KeyStore(make_keystore_engine("sqlite://"), KeyringSource.from_keyring(keyring))
    store.ensure_schema()
    yield store
    store.dispose()


@pytest.fixture
def file_keystore(tmp_path: Path, keyring_file: Path) -> Iterator[KeyStore]:
    """A key store in a SQLite file, reading its keyring from a key file."""
    engine = make_keystore_engine(f"sqlite:///{tmp_path / 'keys.db'}")
    store = KeyStore(engine, KeyringSource(path=keyring_file))
    store.ensure_schema()
    yield store
    store.dispose()


@pytest.fixture
def cli_app(tmp_path: Path) -> Iterator[Flask]:
    """An app with only what the `keys` commands need (the key store, and the main database
    for the audit log); the keyring file does not exist yet."""
    app = Flask("privacy_cli_test")
    app.config.update(
        TESTING=True,
        KEYRING_FILE=str(tmp_path / "instance" / "keyring.json"),
        KEYSTORE_DATABASE_URL=f"sqlite:///{tmp_path / 'keys.db'}",
        DATABASE_URL=f"sqlite:///{tmp_path / 'main.db'}",
    )
    database = db.init_app(app)
    Base.metadata.create_all(database.engine)
    ext: Privacy = init_app(app)
    app.cli.add_command(keys_cli)
    yield app
    ext.keystore.dispose()
    database.engine.dispose()
