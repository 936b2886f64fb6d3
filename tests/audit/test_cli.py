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
from centre.audit.services import _digest, record
from centre.auth import actions
from tests import factories


def append(session: Session, count: int) -> None:
    for n in range(count):
        record(session, actions.LOGIN, by=None, object_type="user", on=n)
    session.commit()


@pytest.fixture
def anchor(tmp_path: Path) -> Path:
    return tmp_path / "audit-anchor.json"


def anchored_log(app: Flask, session: Session, anchor: Path, events: int) -> None:
    """A log of `events` events, verified once so that the anchor holds its head."""
    append(session, events)
    assert verify(app, anchor, "--init")[0] == 0


def verify(app: Flask, anchor: Path, *options: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(
        args=["audit", "verify", "--anchor", str(anchor), *options]
    )
    return result.exit_code, result.output


def test_the_anchor_follows_the_head_of_each_good_run(
    app: Flask, session: Session, anchor: Path
) -> None:
    append(session, 3)
    code, output = verify(app, anchor, "--init")
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
    # Edit event 2 and recompute every hash after it, as someone covering tracks would: only
    # someone holding the keyring's audit key can (without it, see test_services).
    key = app.extensions["centre.privacy"].keyring.current_audit_key
    events = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
    events[1].object_id = "99"
    for previous, event in pairwise(events):
        event.prev_hash = previous.hash
        event.hash = _digest(event, key)
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


def test_a_missing_anchor_is_refused_unless_asked_to_start_one(
    app: Flask, session: Session, anchor: Path
) -> None:
    append(session, 2)
    code, output = verify(app, anchor)
    assert code != 0 and "--init" in output and "does not exist" in output
    assert not anchor.exists()
    code, output = verify(app, anchor, "--init")
    assert code == 0 and "now at seq=2" in output
    assert json.loads(anchor.read_text())["seq"] == 2


def test_a_deleted_anchor_does_not_let_a_cut_tail_pass(
    app: Flask, session: Session, anchor: Path
) -> None:
    anchored_log(app, session, anchor, 5)
    session.execute(delete(AuditEvent).where(AuditEvent.seq >= 4))
    session.commit()
    anchor.unlink()
    code, output = verify(app, anchor)
    assert code != 0 and "does not exist" in output
    assert not anchor.exists()  # no new anchor written silently


def test_init_never_replaces_an_anchor(app: Flask, session: Session, anchor: Path) -> None:
    anchored_log(app, session, anchor, 2)
    before = anchor.read_text()
    append(session, 1)
    code, output = verify(app, anchor, "--init")
    assert code != 0 and "already exists" in output
    assert anchor.read_text() == before


def test_init_writes_no_anchor_for_a_broken_or_empty_log(
    app: Flask, session: Session, anchor: Path
) -> None:
    code, output = verify(app, anchor, "--init")
    assert code != 0 and "nothing to anchor" in output and not anchor.exists()
    factories.user(session, app)
    session.commit()
    session.execute(delete(AuditEvent))
    session.commit()
    code, output = verify(app, anchor, "--init")
    assert code == 1 and "empty" in output and not anchor.exists()


def test_init_needs_an_anchor_file(app: Flask, session: Session) -> None:
    append(session, 1)
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--init"])
    assert result.exit_code != 0 and "--anchor" in result.output
