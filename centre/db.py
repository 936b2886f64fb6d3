"""Declarative base, shared column types, engines and the per-request session.

SQLite's own machinery (the writer queue, the write lock, checkpoints) is in `centre.sqlite`.

Routes get the request's session from `session()`; services receive it as an argument and only
flush. The one commit of a request happens in `centre.create_app`'s after-request hook.
"""

from __future__ import annotations

import enum
import weakref
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from flask import Flask, current_app, g
from sqlalchemy import (
    BigInteger,
    DateTime,
    Engine,
    Enum,
    MetaData,
    Numeric,
    Table,
    create_engine,
    event,
)
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.orm import DeclarativeBase, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator, TypeEngine

from centre.sqlite import checkpoint_sqlite, lock_at_first_write, sqlite_engine

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


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal with `scale` places (money, hours), exact on every engine.

    PostgreSQL keeps it as NUMERIC. SQLite's NUMERIC is a float underneath, so there it is
    an integer count of the smallest unit (cents, hundredths of an hour): sums stay exact.
    A value with more places than `scale` is refused rather than rounded silently.
    """

    impl = Numeric
    cache_ok = True

    def __init__(self, precision: int, scale: int) -> None:
        super().__init__()
        self.precision = precision
        self.scale = scale

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.precision, self.scale, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        exact = Decimal(value)
        units = exact.scaleb(self.scale)
        if units != units.to_integral_value():
            raise ValueError(f"more than {self.scale} decimal places")
        return int(units) if dialect.name == "sqlite" else exact

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.scale)
        return Decimal(value).quantize(Decimal(1).scaleb(-self.scale))


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


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`, with the SQLite settings centre relies on."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = sqlite_engine(parsed, synchronous="NORMAL", queue_writers=True, **kwargs)
        lock_at_first_write(engine)
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
