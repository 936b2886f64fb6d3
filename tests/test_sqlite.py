"""SQLite machinery (centre/sqlite.py): write transactions that lock up front and take turns,
private files, connections that zero what they delete, and checkpoints that leave nothing of
an erasure in the write-ahead log."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event, select, text

from centre.auth.models import Role
from centre.db import make_engine
from centre.people import services
from centre.people.models import Identity
from centre.sqlite import WriterQueue
from tests.conftest import LoggedIn
from tests.disk import committed_identity, erase, on_disk


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """Every statement SQLite runs while the test runs, in order (SQLite's own trace)."""
    engine = app.extensions["centre.db"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("the write lock under test is SQLite's (PostgreSQL locks rows)")
    seen: list[str] = []

    def _trace(dbapi_connection: Any, *_args: Any) -> None:
        dbapi_connection.set_trace_callback(lambda sql: seen.append(" ".join(sql.split())))

    event.listen(engine, "checkout", _trace)
    yield seen
    event.remove(engine, "checkout", _trace)
    engine.dispose()  # drop the traced connections


WRITES = ("INSERT", "UPDATE", "DELETE")


def check_writes_hold_the_lock(statements: list[str]) -> tuple[int, int]:
    """Every write runs inside BEGIN IMMEDIATE; returns (reads unlocked, writes)."""
    locked, unlocked_reads, writes = False, 0, 0
    for sql in statements:
        word = sql.split()[0].upper()
        if sql.upper() == "BEGIN IMMEDIATE":
            locked = True
        elif word in ("BEGIN", "COMMIT", "ROLLBACK"):
            locked = False
        elif word in WRITES:
            assert locked, f"write outside the write lock: {sql[:80]}"
            writes += 1
        elif word == "SELECT" and not locked:
            unlocked_reads += 1
    return unlocked_reads, writes


def test_writes_hold_the_lock_and_reads_do_not_queue_for_it(
    login_as: Callable[..., LoggedIn], statements: list[str]
) -> None:
    staff = login_as(Role.RECEPTION)
    staff.get("/people/new")
    statements.clear()
    assert staff.post("/people/new", {"gender": "not_stated"}).status_code == 302
    unlocked_reads, writes = check_writes_hold_the_lock(statements)
    assert writes >= 2  # the person and its audit event
    assert unlocked_reads >= 2  # the session and the user were read without the lock
    assert "BEGIN IMMEDIATE" in statements


def test_a_plain_get_never_takes_the_write_lock(
    login_as: Callable[..., LoggedIn], statements: list[str]
) -> None:
    staff = login_as(Role.RECEPTION)
    staff.get("/people")
    statements.clear()
    staff.get("/people")
    assert "BEGIN IMMEDIATE" not in statements and "BEGIN" in statements


def test_concurrent_writers_wait_instead_of_failing(app: Flask) -> None:
    """Many threads appending audit events at once: none fails, the chain stays whole."""
    import threading

    from centre.audit.services import record, verify
    from centre.auth import actions

    database = app.extensions["centre.db"]
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for _ in range(10):
                with database.new_session() as own:
                    own.execute(text("SELECT 1"))  # read first, like a request does
                    record(own, actions.LOGIN, by=None, on=n)
                    own.commit()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with database.new_session() as own:
        assert verify(own) == (80, None)


def test_writers_take_turns_across_processes(tmp_path: Path) -> None:
    """Two queues on one database stand for two worker processes: one turn at a time."""
    database = str(tmp_path / "queued.db")
    first, second = WriterQueue(database, 0.05), WriterQueue(database, 0.05)
    assert first.wait_for_turn()
    assert not second.wait_for_turn()  # gave up after its timeout: SQLite decides then
    first.end_turn()
    assert second.wait_for_turn()
    second.end_turn()


def test_a_transaction_ends_its_writers_turn_however_it_ends(tmp_path: Path) -> None:
    database = tmp_path / "queued.db"
    engine = make_engine(f"sqlite:///{database}")
    other_process = WriterQueue(str(database), 0.05)
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE TABLE t (n INTEGER)"))
            connection.commit()
            connection.execute(text("INSERT INTO t VALUES (1)"))
            assert not other_process.wait_for_turn()  # the writer holds its turn
            connection.commit()
            assert other_process.wait_for_turn()  # committed: the turn is free
            other_process.end_turn()
            connection.execute(text("INSERT INTO t VALUES (2)"))
            connection.rollback()
            assert other_process.wait_for_turn()  # rolled back: free as well
            other_process.end_turn()
            assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 1
    finally:
        engine.dispose()


def test_sqlite_files_are_readable_by_their_owner_only(tmp_path: Path) -> None:
    from centre.privacy.keystore import make_keystore_engine

    old = tmp_path / "old.db"
    old.touch(mode=0o644)
    for path, engine in (
        (tmp_path / "main.db", make_engine(f"sqlite:///{tmp_path / 'main.db'}")),
        (old, make_engine(f"sqlite:///{old}")),
        (tmp_path / "keys.db", make_keystore_engine(f"sqlite:///{tmp_path / 'keys.db'}")),
    ):
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE t (x INTEGER)"))
            connection.execute(text("INSERT INTO t VALUES (1)"))
            # The WAL and shared-memory files exist while a connection is open.
            made = [p for p in tmp_path.iterdir() if p.name.startswith(path.name)]
            assert {p.name for p in made} >= {path.name, f"{path.name}-wal", f"{path.name}-shm"}
            for made_path in made:
                assert made_path.stat().st_mode & 0o777 == 0o600, made_path.name
        engine.dispose()


def test_main_sqlite_connections_zero_what_they_delete(disk_app: Flask) -> None:
    with disk_app.extensions["centre.db"].engine.connect() as connection:
        assert connection.execute(text("PRAGMA secure_delete")).scalar() == 1


def test_a_checkpoint_held_back_by_a_reader_is_finished_by_a_later_commit(
    disk_app: Flask, database_file: Path
) -> None:
    engine = disk_app.extensions["centre.db"].engine
    with disk_app.extensions["centre.db"].new_session() as session:
        actor_id, person, secrets = committed_identity(disk_app, session)
        with engine.connect() as reader:
            # A slow page, say: its snapshot predates the erasure, so the WAL cannot be reset.
            reader.execute(select(Identity.person_id)).all()
            erase(disk_app, session, actor_id, person)
            assert all(secret in on_disk(database_file) for secret in secrets)
        # The next commit on this database, whatever it does, finishes the job.
        services.create_person(session, actor_id=actor_id)
        session.commit()
    assert [secret for secret in secrets if secret in on_disk(database_file)] == []
