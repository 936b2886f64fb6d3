"""Declarative base, shared column types, engines and the per-request session.

Routes get the request's session from `session()`; services receive it as an argument and only
flush. The one commit of a request happens in `centre.create_app`'s after-request hook.
"""

from __future__ import annotations

import enum
import fcntl
import os
import sqlite3
import threading
import time
import weakref
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, ClassVar

from flask import Flask, current_app, g
from sqlalchemy import DateTime, Engine, Enum, MetaData, Table, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so migrations can drop and alter them on every engine.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that is always timezone-aware UTC in Python, on every engine.

    SQLite has no time zones, so values are normalised to UTC on the way in and tagged as UTC
    on the way out; naive datetimes are refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; centre stores aware UTC timestamps only")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime()}


def string_enum(kind: type[enum.Enum], name: str, length: int = 24) -> Enum:
    """An enum stored as its values in a short string column with a CHECK constraint.

    The same on SQLite and PostgreSQL (no native enum type to migrate), and the stored
    values are the readable `.value`s, not the member names.
    """
    return Enum(
        kind,
        name=name,
        native_enum=False,
        length=length,
        create_constraint=True,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def table_of(model: type[Base]) -> Table:
    """A model's Core table, for statements that skip the ORM on hot paths."""
    table = model.__table__
    assert isinstance(table, Table)  # noqa: S101 - every model here maps one table
    return table


# Reusable column shapes (CONVENTIONS 7).
IntPK = Annotated[int, mapped_column(primary_key=True)]
CreatedAt = Annotated[datetime, mapped_column(UTCDateTime(), default=utcnow, nullable=False)]


# --- engines --------------------------------------------------------------------------------

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


def _configure_sqlite(engine: Engine, writer_queue: WriterQueue | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, QueuedConnection):
            dbapi_connection.writer_queue = writer_queue
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        # Deleted rows are overwritten with zeros, so an erased identity's ciphertexts and
        # blind indexes do not linger in free pages of the file (see scrub_after_commit).
        cursor.execute("PRAGMA secure_delete = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

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


# --- erasure reaching the disk ----------------------------------------------------------------

_SCRUB = "centre.scrub_after_commit"
# How long an erasure's checkpoint waits for readers still on an older snapshot. Requests read
# for milliseconds; waiting the whole busy timeout would stall the erasing request for seconds
# behind a slow page. Cut short, the checkpoint is tried again after a later commit.
CHECKPOINT_WAIT_MS = 500
# Engines whose WAL may still hold erased rows (weak: a disposed app's engine just goes).
_scrub_pending: weakref.WeakSet[Engine] = weakref.WeakSet()


def scrub_after_commit(session: Session) -> None:
    """Push this transaction's deletions out of the database's files once it has committed.

    For erasures. Services only flush, and the one commit happens elsewhere (the request's
    after-request hook, a CLI command), so the service marks the session and the commit
    triggers the work.
    """
    session.info[_SCRUB] = True


@event.listens_for(Session, "after_commit")
def _scrub_committed(session: Session) -> None:
    asked = session.info.pop(_SCRUB, False)
    if not asked and not _scrub_pending:
        return  # every other commit: nothing to do
    bind = session.bind
    if bind is None:
        return
    engine = bind.engine
    if engine.dialect.name != "sqlite":
        # PostgreSQL: a DELETE leaves the dead tuples in the table and index pages until
        # VACUUM (autovacuum) marks the space reusable, and the bytes stay there, and in WAL
        # segments and base backups, until overwritten. Crypto-shredding leaves those
        # ciphertexts unreadable, and a truncated blind index leaves each value many
        # preimages; nothing more is done here.
        return
    if not asked and engine not in _scrub_pending:
        return
    if checkpoint_sqlite(engine, wait_ms=CHECKPOINT_WAIT_MS if asked else 0):
        _scrub_pending.discard(engine)
    else:
        _scrub_pending.add(engine)


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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`, with the SQLite settings centre relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        writer_queue = None
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            writer_queue = WriterQueue(database, SQLITE_BUSY_TIMEOUT_MS / 1000)
            kwargs.setdefault("connect_args", {}).setdefault("factory", QueuedConnection)
        else:
            # One shared connection, or every connection would see its own empty database.
            kwargs.setdefault("poolclass", StaticPool)
            kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(parsed, **kwargs)
        _configure_sqlite(engine, writer_queue)
        if database and database != ":memory:":
            keep_sqlite_file_private(engine, database)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


# --- per-app database and per-request session -----------------------------------------------


class Database:
    """The engine and session factory of one application."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # Copied into every session's `info`: privacy.init_app puts the audit keys here, so
        # pure services holding only a session can key audit events, in requests, CLI
        # commands and tests alike.
        self.session_info: dict[str, Any] = {}
        self.sessionmaker = sessionmaker(
            bind=engine, expire_on_commit=False, info=self.session_info
        )

    def new_session(self) -> Session:
        return self.sessionmaker()


def init_app(app: Flask) -> Database:
    database = Database(make_engine(app.config["DATABASE_URL"]))
    app.extensions["centre.db"] = database

    @app.teardown_appcontext
    def _close_session(_exc: BaseException | None) -> None:
        db_session = g.pop("db_session", None)
        if db_session is not None:
            db_session.close()

    return database


def database() -> Database:
    db: Database = current_app.extensions["centre.db"]
    return db


def session() -> Session:
    """The session of the current request (or CLI command), created on first use."""
    if "db_session" not in g:
        g.db_session = database().new_session()
    db_session: Session = g.db_session
    return db_session
