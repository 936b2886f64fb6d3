"""Erasure reaches the disk: after an erasure commits, the SQLite files hold none of it.

Crypto-shredding makes the ciphertexts unreadable wherever they are copied; this checks the
rest: the live database file and its write-ahead log must not keep the deleted index values
or ciphertexts (freed space is zeroed by secure_delete, the WAL is checkpointed and
truncated after the commit). Its own SQLite file, so no other test's rows are in the bytes.
On PostgreSQL, deleted tuples stay in the heap until VACUUM; see centre/db.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from centre import create_app
from centre.auth.models import Role
from centre.people import services
from centre.people.models import (
    BlindIndex,
    ErasureReason,
    Identity,
    Person,
)
from centre.privacy import Privacy
from tests import factories
from tests.conftest import dispose, make_test_config, upgrade_to_head

JEANNE = services.IdentityData(
    first_name="Jeanne",
    last_name="Quintavalle",
    birth_date=date(1985, 7, 30),
    niss="85073003328",
    phone="+32 470 12 34 56",
)


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    return tmp_path / "erasure.db"


@pytest.fixture
def disk_app(database_file: Path) -> Iterator[Flask]:
    application = create_app(make_test_config(f"sqlite:///{database_file}"))
    upgrade_to_head(application)
    application.extensions["centre.privacy"].keystore.ensure_schema()
    yield application
    dispose(application)


def on_disk(database_file: Path) -> bytes:
    wal = Path(f"{database_file}-wal")
    return database_file.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_main_sqlite_connections_zero_what_they_delete(disk_app: Flask) -> None:
    with disk_app.extensions["centre.db"].engine.connect() as connection:
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1


def with_identity(app: Flask, session: Session) -> tuple[int, Person, list[bytes]]:
    """A committed person with JEANNE's identity: (actor id, person, what must go at erasure)."""
    privacy: Privacy = app.extensions["centre.privacy"]
    actor = factories.user(session, app, role=Role.SOCIAL_WORKER)
    person = factories.consenting_person(session, actor_id=actor.id)
    services.save_identity(session, privacy, actor_id=actor.id, person=person, data=JEANNE)
    session.commit()
    identity = session.get(Identity, person.id)
    assert identity is not None
    ciphertexts = [
        blob for blob in (identity.last_name, identity.niss, identity.phone) if blob is not None
    ]
    # A row stores its purpose and value side by side, in the table and in its index.
    indexes = [
        f"{row.purpose}{row.value}".encode()
        for row in session.scalars(select(BlindIndex).where(BlindIndex.person_id == person.id))
    ]
    assert len(indexes) == 2 and len(ciphertexts) == 3
    return actor.id, person, [*indexes, *ciphertexts]


def erase(app: Flask, session: Session, actor_id: int, person: Person) -> None:
    services.erase_identity(
        session,
        app.extensions["centre.privacy"],
        actor_id=actor_id,
        person=person,
        reason=ErasureReason.REQUEST,
    )
    session.commit()


def test_an_erased_identity_leaves_neither_index_values_nor_ciphertexts_on_disk(
    disk_app: Flask, database_file: Path
) -> None:
    with disk_app.extensions["centre.db"].new_session() as session:
        actor_id, person, secrets = with_identity(disk_app, session)
        before = on_disk(database_file)
        assert all(secret in before for secret in secrets), "the test would see nothing"
        erase(disk_app, session, actor_id, person)
    assert [secret for secret in secrets if secret in on_disk(database_file)] == []


def test_a_checkpoint_held_back_by_a_reader_is_finished_by_a_later_commit(
    disk_app: Flask, database_file: Path
) -> None:
    engine = disk_app.extensions["centre.db"].engine
    with disk_app.extensions["centre.db"].new_session() as session:
        actor_id, person, secrets = with_identity(disk_app, session)
        with engine.connect() as reader:
            # A slow page, say: its snapshot predates the erasure, so the WAL cannot be reset.
            reader.execute(select(Identity.person_id)).all()
            erase(disk_app, session, actor_id, person)
            assert all(secret in on_disk(database_file) for secret in secrets)
        # The next commit on this database, whatever it does, finishes the job.
        services.create_person(session, actor_id=actor_id)
        session.commit()
    assert [secret for secret in secrets if secret in on_disk(database_file)] == []
