"""A case's plan: goals in life domains, their status, target and review dates, history.

Pure: a session, the acting user and plain values come in; results or FieldErrors go out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from centre.audit.services import record
from centre.db import utcnow
from centre.validation import FieldErrors, check_day, check_version

from .. import actions
from ..models import CaseFile, Goal, GoalChange, GoalStatus, LifeDomain
from .cases import today_in_brussels

MAX_TITLE = 120
# A target or review date this far ahead is surely a typo (a year typed wrong).
LATEST_YEARS_AHEAD = 10


@dataclass(frozen=True)
class GoalInput:
    domain: LifeDomain | None
    title: str
    agreed_on: date | None
    target_on: date | None = None
    next_review_on: date | None = None
    status: GoalStatus = GoalStatus.PROPOSED


def _check(data: GoalInput, today: date, problems: FieldErrors) -> None:
    if data.domain is None:
        problems.add("domain", "required")
    title = data.title.strip()
    if not title:
        problems.add("title", "required")
    elif len(title) > MAX_TITLE:
        problems.add("title", "length", n=MAX_TITLE)
    check_day(problems, "agreed_on", data.agreed_on, today)
    latest = date(today.year + LATEST_YEARS_AHEAD, 12, 31)
    for name, day in (("target_on", data.target_on), ("next_review_on", data.next_review_on)):
        if day is None:
            continue
        if day > latest:
            problems.add(name, "date_too_far")
        elif data.agreed_on is not None and day < data.agreed_on:
            problems.add(name, "before_agreed")


def _history(goal: Goal, actor_id: int, now: datetime) -> None:
    goal.changes.append(
        GoalChange(
            status=goal.status,
            target_on=goal.target_on,
            next_review_on=goal.next_review_on,
            at=now,
            by_id=actor_id,
        )
    )


def add_goal(
    session: Session,
    *,
    actor_id: int,
    case_file: CaseFile,
    data: GoalInput,
    now: datetime | None = None,
) -> Goal:
    """A goal agreed with the person, in an open case."""
    now = now or utcnow()
    problems = FieldErrors()
    if not case_file.is_open:
        problems.add("case", "case_closed")
    _check(data, today_in_brussels(now), problems)
    problems.raise_if_any()
    assert data.domain is not None and data.agreed_on is not None  # noqa: S101 - checked
    goal = Goal(
        domain=data.domain,
        title=data.title.strip(),
        status=data.status,
        agreed_on=data.agreed_on,
        target_on=data.target_on,
        next_review_on=data.next_review_on,
        created_at=now,
        created_by_id=actor_id,
    )
    case_file.goals.append(goal)
    _history(goal, actor_id, now)
    session.flush()
    record(session, actions.GOAL_ADDED, by=actor_id, on=goal.id, person_id=case_file.person_id)
    return goal


def update_goal(
    session: Session,
    *,
    actor_id: int,
    goal: Goal,
    data: GoalInput,
    version: int | None,
    now: datetime | None = None,
) -> bool:
    """Change a goal (status, dates, wording); its history keeps each state. True if changed."""
    check_version(goal.version, version)
    now = now or utcnow()
    problems = FieldErrors()
    if not goal.case.is_open:
        problems.add("case", "case_closed")
    _check(data, today_in_brussels(now), problems)
    problems.raise_if_any()
    changes = {
        "domain": data.domain,
        "title": data.title.strip(),
        "status": data.status,
        "agreed_on": data.agreed_on,
        "target_on": data.target_on,
        "next_review_on": data.next_review_on,
    }
    if all(getattr(goal, name) == value for name, value in changes.items()):
        return False
    for name, value in changes.items():
        setattr(goal, name, value)
    _history(goal, actor_id, now)
    session.flush()
    record(session, actions.GOAL_UPDATED, by=actor_id, on=goal.id, person_id=goal.case.person_id)
    return True
