"""Progression to real work: the date a person reached each phase, set by a social worker,
and the person's day-labour rows on their pathway."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from centre.db import utcnow
from centre.people.models import Person
from centre.timeline import entry
from centre.validation import FieldErrors, check_day, single

from ..models import Offer, PhaseStep, SignUp, WorkPhase


def steps_of(session: Session, person_id: int) -> list[PhaseStep]:
    """The phases the person reached, in the order of the ladder."""
    return list(
        session.scalars(
            select(PhaseStep)
            .join(WorkPhase, WorkPhase.id == PhaseStep.phase_id)
            .where(PhaseStep.person_id == person_id)
            .order_by(WorkPhase.sort_order, PhaseStep.reached_on)
        )
    )


def reach_phase(
    session: Session,
    *,
    actor_id: int,
    person: Person,
    phase: WorkPhase | None,
    reached_on: date | None,
    today: date,
    now: datetime | None = None,
) -> PhaseStep:
    """The person reached `phase` on `reached_on`; once per phase (a date, not a history)."""
    problems = FieldErrors()
    if phase is None or not phase.active:
        problems.add("phase", "required")
    check_day(problems, "reached_on", reached_on, today)
    problems.raise_if_any()
    assert phase is not None and reached_on is not None  # noqa: S101 - checked above
    step = PhaseStep(
        person_id=person.id,
        phase_id=phase.id,
        reached_on=reached_on,
        created_at=now or utcnow(),
        by_id=actor_id,
    )
    session.add(step)
    try:
        session.flush()
    except IntegrityError:
        raise single("phase", "phase_reached_already") from None
    return step


def pathway_entries(person_id: int) -> list[Select[Any]]:
    """Phases reached, and each day job signed up for (with its attendance once recorded)."""
    phases = select(
        *entry(
            "phase",
            PhaseStep.id,
            PhaseStep.created_at,
            on=PhaseStep.reached_on,
            by_id=PhaseStep.by_id,
            about_id=PhaseStep.phase_id,
        )
    ).where(PhaseStep.person_id == person_id)
    jobs = (
        select(
            *entry(
                "day_job",
                SignUp.id,
                SignUp.created_at,
                on=Offer.on,
                what=SignUp.attendance,
                by_id=SignUp.created_by_id,
                about_id=Offer.task_type_id,
            )
        )
        .join(Offer, Offer.id == SignUp.offer_id)
        .where(SignUp.person_id == person_id, SignUp.cancelled_at.is_(None))
    )
    return [phases, jobs]
