"""8b2e4d6f1a23 truncated blind indexes: whole HMACs are cut, keylessly, to the new indexes."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from sqlalchemy import Engine, text

from centre.privacy.blind_index import name_birthdate_index, niss_index
from tests.migrations.test_migrations import run

BEFORE, REVISION = "3f1a9c2b7d10", "8b2e4d6f1a23"
KEY = bytes(range(32, 64))


def whole_hmac(purpose: str, value: str) -> str:
    """What the code before this revision stored: the whole HMAC-SHA256, in hex."""
    message = b"centre:blind-index:v1:" + purpose.encode() + b":" + value.encode()
    return hmac.new(KEY, message, hashlib.sha256).hexdigest()


# (person id, purpose, whole HMAC as stored before, the index the new code computes)
ROWS = [
    (1, "niss", whole_hmac("niss", "85073003328"), niss_index(KEY, "85073003328")),
    (
        1,
        "name_birthdate",
        whole_hmac("name_birthdate", "vanderbergdupre|1985-07-30"),
        name_birthdate_index(KEY, "Van der Berg-Dupré", date(1985, 7, 30)),
    ),
    (2, "niss", whole_hmac("niss", "90031400234"), niss_index(KEY, "90031400234")),
]


def stored(engine: Engine) -> list[tuple[int, str, str]]:
    with engine.connect() as connection:
        return [
            (row.person_id, row.purpose, row.value)
            for row in connection.execute(
                text("SELECT person_id, purpose, value FROM blind_indexes ORDER BY id")
            )
        ]


def test_upgrade_cuts_stored_hmacs_to_what_the_new_code_computes(engine: Engine) -> None:
    run(engine, "upgrade", BEFORE)
    with engine.begin() as connection:
        for person_id in (1, 2):
            connection.execute(
                text(
                    "INSERT INTO persons (id, code, gender, created_at, last_activity_at)"
                    " VALUES (:id, :code, 'not_stated', :now, :now)"
                ),
                {"id": person_id, "code": f"AAAA-AAA{person_id}", "now": "2026-01-01 00:00:00"},
            )
        for person_id, purpose, whole, _ in ROWS:
            connection.execute(
                text(
                    "INSERT INTO blind_indexes (person_id, purpose, value)"
                    " VALUES (:person_id, :purpose, :value)"
                ),
                {"person_id": person_id, "purpose": purpose, "value": whole},
            )

    run(engine, "upgrade", REVISION)
    # Without any key, the migration arrives at exactly what the new code computes with one.
    assert stored(engine) == [(person_id, purpose, new) for person_id, purpose, _, new in ROWS]
    assert [len(value) for _, _, value in stored(engine)] == [3, 4, 3]
    assert all(whole.startswith(new[:-1]) for _, _, whole, new in ROWS)

    # Downgrading cannot grow them back without keys: the cut rows go, the persons stay.
    run(engine, "downgrade", BEFORE)
    assert stored(engine) == []
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM persons")).scalar() == 2
    run(engine, "upgrade", "head")
    assert stored(engine) == []
