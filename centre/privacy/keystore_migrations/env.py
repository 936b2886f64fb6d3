"""Alembic environment of the key store: a database of its own, with its own version table.

Run through `flask --app wsgi db upgrade` (which upgrades the main database and then this
one) or `KeyStore.ensure_schema()`; never at application start.
"""

from __future__ import annotations

from alembic import context

from centre.privacy.keystore import metadata

VERSION_TABLE = "keystore_alembic_version"

connection = context.config.attributes.get("connection")
if connection is None or context.is_offline_mode():
    raise SystemExit("The key store is migrated through the application, with a connection.")
context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
