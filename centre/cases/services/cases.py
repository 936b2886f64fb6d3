"""Case files: open, change workers, close with a reason, reopen; a worker's caseload.

Pure: a session, the acting user and plain values come in; results or FieldErrors go out.
At most one open case per person (the database enforces it too); reopening keeps the
history in the case's events.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from centre.audit.actions import Action
from centre.audit.services import record
from centre.auth.models import Role, User
from centre.db import utcnow
from centre.i18n import BRUSSELS
from centre.people.models import Person
from centre.validation import FieldErrors, check_day, check_version

from .. import actions
from ..models import (
    CaseEvent,
    CaseEventKind,
    CaseFile,
    CaseStatus,
    ClosureReason,
    Goal,
    GoalStatus,
    Referral,
    ReferralStatus,
)

OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.REOPENED)
OPEN_REFERRALS = (
    ReferralStatus.PROPOSED,
    ReferralStatus.SENT,
    ReferralStatus.ACCEPTED,
    ReferralStatus.APPOINTMENT_SET,
    ReferralStatus.ATTENDED,
    ReferralStatus.NOT_ATTENDED,
)
ACTIVE_GOALS = (GoalStatus.PROPOSED, GoalStatus.IN_PROGRESS)


def today_in_brussels(now: datetime | None = None) -> date:
    return (now or utcnow()).astimezone(BRUSSELS).date()


def _check_workers(
    session: Session, problems: FieldErrors, key_worker_id: int | None, second_id: int | None
) -> None:
    for name, user_id in (("key_worker", key_worker_id), ("second_worker", second_id)):
        if user_id is None:
            if name == "key_worker":
                problems.add(name, "required")
            continue
        user = session.get(User, user_id)
        if user is None or not user.active or user.role is not Role.SOCIAL_WORKER:
            problems.add(name, "worker_invalid")
    if key_worker_id is not None and key_worker_id == second_id:
        problems.add("second_worker", "worker_twice")


def open_case_of(session: Session, person_id: int) -> CaseFile | None:
    return session.scalar(
        select(CaseFile).where(CaseFile.person_id == person_id, CaseFile.status.in_(OPEN_STATUSES))
    )


def cases_of(session: Session, person_id: int) -> list[CaseFile]:
    """Every case of a person, newest first."""
    return list(
        session.scalars(
            select(CaseFile).where(CaseFile.person_id == person_id).order_by(CaseFile.id.desc())
        )
    )


def _event(
    case: CaseFile,
    kind: CaseEventKind,
    actor_id: int,
    on: date,
    now: datetime,
    reason: ClosureReason | None = None,
) -> None:
    case.events.append(CaseEvent(kind=kind, on=on, at=now, by_id=actor_id, closure_reason=reason))


def _record(session: Session, action: Action, actor_id: int, case_file: CaseFile) -> None:
    record(session, action, by=actor_id, on=case_file.id, person_id=case_file.person_id)


def open_case(
    session: Session,
    *,
    actor_id: int,
    person: Person,
    key_worker_id: int | None,
    second_worker_id: int | None = None,
    opened_on: date | None = None,
    now: datetime | None = None,
) -> CaseFile:
    """A new case for the person; FieldErrors if they have one open or the input is wrong."""
    now = now or utcnow()
    today = today_in_brussels(now)
    opened_on = opened_on or today
    problems = FieldErrors()
    if open_case_of(session, person.id) is not None:
        problems.add("case", "case_already_open")
    _check_workers(session, problems, key_worker_id, second_worker_id)
    check_day(problems, "opened_on", opened_on, today)
    problems.raise_if_any()
    assert key_worker_id is not None  # noqa: S101 - a missing key worker is a problem above
    case_file = CaseFile(
        person_id=person.id,
        status=CaseStatus.OPEN,
        key_worker_id=key_worker_id,
        second_worker_id=second_worker_id,
        opened_on=opened_on,
        created_by_id=actor_id,
        created_at=now,
    )
    _event(case_file, CaseEventKind.OPENED, actor_id, opened_on, now)
    session.add(case_file)
    session.flush()
    record(session, actions.CASE_OPENED, by=actor_id, on=case_file.id, person_id=person.id)
    return case_file


def _check_open(case_file: CaseFile, problems: FieldErrors) -> None:
    if not case_file.is_open:
        problems.add("case", "case_closed")


def change_workers(
    session: Session,
    *,
    actor_id: int,
    case_file: CaseFile,
    key_worker_id: int | None,
    second_worker_id: int | None,
    version: int | None,
    now: datetime | None = None,
) -> bool:
    """Give the case to other workers; True if anything changed."""
    check_version(case_file.version, version)
    now = now or utcnow()
    problems = FieldErrors()
    _check_open(case_file, problems)
    _check_workers(session, problems, key_worker_id, second_worker_id)
    problems.raise_if_any()
    assert key_worker_id is not None  # noqa: S101 - a missing key worker is a problem above
    if (case_file.key_worker_id, case_file.second_worker_id) == (key_worker_id, second_worker_id):
        return False
    case_file.key_worker_id, case_file.second_worker_id = key_worker_id, second_worker_id
    case_file.updated_at = now
    _event(case_file, CaseEventKind.WORKERS_CHANGED, actor_id, today_in_brussels(now), now)
    session.flush()
    _record(session, actions.CASE_UPDATED, actor_id, case_file)
    return True


def close_case(
    session: Session,
    *,
    actor_id: int,
    case_file: CaseFile,
    closed_on: date | None,
    reason: ClosureReason | None,
    version: int | None,
    now: datetime | None = None,
) -> None:
    """Close with a reason and a date, not before the case was opened."""
    check_version(case_file.version, version)
    now = now or utcnow()
    problems = FieldErrors()
    _check_open(case_file, problems)
    check_day(problems, "closed_on", closed_on, today_in_brussels(now))
    if closed_on is not None and closed_on < case_file.opened_on:
        problems.add("closed_on", "closed_before_opened")
    if reason is None:
        problems.add("reason", "required")
    problems.raise_if_any()
    assert closed_on is not None  # noqa: S101 - checked above
    case_file.status = CaseStatus.CLOSED
    case_file.closed_on, case_file.closure_reason = closed_on, reason
    case_file.updated_at = now
    _event(case_file, CaseEventKind.CLOSED, actor_id, closed_on, now, reason)
    session.flush()
    _record(session, actions.CASE_CLOSED, actor_id, case_file)


def reopen_case(
    session: Session,
    *,
    actor_id: int,
    case_file: CaseFile,
    version: int | None,
    now: datetime | None = None,
) -> None:
    """Open a closed case again (its history stays), unless another case is open."""
    check_version(case_file.version, version)
    now = now or utcnow()
    problems = FieldErrors()
    if case_file.is_open:
        problems.add("case", "case_not_closed")
    elif open_case_of(session, case_file.person_id) is not None:
        problems.add("case", "case_already_open")
    problems.raise_if_any()
    case_file.status = CaseStatus.REOPENED
    case_file.closed_on = case_file.closure_reason = None
    case_file.updated_at = now
    _event(case_file, CaseEventKind.REOPENED, actor_id, today_in_brussels(now), now)
    session.flush()
    _record(session, actions.CASE_REOPENED, actor_id, case_file)


# --- the caseload -----------------------------------------------------------------------------


class CaseloadOrder(enum.StrEnum):
    LAST_CONTACT = "last_contact"
    FOLLOW_UP = "follow_up"
    OVERDUE = "overdue"
    CODE = "code"


@dataclass(frozen=True)
class CaseloadRow:
    case_id: int
    code: str
    opened_on: date
    is_key_worker: bool
    last_contact: date | None
    next_follow_up: date | None
    overdue_reviews: int


def caseload_query(worker_id: int, today: date, order: CaseloadOrder) -> Select[Any]:
    """The worker's open cases (as key or second worker) with what they need next.

    One query: the last contact is the person's last activity of any kind (kept up to date
    by visits, incidents, notes and referrals for the retention rule), the next follow-up
    the earliest of the person's open referrals', and the overdue reviews the case's active
    goals past their review date, each a subquery per case through its index, so the page
    costs what the worker's own cases cost, whatever the centre's history.
    """
    follow_up = (
        select(func.min(Referral.follow_up_on))
        .where(Referral.person_id == CaseFile.person_id, Referral.status.in_(OPEN_REFERRALS))
        .scalar_subquery()
        .label("next_follow_up")
    )
    overdue_count = (
        select(func.count())
        .where(
            Goal.case_id == CaseFile.id,
            Goal.status.in_(ACTIVE_GOALS),
            Goal.next_review_on < today,
        )
        .scalar_subquery()
        .label("overdue_reviews")
    )
    query = (
        select(
            CaseFile.id,
            Person.code,
            CaseFile.opened_on,
            (CaseFile.key_worker_id == worker_id).label("is_key_worker"),
            Person.last_activity_at,
            follow_up,
            overdue_count,
        )
        .join(Person, Person.id == CaseFile.person_id)
        .where(
            CaseFile.status.in_(OPEN_STATUSES),
            or_(CaseFile.key_worker_id == worker_id, CaseFile.second_worker_id == worker_id),
        )
    )
    # Cases with nothing due sort last; ties by code, so pages are stable. Ordering by the
    # labels reuses the selected values instead of running each subquery again.
    orders = {
        CaseloadOrder.CODE: (Person.code,),
        CaseloadOrder.FOLLOW_UP: (follow_up.asc().nulls_last(), Person.code),
        CaseloadOrder.OVERDUE: (overdue_count.desc(), Person.code),
        # The longest without contact first: they need a call.
        CaseloadOrder.LAST_CONTACT: (Person.last_activity_at, Person.code),
    }
    return query.order_by(*orders[order])


def caseload_rows(rows: Sequence[Any]) -> list[CaseloadRow]:
    return [
        CaseloadRow(
            case_id=case_id,
            code=code,
            opened_on=opened_on,
            is_key_worker=bool(is_key),
            last_contact=last_at.astimezone(BRUSSELS).date() if last_at is not None else None,
            next_follow_up=follow_up_on,
            overdue_reviews=int(overdue),
        )
        for case_id, code, opened_on, is_key, last_at, follow_up_on, overdue in rows
    ]
