"""keyed audit chain

Each audit event's hash becomes an HMAC-SHA256 under an audit key from the keyring, which
never enters the database, and the new column key_id names that key. Existing events are
re-chained: the old plain SHA-256 chain is checked first (a broken chain is refused, naming
its first bad event: re-keying it would launder the break into a valid chain), then every
hash is recomputed in seq order under the current audit key. The downgrade checks the keyed
chain the same way and restores plain SHA-256.

The audit key comes from the running app's keyring (`flask db upgrade` runs in its app
context), else from the configured one; without events no key is needed. The payload and
both digests are written out here, frozen as they were at this revision.

Revision ID: 3f1a9c2b7d10
Revises: ec540fea0f7e
Create Date: 2026-11-29 12:00:00+00:00
"""

import hashlib
import hmac
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

import centre.db

revision: str = "3f1a9c2b7d10"
down_revision: str | None = "ec540fea0f7e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = "0" * 64
BATCH_SIZE = 1000

events = sa.table(
    "audit_events",
    sa.column("id", sa.Integer),
    sa.column("seq", sa.Integer),
    sa.column("at", centre.db.UTCDateTime()),
    sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("object_type", sa.String),
    sa.column("object_id", sa.String),
    sa.column("person_id", sa.Integer),
    sa.column("outcome", sa.String),
    sa.column("prev_hash", sa.String),
    sa.column("hash", sa.String),
)
# The same table with this revision's column, for what only exists once it is added.
keyed_events = sa.table(
    "audit_events",
    *(sa.column(column.name, column.type) for column in events.c),
    sa.column("key_id", sa.String),
)

Row = dict[str, Any]


def _payload(row: Row, *, keyed: bool) -> bytes:
    values = [
        row["seq"],
        row["at"].isoformat(),
        row["actor_id"],
        row["action"],
        row["object_type"],
        row["object_id"],
        row["person_id"],
        row["outcome"],
        row["prev_hash"],
    ]
    if keyed:
        values.append(row["key_id"])
    return json.dumps(values, separators=(",", ":")).encode()


def _plain_digest(row: Row) -> str | None:
    return hashlib.sha256(_payload(row, keyed=False)).hexdigest()


def _keyed_digest(keys: Mapping[str, bytes]) -> Callable[[Row], str | None]:
    def digest(row: Row) -> str | None:
        key = keys.get(row["key_id"])
        if key is None:
            return None
        return hmac.new(key, _payload(row, keyed=True), hashlib.sha256).hexdigest()

    return digest


def _batches(bind: sa.Connection, *, keyed: bool) -> Iterator[list[Row]]:
    # Keyset pages in seq order, each read whole before the caller updates its rows.
    table = keyed_events if keyed else events
    after = 0
    while True:
        query = sa.select(table).where(table.c.seq > after).order_by(table.c.seq).limit(BATCH_SIZE)
        batch = [dict(row) for row in bind.execute(query).mappings()]
        if not batch:
            return
        yield batch
        after = batch[-1]["seq"]


def _check(bind: sa.Connection, digest: Callable[[Row], str | None], *, keyed: bool) -> None:
    """Refuse to re-chain a chain that is already broken, naming its first bad event."""
    expected_seq, expected_prev = 1, GENESIS_HASH
    for batch in _batches(bind, keyed=keyed):
        for row in batch:
            problem = None
            if row["seq"] != expected_seq:
                problem = f"seq={expected_seq} is missing"
            elif row["prev_hash"] != expected_prev:
                problem = f"seq={row['seq']} does not follow the previous event"
            else:
                expected = digest(row)
                if expected is None:
                    problem = f"seq={row['seq']} is keyed with an audit key not in the keyring"
                elif not hmac.compare_digest(expected, row["hash"]):
                    problem = f"seq={row['seq']} was changed after it was written"
            if problem is not None:
                raise RuntimeError(
                    f"audit chain broken: event {problem}. Not migrated: re-chaining would "
                    "hide the break. Investigate first (flask --app wsgi audit verify)."
                )
            expected_prev = row["hash"]
            expected_seq += 1


def _rechain(bind: sa.Connection, digest: Callable[[Row], str | None], key_id: str | None) -> None:
    # Read with the old scheme's columns, write the new scheme's: key_id only when keying.
    table = keyed_events if key_id is not None else events
    update = sa.update(table).where(table.c.id == sa.bindparam("b_id"))
    values: dict[str, Any] = {
        "prev_hash": sa.bindparam("b_prev"),
        "hash": sa.bindparam("b_hash"),
    }
    if key_id is not None:
        values["key_id"] = sa.bindparam("b_key")
    statement = update.values(**values)
    previous = GENESIS_HASH
    for batch in _batches(bind, keyed=False):
        changes = []
        for row in batch:
            row.update(prev_hash=previous, key_id=key_id)
            new_hash = digest(row)
            assert new_hash is not None  # noqa: S101 - the key is given, never looked up
            changes.append({"b_id": row["id"], "b_prev": previous, "b_hash": new_hash})
            if key_id is not None:
                changes[-1]["b_key"] = key_id
            previous = new_hash
        bind.execute(statement, changes)


def _keyring_source() -> Any:
    # Imported here: a schema without events must migrate with no keyring configured.
    from flask import current_app, has_app_context

    from centre.privacy.errors import KeyringError
    from centre.privacy.keyring import KeyringSource
    from config import config_from_environment

    if has_app_context() and "centre.privacy" in current_app.extensions:
        return current_app.extensions["centre.privacy"].keyring_source
    config = config_from_environment()
    # The same precedence as centre.privacy.init_app.
    if config.KEYRING_JSON:
        return KeyringSource(json_text=config.KEYRING_JSON)
    if config.KEYRING_FILE:
        return KeyringSource(path=config.KEYRING_FILE)
    raise KeyringError(
        "audit events exist and must be keyed, but no keyring is configured: set "
        "CENTRE_KEYRING_FILE (or CENTRE_KEYRING)"
    )


def _audit_keys() -> Any:
    from centre.privacy.keyring import AuditKeys

    source = _keyring_source()
    source.refresh()  # the file as it is now, e.g. just upgraded by `keys init`
    return AuditKeys(source)


def _has_events(bind: sa.Connection) -> bool:
    return bind.execute(sa.select(events.c.id).limit(1)).first() is not None


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    if _has_events(bind):
        key_id, key = _audit_keys().current()
        _check(bind, _plain_digest, keyed=False)
        _rechain(bind, _keyed_digest({key_id: key}), key_id)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("key_id", existing_type=sa.String(length=64), nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    if _has_events(bind):
        keyed = _keyed_digest(dict(_audit_keys().all()))
        _check(bind, keyed, keyed=True)
        _rechain(bind, _plain_digest, None)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("key_id")
