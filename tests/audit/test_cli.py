"""`flask audit verify --anchor`: a head kept off the database catches a cut or rewritten log."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.audit.services import Action, _digest, record


def append(session: Session, count: int) -> None:
    for n in range(count):
        record(session, Action.LOGIN, actor_id=None, object_type="user", object_id=n)
    session.commit()


@pytest.fixture
def anchor(tmp_path: Path) -> Path:
    return tmp_path / "audit-anchor.json"


def anchored_log(app: Flask, session: Session, anchor: Path, events: int) -> None:
    """A log of `events` events, verified once so that the anchor holds its head."""
    append(session, events)
    assert verify(app, anchor)[0] == 0


def verify(app: Flask, anchor: Path) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--anchor", str(anchor)])
    return result.exit_code, result.output


def test_the_anchor_follows_the_head_of_each_good_run(
    app: Flask, session: Session, anchor: Path
) -> None:
    append(session, 3)
    code, output = verify(app, anchor)
    assert code == 0 and "3 events verified" in output and "now at seq=3" in output
    newest = session.scalars(select(AuditEvent).where(AuditEvent.seq == 3)).one()
    assert json.loads(anchor.read_text()) == {"seq": 3, "hash": newest.hash}
    append(session, 2)
    code, output = verify(app, anchor)
    assert code == 0 and "seq=3 found unchanged" in output and "now at seq=5" in output


def test_a_cut_tail_passes_the_chain_but_not_the_anchor(
    app: Flask, session: Session, anchor: Path
) -> None:
    anchored_log(app, session, anchor, 5)
    session.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))
    session.commit()
    plain = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert plain.exit_code == 0  # the chain alone cannot see it
    code, output = verify(app, anchor)
    assert code == 1 and "seq=5" in output and "cut" in output
    assert json.loads(anchor.read_text())["seq"] == 5  # a failed run keeps the anchor


def test_a_recomputed_chain_passes_the_chain_but_not_the_anchor(
    app: Flask, session: Session, anchor: Path
) -> None:
    anchored_log(app, session, anchor, 4)
    # Edit event 2 and recompute every hash after it, as someone covering tracks would.
    events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    events[1].object_id = "99"
    for previous, event in pairwise(events):
        event.prev_hash = previous.hash
        event.hash = _digest(event)
    session.commit()
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
    code, output = verify(app, anchor)
    assert code == 1 and "seq=4" in output and "rewritten" in output


def test_a_damaged_anchor_file_is_refused(app: Flask, session: Session, anchor: Path) -> None:
    anchor.write_text("{not json")
    append(session, 1)
    code, output = verify(app, anchor)
    assert code != 0 and "is not an audit anchor" in output
    assert anchor.read_text() == "{not json"
