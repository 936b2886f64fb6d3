"""What SQLite keeps on disk: the bytes of a database file and its write-ahead log, and a
person whose identity is committed to it, with what its erasure must remove.

Shared by the erasure test (tests/people/test_services.py) and the checkpoint test
(tests/test_sqlite.py); the app on its own file is the `disk_app` fixture (tests/conftest.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.people import services
from centre.people.models import BlindIndex, ErasureReason, Identity, Person
from centre.privacy import Privacy
from tests import factories

JEANNE = services.IdentityData(
    first_name="Jeanne",
    last_name="Quintavalle",
    birth_date=date(1985, 7, 30),
    niss="85073003328",
    phone="+32 470 12 34 56",
)


def on_disk(database_file: Path) -> bytes:
    wal = Path(f"{database_file}-wal")
    return database_file.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def committed_identity(app: Flask, session: Session) -> tuple[int, Person, list[bytes]]:
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
