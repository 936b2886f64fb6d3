"""Recording and verifying audit events.

Each event's hash covers its fields and the previous event's hash, so editing or deleting an
event breaks the chain from that point on. The hash is an HMAC under an audit key from the
keyring, which never enters the database: whoever can write the database still cannot
recompute the chain after an edit, nor forge an event. Appends are serialised (PostgreSQL
advisory lock; SQLite's single writer) so two requests never chain onto the same predecessor.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, insert, literal, select, table, text
from sqlalchemy.orm import Session

from centre.db import table_of, utcnow
from centre.privacy.keyring import AUDIT_KEYS_INFO, AuditKeys
from centre.sqlite import lock_for_write

from .actions import Action
from .models import AuditEvent

GENESIS_HASH = "0" * 64
# Every column an event is inserted with (its id comes from the database).
COLUMNS = (
    "seq",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "person_id",
    "outcome",
    "prev_hash",
    "key_id",
    "hash",
)
# Arbitrary constant naming the audit chain's lock among PostgreSQL advisory locks.
AUDIT_CHAIN_LOCK = 0x6365_6E74_7265_0001
# Tables whose rows are only ever created together with an audit event: one of them holding
# a row while the log is empty means the log was emptied. Named, not imported, so the audit
# package depends on no domain.
ACTIVITY_TABLES = ("users", "persons", "visits", "incidents", "handover_entries")


class UnkeyedSessionError(RuntimeError):
    """A session without the audit keys: an unkeyed event would make the chain forgeable."""


class Outcome(enum.StrEnum):
    SUCCESS = "success"
    REFUSED = "refused"
    FAILURE = "failure"


def _digest(event: AuditEvent, key: bytes) -> str:
    """HMAC-SHA256 under `key` of the event's fields, its predecessor's hash and its key id."""
    payload = json.dumps(
        [
            event.seq,
            event.at.isoformat(),
            event.actor_id,
            event.action,
            event.object_type,
            event.object_id,
            event.person_id,
            event.outcome,
            event.prev_hash,
            event.key_id,
        ],
        separators=(",", ":"),
    )
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


def _audit_keys(session: Session) -> AuditKeys:
    keys: AuditKeys | None = session.info.get(AUDIT_KEYS_INFO)
    if keys is None:
        raise UnkeyedSessionError(
            "this database session has no audit keys: make it with the app's Database "
            "(db.session() or Database.new_session()) once privacy.init_app has run"
        )
    return keys


# Built once: every audited action runs them.
_CHAIN_LOCK = text("SELECT pg_advisory_xact_lock(:key)")
_LAST_EVENT = select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
_INSERT_EVENT = insert(table_of(AuditEvent))


def record(
    session: Session,
    action: Action,
    *,
    by: int | None,
    on: int | str | None = None,
    person_id: int | None = None,
    object_type: str | None = None,
    outcome: Outcome = Outcome.SUCCESS,
) -> None:
    """Append an event in `session`'s transaction: it lands if and only if the action does.

    `by` the acting user (None for the command line), `on` the id of the object it acted on
    (named by the action's object type unless `object_type` says otherwise), `person_id` the
    person concerned. Ids only: never a value.
    """
    # The key first: without one, fail before taking the lock or writing anything.
    key_id, key = _audit_keys(session).current()
    # Serialise appends before reading the last hash: two writers must not chain onto one.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(_CHAIN_LOCK, {"key": AUDIT_CHAIN_LOCK})
    else:
        lock_for_write(session)
    last = session.execute(_LAST_EVENT).first()
    event = AuditEvent(
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        actor_id=by,
        action=action.key,
        object_type=(object_type or action.object_type) if on is not None else None,
        object_id=None if on is None else str(on),
        person_id=person_id,
        outcome=outcome.value,
        prev_hash=last.hash if last else GENESIS_HASH,
        key_id=key_id,
    )
    event.hash = _digest(event, key)
    # Inserted as a row, not flushed as an object: the unit of work costs more than the
    # INSERT, and on SQLite every other writer waits until this transaction ends.
    session.execute(_INSERT_EVENT, {name: getattr(event, name) for name in COLUMNS})


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    event_id: int | None
    reason: str


def verify(session: Session, batch_size: int = 1000) -> tuple[int, ChainBreak | None]:
    """Check the whole chain; return how many events were checked and the first break."""
    keys = _audit_keys(session).all()  # one keyring for the whole run
    expected_prev = GENESIS_HASH
    expected_seq = 1
    checked = 0
    for event in _events_in_order(session, batch_size):
        if event.seq != expected_seq:
            return checked, ChainBreak(
                expected_seq, None, f"event {expected_seq} is missing (next found: {event.seq})"
            )
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(
                event.seq, event.id, "does not follow the previous event (one was removed?)"
            )
        key = keys.get(event.key_id)
        if key is None:
            return checked, ChainBreak(
                event.seq,
                event.id,
                f"is keyed with audit key {event.key_id!r}, which is not in the keyring",
            )
        if not hmac.compare_digest(_digest(event, key), event.hash):
            return checked, ChainBreak(event.seq, event.id, "was changed after it was written")
        expected_prev = event.hash
        expected_seq += 1
        checked += 1
    if checked == 0:
        holding = _activity(session)
        if holding is not None:
            return 0, ChainBreak(
                1, None, f"is missing: the log is empty, yet the database holds {holding}"
            )
    return checked, None


def _activity(session: Session) -> str | None:
    """The first activity table holding a row, if any."""
    for name in ACTIVITY_TABLES:
        query = select(literal(1)).select_from(table(name)).limit(1)
        if session.execute(query).first() is not None:
            return name
    return None


def count_by_key(session: Session) -> dict[str, int]:
    """How many events each audit key keyed (`keys status`, and `keys remove` refusing)."""
    rows = session.execute(
        select(AuditEvent.key_id, func.count()).group_by(AuditEvent.key_id)
    ).all()
    return {key_id: count for key_id, count in rows}


@dataclass(frozen=True)
class Anchor:
    """An event's place and hash, kept away from the database by whoever verifies the log.

    The chain alone cannot show that its newest events were deleted; a copy of a past head
    can: if the chain verifies and still holds that event with that hash, nothing up to it
    was cut, changed or rewritten, since every hash covers all the events before it.
    """

    seq: int
    hash: str


def head(session: Session) -> Anchor | None:
    last = session.execute(_LAST_EVENT).first()
    return Anchor(last.seq, last.hash) if last else None


def check_anchor(session: Session, anchor: Anchor) -> ChainBreak | None:
    """Whether the chain still holds the anchored event unchanged (verify the chain too)."""
    found = session.execute(
        select(AuditEvent.id, AuditEvent.hash).where(AuditEvent.seq == anchor.seq)
    ).first()
    if found is None:
        return ChainBreak(anchor.seq, None, "is missing: the log was cut after it was anchored")
    if found.hash != anchor.hash:
        return ChainBreak(anchor.seq, found.id, "differs from its anchor: history was rewritten")
    return None


def _events_in_order(session: Session, batch_size: int) -> Iterator[AuditEvent]:
    after = 0
    while True:
        batch = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.seq > after)
            .order_by(AuditEvent.seq)
            .limit(batch_size)
        ).all()
        if not batch:
            return
        yield from batch
        after = batch[-1].seq
        session.expunge_all()


def search(
    session: Session,
    *,
    action: str | None = None,
    actor_id: int | None = None,
    person_id: int | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[AuditEvent]:
    """The filtered, newest-first query the admin page paginates."""
    query = select(AuditEvent).order_by(AuditEvent.seq.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor_id is not None:
        query = query.where(AuditEvent.actor_id == actor_id)
    if person_id is not None:
        query = query.where(AuditEvent.person_id == person_id)
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    if since is not None:
        query = query.where(AuditEvent.at >= since)
    if until is not None:
        query = query.where(AuditEvent.at < until)
    return query


def record_alone(session: Session, action: Action, **fields: Any) -> None:
    """Record an event that must outlive a refused request (access refused, throttled login).

    Whatever the request did so far is rolled back first, so only the event is committed. It
    uses the request's own session: a second connection would wait forever on SQLite for the
    write lock the request already holds.
    """
    session.rollback()
    record(session, action, **fields)
    session.commit()
