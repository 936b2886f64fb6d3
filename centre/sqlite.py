"""SQLite engines: connection settings, private files, the writer queue, checkpoints.

Shared by the main database (`centre.db.make_engine`) and the key store
(`centre.privacy.keystore`), so both wait the same busy timeout and keep their files 0600.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Statements that write: before the first of them, a SQLite transaction takes the write lock.
# SAVEPOINT too: a savepoint only ever wraps writes, and restarting the transaction inside
# one would drop it.
_WRITING = frozenset(
    {"INSERT", "UPDATE", "DELETE", "REPLACE", "CREATE", "ALTER", "DROP", "SAVEPOINT"}
)
_LOCKED = "centre_sqlite_write_locked"


class WriterQueue:
    """Hands SQLite's write lock to the next waiting writer as soon as it is free.

    SQLite's own wait (the busy timeout) sleeps in growing steps of up to 100 ms, so under
    load a freed lock sits idle while every writer sleeps: that backoff was most of the p95
    of logging a visit. Here writers of one process queue on a thread lock, and processes on
    an flock()ed file beside the database, polled every fraction of a millisecond. SQLite's
    lock stays the real one: the queue only decides who asks for it next, and a writer that
    waited longer than the busy timeout asks anyway, as it would without the queue.
    """

    def __init__(self, database_path: str, timeout: float) -> None:
        self.lock_path = f"{database_path}-writers.lock"
        self.timeout = timeout
        self._in_process = threading.Lock()
        self._descriptor: int | None = None
        self._descriptor_pid: int | None = None

    def wait_for_turn(self) -> bool:
        """Block until it is this writer's turn; False once it gave up (SQLite decides then)."""
        deadline = time.monotonic() + self.timeout
        if not self._in_process.acquire(timeout=self.timeout):
            return False
        descriptor = self._file()
        pause = 0.0001
        while True:
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self._in_process.release()
                    return False
                time.sleep(pause)
                pause = min(pause * 2, 0.002)

    def end_turn(self) -> None:
        fcntl.flock(self._file(), fcntl.LOCK_UN)
        self._in_process.release()

    def _file(self) -> int:
        # An flock belongs to an open file: each process opens its own (a forked worker must
        # not share its parent's), and the in-process lock lets one thread use it at a time.
        if self._descriptor_pid != os.getpid():
            self._descriptor = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            self._descriptor_pid = os.getpid()
        assert self._descriptor is not None  # noqa: S101 - opened just above
        return self._descriptor


class QueuedConnection(sqlite3.Connection):
    """A sqlite3 connection that ends its writer's turn when its transaction ends."""

    writer_queue: WriterQueue | None = None
    _has_turn = False

    def wait_for_turn(self) -> None:
        if self.writer_queue is not None and not self._has_turn:
            self._has_turn = self.writer_queue.wait_for_turn()

    def _end_turn(self) -> None:
        if self._has_turn and self.writer_queue is not None:
            self._has_turn = False
            self.writer_queue.end_turn()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()


def _restart_with_write_lock(dbapi_connection: Any, info: dict[str, Any]) -> None:
    """Turn the transaction into one that holds SQLite's write lock, before it writes.

    Transactions begin without the lock, so reading (loading the user, validating a form)
    never queues behind other writers. At the first write, the part read so far is
    committed (it wrote nothing) and BEGIN IMMEDIATE takes the lock up front: concurrent
    writers then wait on the busy timeout instead of failing with "database is locked", as
    a read lock upgraded mid-transaction would. Reads that must be consistent with the
    write (the audit chain's last hash) take the lock first with `lock_for_write`.
    """
    dbapi_connection.execute("COMMIT")
    if isinstance(dbapi_connection, QueuedConnection):
        dbapi_connection.wait_for_turn()
    dbapi_connection.execute("BEGIN IMMEDIATE")
    info[_LOCKED] = True


def lock_for_write(session: Session) -> None:
    """Take the write lock now (SQLite), so reads that follow see what this write builds on."""
    connection = session.connection()
    if connection.dialect.name == "sqlite" and not connection.info.get(_LOCKED):
        _restart_with_write_lock(connection.connection.driver_connection, connection.info)


def sqlite_engine(url: URL, *, synchronous: str, queue_writers: bool, **kwargs: Any) -> Engine:
    """An engine on a SQLite database file (or a shared in-memory one) with centre's settings.

    Every connection waits `SQLITE_BUSY_TIMEOUT_MS` for the write lock, zeroes what it
    deletes, keeps foreign keys, and (on a file) runs in WAL mode at `synchronous`. With
    `queue_writers`, writers of this file take turns through a `WriterQueue`.
    """
    database = url.database
    in_memory = database in (None, "", ":memory:")
    writer_queue = None
    if in_memory:
        # One shared connection, or every connection would see its own empty database.
        kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
    else:
        assert database is not None  # noqa: S101 - not in memory
        Path(database).parent.mkdir(parents=True, exist_ok=True)
        if queue_writers:
            writer_queue = WriterQueue(database, SQLITE_BUSY_TIMEOUT_MS / 1000)
            kwargs.setdefault("connect_args", {}).setdefault("factory", QueuedConnection)
    engine = create_engine(url, **kwargs)
    if not in_memory:
        assert database is not None  # noqa: S101 - not in memory
        keep_sqlite_file_private(engine, database)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, QueuedConnection):
            dbapi_connection.writer_queue = writer_queue
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros, so an erased identity's ciphertexts, its
        # blind indexes and a destroyed data key do not linger in free pages of the file.
        cursor.execute("PRAGMA secure_delete = ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    return engine


def lock_at_first_write(engine: Engine) -> None:
    """Transactions begin without SQLite's write lock and take it before their first write.

    Reading (loading the user, validating a form) never queues behind other writers; see
    `_restart_with_write_lock` for what happens at the first write.
    """

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN")
        connection.info[_LOCKED] = False

    @event.listens_for(engine, "before_cursor_execute")
    def _lock_before_first_write(connection: Any, cursor: Any, statement: str, *_args: Any) -> None:
        if (
            connection.in_transaction()
            and not connection.info.get(_LOCKED)
            and statement.split(None, 1)[0].upper() in _WRITING
        ):
            _restart_with_write_lock(cursor.connection, connection.info)


def checkpoint_sqlite(engine: Engine, *, wait_ms: int = SQLITE_BUSY_TIMEOUT_MS) -> bool:
    """Copy SQLite's WAL into the database file and truncate it; True when it got that far.

    In WAL mode the pages a transaction changed, deleted rows included, stay in the -wal file
    until a checkpoint; secure_delete has zeroed the deleted rows in the new pages, and
    TRUNCATE empties the log (as the key store does after destroying a key). Readers on an
    older snapshot hold it back: it waits up to `wait_ms` for them, then stops short.
    """
    if engine.url.database in (None, "", ":memory:"):
        return True  # no files, no WAL
    # A raw connection: a checkpoint must run outside any transaction.
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
        try:
            busy, _log, _done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.close()
    finally:
        raw.close()
    return busy == 0


def keep_sqlite_file_private(engine: Engine, database: str) -> None:
    """Make the database file readable by its owner only (0600), as the keyring is.

    SQLite would create it 0644 under the usual umask, and its -wal and -shm files take the
    database file's mode, so this covers all three. Done just before the first connection
    opens it: creating an engine (starting the app) still writes nothing.
    """

    @event.listens_for(engine, "do_connect")
    def _before_connecting(*_args: Any) -> None:
        path = Path(database)
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)  # a file made by an older version
