"""Revision 3f1a9c2b7d10 re-keys an existing audit chain, and its downgrade restores it.

Data-carrying migration tests (CONVENTIONS 9): events written under the old scheme (plain
SHA-256) must verify under the keyed scheme after the upgrade, and under the old one again
after the downgrade; a chain already broken is never laundered into a valid keyed one.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic import command
from flask import Flask
from sqlalchemy import Engine, inspect
from sqlalchemy.orm import Session

from centre import create_app
from centre.audit.services import verify
from centre.cli import alembic_config
from centre.db import UTCDateTime
from centre.privacy.keyring import AUDIT_KEYS_INFO, AuditKeys, Keyring, KeyringSource
from centre.privacy.keyring import generate_keyring as new_keyring
from config import TestingConfig
from tests.conftest import ENGINES, dispose, drop_database, fresh_database_url, make_test_config

BEFORE = "ec540fea0f7e"
KEYED = "3f1a9c2b7d10"
GENESIS = "0" * 64
START = datetime(2026, 11, 1, 12, 0, 0, 123456, tzinfo=UTC)
# More than the migration's batches of 1000, so a batch boundary falls inside the chain.
LONG_CHAIN = 2003

events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("at", UTCDateTime()),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("person_id", sa.Integer),
    sa.column("outcome", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)


def old_digest(row: dict[str, Any]) -> str:
    """The chain's hash before this revision: SHA-256 of the payload, without a key."""
    payload = json.dumps(
        [
            row["seq"],
            row["at"].isoformat(),
            row["actor_id"],
            row["action"],
            row["object_type"],
            row["object_id"],
            row["person_id"],
            row["outcome"],
            row["prev_hash"],
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    url = fresh_database_url(str(request.param), tmp_path, "keyed_chain")
    yield url
    drop_database(url)


def app_for(url: str, keyring: Keyring) -> Flask:
    return create_app(make_test_config(url, KEYRING_JSON=keyring.to_json()))


@pytest.fixture
def keyring() -> Keyring:
    return new_keyring()


@pytest.fixture
def app(database_url: str, keyring: Keyring) -> Iterator[Flask]:
    application = app_for(database_url, keyring)
    yield application
    dispose(application)


def migrate(app: Flask, action: str, revision: str) -> None:
    """As `flask db upgrade|downgrade` does: inside the app context, on the app's engine."""
    config = alembic_config()
    config.attributes["configure_logging"] = False
    with app.app_context(), app.extensions["centre.db"].engine.connect() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)
        connection.commit()


def engine_of(app: Flask) -> Engine:
    engine: Engine = app.extensions["centre.db"].engine
    return engine


def write_old_chain(engine: Engine, count: int) -> list[dict[str, Any]]:
    rows = []
    previous = GENESIS
    for seq in range(1, count + 1):
        row: dict[str, Any] = {
            "seq": seq,
            "at": START + timedelta(seconds=seq, microseconds=seq),
            "actor_id": None,
            "action": "auth.login" if seq % 2 else "person.created",
            "object_type": "user" if seq % 2 else "person",
            "object_id": str(seq * 7),
            "person_id": None if seq % 2 else seq,
            "outcome": "success",
            "prev_hash": previous,
        }
        row["hash"] = previous = old_digest(row)
        rows.append(row)
    with engine.begin() as connection:
        connection.execute(sa.insert(events), rows)
    return rows


def stored(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        found = connection.execute(sa.select(events).order_by(events.c.seq)).mappings()
        return [dict(row) for row in found]


def old_chain_holds(rows: list[dict[str, Any]]) -> bool:
    previous = GENESIS
    for seq, row in enumerate(rows, start=1):
        if row["seq"] != seq or row["prev_hash"] != previous or old_digest(row) != row["hash"]:
            return False
        previous = row["hash"]
    return True


def columns(engine: Engine) -> set[str]:
    return {column["name"] for column in inspect(engine).get_columns("audit_events")}


def test_upgrade_keys_an_old_chain_and_downgrade_restores_it(app: Flask, keyring: Keyring) -> None:
    migrate(app, "upgrade", BEFORE)
    engine = engine_of(app)
    written = write_old_chain(engine, LONG_CHAIN)
    assert old_chain_holds(stored(engine))

    migrate(app, "upgrade", KEYED)
    with app.extensions["centre.db"].new_session() as session:
        assert verify(session) == (LONG_CHAIN, None)
    rekeyed = stored(engine)
    with engine.connect() as connection:
        key_ids = connection.execute(sa.text("SELECT DISTINCT key_id FROM audit_events")).all()
    assert [tuple(row) for row in key_ids] == [(keyring.current_audit_key_id,)]
    assert not {row["hash"] for row in rekeyed} & {row["hash"] for row in written}
    assert not old_chain_holds(rekeyed)

    migrate(app, "downgrade", BEFORE)
    assert "key_id" not in columns(engine)
    restored = stored(engine)
    assert old_chain_holds(restored)
    assert [row["hash"] for row in restored] == [row["hash"] for row in written]


def test_upgrade_refuses_a_broken_chain_naming_the_first_bad_event(app: Flask) -> None:
    migrate(app, "upgrade", BEFORE)
    engine = engine_of(app)
    write_old_chain(engine, 5)
    with engine.begin() as connection:
        connection.execute(sa.update(events).where(events.c.seq == 3).values(outcome="refused"))
    with pytest.raises(RuntimeError, match="seq=3"):
        migrate(app, "upgrade", KEYED)
    assert "key_id" not in columns(engine)
    assert [row["outcome"] for row in stored(engine)][2] == "refused"  # nothing laundered


def test_upgrade_with_events_needs_an_audit_key(database_url: str, keyring: Keyring) -> None:
    version_1 = Keyring(
        keks=dict(keyring.keks),
        current_kek_id=keyring.current_kek_id,
        blind_index_key=keyring.blind_index_key,
    )
    app = app_for(database_url, version_1)
    try:
        migrate(app, "upgrade", BEFORE)
        write_old_chain(engine_of(app), 2)
        with pytest.raises(Exception, match="keys init"):
            migrate(app, "upgrade", KEYED)
        assert "key_id" not in columns(engine_of(app))
    finally:
        dispose(app)


def test_upgrade_outside_an_app_reads_the_configured_keyring(
    database_url: str, keyring: Keyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CENTRE_ENV", "testing")
    monkeypatch.setattr(TestingConfig, "KEYRING_JSON", keyring.to_json())
    monkeypatch.setattr(TestingConfig, "DATABASE_URL", database_url)
    config = alembic_config()
    config.attributes["configure_logging"] = False
    command.upgrade(config, BEFORE)  # migrations/env.py makes its own engine from the config
    from centre.db import make_engine

    engine = make_engine(database_url)
    try:
        write_old_chain(engine, 3)
        command.upgrade(config, KEYED)
        keys = AuditKeys(KeyringSource.from_keyring(keyring))
        with Session(engine, info={AUDIT_KEYS_INFO: keys}) as session:
            assert verify(session) == (3, None)
    finally:
        engine.dispose()


def test_downgrade_refuses_a_broken_keyed_chain(app: Flask) -> None:
    migrate(app, "upgrade", BEFORE)
    engine = engine_of(app)
    write_old_chain(engine, 4)
    migrate(app, "upgrade", KEYED)
    with engine.begin() as connection:
        connection.execute(sa.update(events).where(events.c.seq == 2).values(person_id=99))
    with pytest.raises(RuntimeError, match="seq=2"):
        migrate(app, "downgrade", BEFORE)
    assert "key_id" in columns(engine)
