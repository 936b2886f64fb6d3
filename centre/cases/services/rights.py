"""Rights and health insurance (regional plan measure M3.8): a status, a re-affiliation pathway.

Pure: a session, the acting user and plain values come in; results or FieldErrors go out.
Statuses and steps are closed lists and dates, not identity: they live in clear, and the
person's identity stays in the vault.

- The insurance status is recorded again each time it is checked: each record is kept, and
  the latest (by its date, then by when it was entered) is the current one.
- A re-affiliation goes documents gathered → request filed → affiliated or refused; the
  documents step may be skipped when the papers were at hand. After a decision a new pathway
  may start. Steps are dated, never before the pathway's last step, so their order in time
  is their order in the pathway.
- An affiliation makes the person insured: unless the current status says so already, an
  "insured" status is recorded with the affiliation's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.audit.services import record
from centre.db import utcnow
from centre.people.models import Person
from centre.sqlite import lock_for_write
from centre.validation import FieldErrors, check_day

from .. import actions
from ..models import InsuranceRecord, InsuranceStatus, ReaffiliationEvent, ReaffiliationStep
from .cases import today_in_brussels

DECISIONS = (ReaffiliationStep.AFFILIATED, ReaffiliationStep.REFUSED)
# What may follow the pathway's last step (None: no pathway yet).
STARTS = (ReaffiliationStep.DOCUMENTS_GATHERED, ReaffiliationStep.REQUEST_FILED)
NEXT_STEPS: dict[ReaffiliationStep | None, tuple[ReaffiliationStep, ...]] = {
    None: STARTS,
    ReaffiliationStep.DOCUMENTS_GATHERED: (ReaffiliationStep.REQUEST_FILED,),
    ReaffiliationStep.REQUEST_FILED: DECISIONS,
    ReaffiliationStep.AFFILIATED: STARTS,
    ReaffiliationStep.REFUSED: STARTS,
}


@dataclass(frozen=True)
class InsuranceInput:
    status: InsuranceStatus | None
    recorded_on: date | None


@dataclass(frozen=True)
class StepInput:
    step: ReaffiliationStep | None
    on: date | None


def _mark_active(person: Person, now: datetime) -> None:
    # Recording rights is a contact: identity retention and "last contact" count from it.
    person.last_activity_at = max(person.last_activity_at, now)


def _lock_person(session: Session, person: Person) -> None:
    """Serialise writers of this person's pathway, so two steps cannot both follow one."""
    lock_for_write(session)  # SQLite: the write lock; PostgreSQL: FOR UPDATE below
    session.refresh(person, attribute_names=["last_activity_at"], with_for_update=True)


# --- the insurance status ---------------------------------------------------------------------


def current_insurance(session: Session, person_id: int) -> InsuranceRecord | None:
    return session.scalars(
        select(InsuranceRecord)
        .where(InsuranceRecord.person_id == person_id)
        .order_by(InsuranceRecord.recorded_on.desc(), InsuranceRecord.id.desc())
        .limit(1)
    ).first()


def insurance_history(session: Session, person_id: int) -> list[InsuranceRecord]:
    """Every status recorded for the person, the current one first."""
    return list(
        session.scalars(
            select(InsuranceRecord)
            .where(InsuranceRecord.person_id == person_id)
            .order_by(InsuranceRecord.recorded_on.desc(), InsuranceRecord.id.desc())
        )
    )


def _add_status(
    session: Session,
    actor_id: int,
    person: Person,
    status: InsuranceStatus,
    on: date,
    now: datetime,
) -> InsuranceRecord:
    entry = InsuranceRecord(
        person_id=person.id, status=status, recorded_on=on, by_id=actor_id, created_at=now
    )
    session.add(entry)
    session.flush()
    record(session, actions.INSURANCE_RECORDED, by=actor_id, on=person.id, person_id=person.id)
    return entry


def record_insurance(
    session: Session,
    *,
    actor_id: int,
    person: Person,
    data: InsuranceInput,
    now: datetime | None = None,
) -> InsuranceRecord:
    """The person's insurance status as found on a day; a new record each time."""
    now = now or utcnow()
    problems = FieldErrors()
    if data.status is None:
        problems.add("status", "required")
    check_day(problems, "recorded_on", data.recorded_on, today_in_brussels(now))
    problems.raise_if_any()
    assert data.status is not None and data.recorded_on is not None  # noqa: S101 - checked
    entry = _add_status(session, actor_id, person, data.status, data.recorded_on, now)
    _mark_active(person, now)
    session.flush()
    return entry


# --- the re-affiliation pathway ---------------------------------------------------------------


def pathway_of(session: Session, person_id: int) -> list[ReaffiliationEvent]:
    """Every re-affiliation step of the person, in the order they happened."""
    return list(
        session.scalars(
            select(ReaffiliationEvent)
            .where(ReaffiliationEvent.person_id == person_id)
            .order_by(ReaffiliationEvent.on, ReaffiliationEvent.id)
        )
    )


def last_steps(session: Session, person_id: int, count: int) -> list[ReaffiliationEvent]:
    """The person's `count` latest steps, the latest first."""
    return list(
        session.scalars(
            select(ReaffiliationEvent)
            .where(ReaffiliationEvent.person_id == person_id)
            .order_by(ReaffiliationEvent.on.desc(), ReaffiliationEvent.id.desc())
            .limit(count)
        )
    )


def next_steps(last: ReaffiliationEvent | None) -> tuple[ReaffiliationStep, ...]:
    """The steps that may follow `last` (the pathway's latest step, None if none)."""
    return NEXT_STEPS[last.step if last else None]


def _step_problem(last: ReaffiliationStep | None, step: ReaffiliationStep) -> str | None:
    """Why `step` cannot follow `last`, as a message code; None if it can."""
    if step in NEXT_STEPS[last]:
        return None
    if last is ReaffiliationStep.REQUEST_FILED:
        return "reaffiliation_request_pending"
    if step in DECISIONS:
        return "reaffiliation_decision_without_request"
    return "reaffiliation_documents_again"


def _check_step(
    data: StepInput, last: ReaffiliationEvent | None, today: date, problems: FieldErrors
) -> None:
    if data.step is None:
        problems.add("step", "required")
    else:
        code = _step_problem(last.step if last else None, data.step)
        if code:
            problems.add("step", code)
    check_day(problems, "on", data.on, today)
    if "on" not in problems and last is not None and data.on is not None and data.on < last.on:
        problems.add("on", "reaffiliation_before_last")


def add_step(
    session: Session,
    *,
    actor_id: int,
    person: Person,
    data: StepInput,
    now: datetime | None = None,
) -> ReaffiliationEvent:
    """The next dated step of the person's re-affiliation, in the pathway's order."""
    now = now or utcnow()
    _lock_person(session, person)
    last = next(iter(last_steps(session, person.id, 1)), None)
    problems = FieldErrors()
    _check_step(data, last, today_in_brussels(now), problems)
    problems.raise_if_any()
    assert data.step is not None and data.on is not None  # noqa: S101 - checked above
    event = ReaffiliationEvent(
        person_id=person.id, step=data.step, on=data.on, by_id=actor_id, created_at=now
    )
    session.add(event)
    session.flush()
    record(session, actions.REAFFILIATION_STEP, by=actor_id, on=person.id, person_id=person.id)
    if data.step is ReaffiliationStep.AFFILIATED:
        current = current_insurance(session, person.id)
        if current is None or current.status is not InsuranceStatus.INSURED:
            _add_status(session, actor_id, person, InsuranceStatus.INSURED, data.on, now)
    _mark_active(person, now)
    session.flush()
    return event


def reaffiliations_count(session: Session, since: date, until: date) -> int:
    """Persons whose pathway ended "affiliated" between `since` and `until`, both included.

    Each person counts once, however many affiliations they had in the period (aggregate
    tables count unique individuals).
    """
    return int(
        session.scalar(
            select(func.count(func.distinct(ReaffiliationEvent.person_id))).where(
                ReaffiliationEvent.step == ReaffiliationStep.AFFILIATED,
                ReaffiliationEvent.on >= since,
                ReaffiliationEvent.on <= until,
            )
        )
        or 0
    )
