"""The key store: per-person data keys, wrapped, in a database separate from the main one.

The main database holds only ciphertexts and an opaque `key_ref`. Erasing a person deletes
their key row here, which leaves every copy of the main database, backups included, holding
ciphertexts nobody can open (crypto-shredding, DESIGN "Privacy model"). The key store manages
its one table itself; it is not part of the app's Alembic schema.
"""

from __future__ import annotations

import secrets
import threading
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

from alembic.config import Config as AlembicConfig
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    String,
    Table,
    create_engine,
    delete,
    event,
    func,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import make_url

from centre.sqlite import checkpoint_sqlite, sqlite_engine

from .crypto import new_data_key, unwrap_key, wrap_key
from .errors import KeyDestroyedError, KeyNotFoundError, KeyStoreError
from .keyring import Keyring, KeyringSource

# Execution option asking the SQLite engine for BEGIN IMMEDIATE (see make_keystore_engine).
_WRITE = "centre_keystore_write"

# Its own MetaData, not the app's Base: this table lives in another database.
metadata = MetaData()
data_keys = Table(
    "data_keys",
    metadata,
    Column("key_ref", String(64), primary_key=True),
    Column("kek_id", String(64), nullable=False, index=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def keystore_alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(Path(__file__).parent / "keystore_migrations"))
    return config


def make_keystore_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True)

    # Every key written must survive a crash: synchronous FULL, unlike the main database.
    engine = sqlite_engine(parsed, synchronous="FULL", queue_writers=False)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # Writers take the write lock up front and queue on busy_timeout; a deferred
        # transaction upgrading to a writer could fail at once with "database is locked".
        immediate = connection.get_execution_options().get(_WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _new_key_ref() -> str:
    return secrets.token_urlsafe(16)  # 22 characters, 128 random bits


class KeyStore:
    """Creates, unwraps, destroys and re-wraps per-person data keys."""

    def __init__(self, engine: Engine, keyring: KeyringSource) -> None:
        self.engine = engine
        self.keyring = keyring
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    # --- schema ---------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        """Bring the key store's schema to the newest revision (its own Alembic history).

        Called by `flask db upgrade` and `flask keys init`, and by tests; never on a request.
        """
        from alembic import command

        with self._schema_lock, self.engine.connect() as connection:
            config = keystore_alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()
            self._schema_ready = True

    def _ready(self) -> None:
        # Checked once per process: a clear error instead of "no such table" mid-request.
        if not self._schema_ready:
            if not inspect(self.engine).has_table(data_keys.name):
                raise KeyStoreError(
                    "the key store has no schema yet: run `flask --app wsgi db upgrade`"
                )
            self._schema_ready = True

    def _write(self) -> AbstractContextManager[Connection]:
        return self.engine.execution_options(**{_WRITE: True}).begin()

    def dispose(self) -> None:
        self.engine.dispose()

    # --- keys -----------------------------------------------------------------------------

    def create_key(self) -> tuple[str, bytes]:
        """A new data key, committed in the key store before the caller uses it.

        The key store commits first: if the main transaction then rolls back, an unused key
        row remains (harmless); the reverse order could leave ciphertexts without a key.
        """
        self._ready()
        keyring = self.keyring.get()
        key_ref = _new_key_ref()
        data_key = new_data_key()
        with self._write() as conn:
            conn.execute(
                data_keys.insert().values(
                    key_ref=key_ref,
                    kek_id=keyring.current_kek_id,
                    wrapped_key=wrap_key(keyring.current_kek, data_key, key_ref),
                    created_at=datetime.now(UTC),
                )
            )
        return key_ref, data_key

    def get_key(self, key_ref: str) -> bytes:
        self._ready()
        with self.engine.connect() as conn:
            row = conn.execute(
                select(data_keys.c.kek_id, data_keys.c.wrapped_key).where(
                    data_keys.c.key_ref == key_ref
                )
            ).one_or_none()
        if row is None:
            raise KeyDestroyedError()
        return unwrap_key(self._kek(row.kek_id), bytes(row.wrapped_key), key_ref)

    def _kek(self, kek_id: str) -> bytes:
        try:
            return self.keyring.get().kek(kek_id)
        except KeyNotFoundError:
            # A rotation elsewhere may have re-wrapped this key with a KEK we have not read
            # yet: re-read the keyring once, then give up.
            return self.keyring.refresh().kek(kek_id)

    def destroy_key(self, key_ref: str) -> bool:
        """Delete the key row; True when there was one. This erases the person's data."""
        self._ready()
        with self._write() as conn:
            deleted = conn.execute(delete(data_keys).where(data_keys.c.key_ref == key_ref))
        if self.engine.dialect.name == "sqlite":
            # The old page images, wrapped key included, stay in the -wal file until then.
            checkpoint_sqlite(self.engine)
        # PostgreSQL keeps the dead tuple until VACUUM; autovacuum reclaims it.
        return deleted.rowcount > 0

    def rewrap_all(self, batch_size: int = 500) -> int:
        """Re-wrap every data key not under the current KEK; returns how many.

        Each batch is its own short transaction, so servers keep reading and writing meanwhile;
        they can unwrap both old and new wrappings because both KEKs are in the keyring.
        """
        if batch_size < 1:
            raise ValueError("batch_size must be positive")
        self._ready()
        keyring = self.keyring.refresh()
        total = 0
        while True:
            with self._write() as conn:
                rows = conn.execute(
                    select(data_keys.c.key_ref, data_keys.c.kek_id, data_keys.c.wrapped_key)
                    .where(data_keys.c.kek_id != keyring.current_kek_id)
                    .order_by(data_keys.c.key_ref)
                    .limit(batch_size)
                ).all()
                for row in rows:
                    total += self._rewrap_row(
                        conn, keyring, row.key_ref, row.kek_id, bytes(row.wrapped_key)
                    )
            if len(rows) < batch_size:
                return total

    def _rewrap_row(
        self, conn: Connection, keyring: Keyring, key_ref: str, kek_id: str, wrapped: bytes
    ) -> int:
        data_key = unwrap_key(keyring.kek(kek_id), wrapped, key_ref)
        result = conn.execute(
            update(data_keys)
            # Only if unchanged since read: a concurrent destroy must stay destroyed.
            .where(data_keys.c.key_ref == key_ref, data_keys.c.kek_id == kek_id)
            .values(
                kek_id=keyring.current_kek_id,
                wrapped_key=wrap_key(keyring.current_kek, data_key, key_ref),
            )
        )
        return result.rowcount

    def count_by_kek(self) -> dict[str, int]:
        self._ready()
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(data_keys.c.kek_id, func.count()).group_by(data_keys.c.kek_id)
            ).all()
        return {kek_id: int(count) for kek_id, count in rows}
