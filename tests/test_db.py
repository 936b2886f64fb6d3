"""The database layer (centre/db.py): UTC timestamps. SQLite's own machinery, the writer queue
and the write lock, is tested in tests/test_sqlite.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from centre.db import UTCDateTime


def test_utc_type_refuses_naive_and_normalises_offsets() -> None:
    column = UTCDateTime()

    # A stand-in for SQLAlchemy's Dialect: the type reads nothing of it but its name, hence the
    # arg-type ignores below.
    class Dialect:
        name = "postgresql"

    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2026, 1, 1), Dialect())  # type: ignore[arg-type]  # noqa: DTZ001
    brussels_noon = datetime(2026, 7, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    stored = column.process_bind_param(brussels_noon, Dialect())  # type: ignore[arg-type]
    assert stored == datetime(2026, 7, 1, 10, tzinfo=UTC)


def test_exact_decimals_round_trip_and_sum_exactly_on_each_engine(session: Session) -> None:
    from decimal import Decimal

    from sqlalchemy import func, select

    from centre.auth.models import Role, User
    from centre.employment.models import PayKind, PayLine
    from tests import factories
    from tests.employment.conftest import offer, signup

    user = User(username="crew", role=Role.SOCIAL_WORKER, password_hash="x")
    session.add(user)
    session.flush()
    person = factories.person(session, actor_id=user.id)
    job = offer(session, supervisor_id=user.id, on=date(2026, 11, 30), hourly_rate="10.10")
    placed = signup(session, offer=job, person_id=person.id, by_id=user.id)
    # 0.1 has no exact float: a thousand lines of 0.10 would drift as floats, not here.
    first: int | None = None
    for n in range(1000):
        session.add(
            PayLine(
                person_id=person.id,
                offer_id=job.id,
                signup_id=placed.id,
                kind=PayKind.PAY if n == 0 else PayKind.CORRECTION,
                corrects_id=first,
                hours=Decimal("0.25"),
                hourly_rate=Decimal("10.10"),
                amount=Decimal("0.10"),
                paid_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
                paid_by_id=user.id,
            )
        )
        if n == 0:
            session.flush()
            first = session.scalar(select(func.min(PayLine.id)))
    session.flush()
    session.expire_all()
    assert session.get_one(type(job), job.id).hourly_rate == Decimal("10.10")
    assert session.scalar(select(func.sum(PayLine.amount))) == Decimal("100.00")
    with pytest.raises(StatementError, match="decimal places"):
        session.add(
            PayLine(
                person_id=person.id,
                offer_id=job.id,
                signup_id=placed.id,
                kind=PayKind.CORRECTION,
                corrects_id=first,
                hours=Decimal("0.25"),
                hourly_rate=Decimal("10.10"),
                amount=Decimal("0.105"),
                paid_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
                paid_by_id=user.id,
            )
        )
        session.flush()
    session.rollback()
