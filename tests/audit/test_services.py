"""The audit chain: appends link up, and any edit or deletion is found and named."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.audit.services import (
    GENESIS_HASH,
    Outcome,
    UnkeyedSessionError,
    _digest,
    record,
    verify,
)
from centre.auth import actions
from centre.db import table_of
from centre.privacy.errors import KeyringError
from centre.privacy.keyring import (
    AUDIT_KEYS_INFO,
    AuditKeys,
    Keyring,
    KeyringSource,
    generate_keyring,
)
from tests import factories


def write_events(session: Session, count: int) -> list[AuditEvent]:
    for n in range(count):
        record(session, actions.LOGIN, by=None, object_type="user", on=n)
    session.commit()
    return list(session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_events_are_chained_from_genesis(session: Session) -> None:
    events = write_events(session, 3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS_HASH
    assert events[1].prev_hash == events[0].hash and events[2].prev_hash == events[1].hash
    assert verify(session) == (3, None)


def test_an_edited_event_is_named(session: Session) -> None:
    write_events(session, 5)
    session.execute(
        update(AuditEvent).where(AuditEvent.seq == 3).values(outcome=Outcome.REFUSED.value)
    )
    session.commit()
    checked, broken = verify(session)
    assert checked == 2 and broken is not None
    assert broken.seq == 3 and "changed" in broken.reason


def test_a_deleted_event_is_named(session: Session) -> None:
    write_events(session, 5)
    session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
    session.commit()
    checked, broken = verify(session)
    assert checked == 1 and broken is not None and broken.seq == 2
    assert "missing" in broken.reason


def test_a_rewritten_tail_is_caught_by_the_next_link(app: Flask, session: Session) -> None:
    write_events(session, 4)
    # Recomputing one event's own hash after editing it does not help, even with the audit
    # key: the next one breaks.
    event = session.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
    event.action = "auth.logout"
    event.hash = _digest(event, app.extensions["centre.privacy"].keyring.current_audit_key)
    session.commit()
    _, broken = verify(session)
    assert broken is not None and broken.seq == 3


def test_verify_cli_passes_then_fails_naming_the_event(app: Flask, session: Session) -> None:
    write_events(session, 4)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "4 events verified" in result.output
    session.execute(update(AuditEvent).where(AuditEvent.seq == 4).values(person_id=99))
    session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "seq=4" in result.output and "changed" in result.output


# --- the keyed chain: nobody can rebuild it from the database alone ------------------------

# The fields of an event as stored, in the order the chain's payload lists them.
PAYLOAD_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "person_id",
    "outcome",
    "prev_hash",
)
ATTACKER_KEY = b"made up by someone without the k"  # 32 bytes, not from the keyring


def _payload(row: Mapping[str, Any], *, with_key_id: bool) -> bytes:
    values = [row[name].isoformat() if name == "at" else row[name] for name in PAYLOAD_FIELDS]
    if with_key_id:
        values.append(row["key_id"])
    return json.dumps(values, separators=(",", ":")).encode()


def plain_sha256(row: Mapping[str, Any]) -> str:
    """What anyone who can read the code computes: the payload, hashed without a key."""
    return hashlib.sha256(_payload(row, with_key_id=False)).hexdigest()


def hmac_under_a_made_up_key(row: Mapping[str, Any]) -> str:
    """The keyed scheme, with the only key an attacker without the keyring has: their own."""
    return hmac.new(ATTACKER_KEY, _payload(row, with_key_id=True), hashlib.sha256).hexdigest()


def rows_in_order(session: Session) -> list[dict[str, Any]]:
    table = table_of(AuditEvent)
    found = session.execute(select(table).order_by(table.c.seq)).mappings()
    return [dict(row) for row in found]


def rebuild_chain(
    session: Session, digest: Callable[[Mapping[str, Any]], str], *, edit_seq: int
) -> None:
    """Edit one event, then recompute its hash and every later one, straight in the tables."""
    table = table_of(AuditEvent)
    rows = rows_in_order(session)
    previous_hash = GENESIS_HASH
    for row in rows:
        if row["seq"] == edit_seq:
            row["outcome"] = Outcome.REFUSED.value
        if row["seq"] >= edit_seq:
            row["prev_hash"] = previous_hash
            row["hash"] = digest(row)
            session.execute(
                update(table)
                .where(table.c.id == row["id"])
                .values(outcome=row["outcome"], prev_hash=row["prev_hash"], hash=row["hash"])
            )
        previous_hash = row["hash"]
    session.commit()


def test_a_chain_rebuilt_from_the_database_alone_fails_verification(
    app: Flask, session: Session
) -> None:
    """Acceptance: edit one event and recompute all that can be without the keyring."""
    write_events(session, 5)
    rebuild_chain(session, plain_sha256, edit_seq=2)
    checked, broken = verify(session)
    assert checked == 1 and broken is not None and broken.seq == 2
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 1

    rebuild_chain(session, hmac_under_a_made_up_key, edit_seq=2)
    checked, broken = verify(session)
    assert checked == 1 and broken is not None and broken.seq == 2
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "seq=2" in result.output


def test_a_forged_event_appended_with_a_recomputed_hash_fails(session: Session) -> None:
    write_events(session, 3)
    table = table_of(AuditEvent)
    last = rows_in_order(session)[-1]
    for digest in (plain_sha256, hmac_under_a_made_up_key):
        forged = {name: value for name, value in last.items() if name != "id"}
        forged.update(seq=4, action=actions.LOGOUT.key, prev_hash=last["hash"])
        forged["hash"] = digest(forged)
        session.execute(insert(table).values(**forged))
        session.commit()
        checked, broken = verify(session)
        assert checked == 3 and broken is not None and broken.seq == 4
        assert "changed" in broken.reason
        session.execute(delete(table).where(table.c.seq == 4))
        session.commit()


def test_an_emptied_log_fails_when_the_database_holds_activity(
    app: Flask, session: Session
) -> None:
    factories.user(session, app)  # creating a user records an event
    session.commit()
    assert verify(session) == (1, None)
    session.execute(delete(AuditEvent))
    session.commit()
    checked, broken = verify(session)
    assert checked == 0 and broken is not None and "empty" in broken.reason
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "empty" in result.output


def test_an_empty_log_of_an_empty_database_is_intact(app: Flask, session: Session) -> None:
    assert verify(session) == (0, None)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "0 events verified" in result.output


def test_each_event_names_its_key_and_is_an_hmac_under_it(app: Flask, session: Session) -> None:
    keyring = app.extensions["centre.privacy"].keyring
    events = write_events(session, 2)
    for event in events:
        assert event.key_id == keyring.current_audit_key_id
        assert event.hash == _digest(event, keyring.current_audit_key)
        assert event.hash != plain_sha256(rows_in_order(session)[event.seq - 1])


def test_a_session_without_audit_keys_refuses_to_record(app: Flask, session: Session) -> None:
    engine = app.extensions["centre.db"].engine
    with Session(engine) as bare, pytest.raises(UnkeyedSessionError, match="audit key"):
        record(bare, actions.LOGIN, by=None)
    with Session(engine) as bare, pytest.raises(UnkeyedSessionError):
        verify(bare)
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_an_event_keyed_with_a_key_missing_from_the_keyring_is_a_break(
    app: Flask, session: Session
) -> None:
    write_events(session, 2)
    other = AuditKeys(KeyringSource.from_keyring(generate_keyring()))
    engine = app.extensions["centre.db"].engine
    with Session(engine, info={AUDIT_KEYS_INFO: other}) as elsewhere:
        checked, broken = verify(elsewhere)
    assert checked == 0 and broken is not None and broken.seq == 1
    assert "not in the keyring" in broken.reason


def test_a_version_1_keyring_cannot_record(app: Flask, session: Session) -> None:
    keyring = app.extensions["centre.privacy"].keyring
    old = Keyring(
        keks=dict(keyring.keks),
        current_kek_id=keyring.current_kek_id,
        blind_index_key=keyring.blind_index_key,
    )
    keys = AuditKeys(KeyringSource(json_text=old.to_json()))
    engine = app.extensions["centre.db"].engine
    with (
        Session(engine, info={AUDIT_KEYS_INFO: keys}) as v1,
        pytest.raises(KeyringError, match="keys init"),
    ):
        record(v1, actions.LOGIN, by=None)
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == 0
