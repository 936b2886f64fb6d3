"""The audit chain: appends link up, and any edit or deletion is found and named."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.audit.services import GENESIS_HASH, Action, Outcome, record, verify


def write_events(session: Session, count: int) -> list[AuditEvent]:
    for n in range(count):
        record(session, Action.LOGIN, actor_id=None, object_type="user", object_id=n)
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


def test_a_rewritten_tail_is_caught_by_the_next_link(session: Session) -> None:
    write_events(session, 4)
    # Recomputing one event's own hash after editing it does not help: the next one breaks.
    event = session.scalars(select(AuditEvent).where(AuditEvent.seq == 2)).one()
    event.action = "auth.logout"
    from centre.audit.services import _digest

    event.hash = _digest(event)
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
