"""The substance-use profile: optional, non-identifying, TDI-shaped dated assessments.

Pure: a session, the acting user and plain values come in; results or FieldErrors go out.
Each assessment is kept as it was, so change over time shows; every item is answered, "not
known" being an answer. The code lists are TDI 3.0's (../shared/reference/tdi.md).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from centre.audit.services import record
from centre.db import utcnow
from centre.pagination import Page, paginate
from centre.people.models import Person
from centre.validation import FieldErrors, check_day

from .. import actions
from ..models import (
    Drug,
    Frequency,
    Injecting,
    LabourStatus,
    LivingWhere,
    ReferralSource,
    Route,
    SubstanceAssessment,
    Substitution,
    Testing,
    TreatmentStatus,
)
from .cases import today_in_brussels


@dataclass(frozen=True)
class AssessmentInput:
    """A form's worth of answers; None is a question left unanswered."""

    assessed_on: date | None
    primary_drug: Drug | None = None
    secondary_drug: Drug | None = None
    route: Route | None = None
    frequency: Frequency | None = None
    injecting: Injecting | None = None
    substitution: Substitution | None = None
    hiv_testing: Testing | None = None
    hcv_testing: Testing | None = None
    treatment_status: TreatmentStatus | None = None
    referral_source: ReferralSource | None = None
    living_where: LivingWhere | None = None
    labour_status: LabourStatus | None = None


# The answers of an assessment, in the form's order (the date apart).
ANSWERS = tuple(f.name for f in fields(AssessmentInput) if f.name != "assessed_on")


@dataclass(frozen=True)
class AssessmentRow:
    """An assessment as the history shows it: with the answers that changed since the one
    before it (none for the first)."""

    assessment: SubstanceAssessment
    changed: frozenset[str]


def _check(data: AssessmentInput, today: date, problems: FieldErrors) -> None:
    check_day(problems, "assessed_on", data.assessed_on, today)
    for name in ANSWERS:
        if getattr(data, name) is None:
            problems.add(name, "required")
    # TDI: alcohol is recorded as a secondary drug only.
    if data.primary_drug is Drug.ALCOHOL:
        problems.add("primary_drug", "alcohol_primary")
    elif (
        data.secondary_drug is not None
        and data.secondary_drug is data.primary_drug
        and data.primary_drug is not Drug.NOT_KNOWN
    ):
        problems.add("secondary_drug", "secondary_same_as_primary")
    # Injecting as the usual route means the person has injected.
    if data.route is Route.INJECT and data.injecting is Injecting.NEVER:
        problems.add("injecting", "injecting_never_but_route")


def record_assessment(
    session: Session,
    *,
    actor_id: int,
    person: Person,
    data: AssessmentInput,
    now: datetime | None = None,
) -> SubstanceAssessment:
    """A dated assessment of the person's substance use; earlier ones stay as they were."""
    now = now or utcnow()
    problems = FieldErrors()
    _check(data, today_in_brussels(now), problems)
    problems.raise_if_any()
    answers = {name: getattr(data, name) for name in ANSWERS}
    assessment = SubstanceAssessment(
        person_id=person.id,
        assessed_on=data.assessed_on,
        by_id=actor_id,
        created_at=now,
        **answers,
    )
    session.add(assessment)
    # A profile is taken with the person: identity retention and "last contact" count from it.
    person.last_activity_at = max(person.last_activity_at, now)
    session.flush()
    record(session, actions.PROFILE_ASSESSED, by=actor_id, on=person.id, person_id=person.id)
    return assessment


def _newest_first(person_id: int) -> Select[SubstanceAssessment]:
    return (
        select(SubstanceAssessment)
        .where(SubstanceAssessment.person_id == person_id)
        .order_by(SubstanceAssessment.assessed_on.desc(), SubstanceAssessment.id.desc())
    )


def assessments_of(session: Session, person_id: int) -> list[SubstanceAssessment]:
    """Every assessment of the person, the newest first."""
    return list(session.scalars(_newest_first(person_id)))


def latest_assessment(session: Session, person_id: int) -> SubstanceAssessment | None:
    return session.scalars(_newest_first(person_id).limit(1)).first()


def changed_answers(
    newer: SubstanceAssessment, older: SubstanceAssessment | None
) -> frozenset[str]:
    if older is None:
        return frozenset()
    return frozenset(name for name in ANSWERS if getattr(newer, name) != getattr(older, name))


def _rows(
    items: Sequence[SubstanceAssessment], before: SubstanceAssessment | None
) -> list[AssessmentRow]:
    if not items:
        return []
    older = [*items[1:], before]
    return [
        AssessmentRow(item, changed_answers(item, prior))
        for item, prior in zip(items, older, strict=True)
    ]


def assessment_history(
    session: Session, person_id: int, *, page: int, per_page: int
) -> Page[AssessmentRow]:
    """A page of the person's assessments, newest first, each with what changed since the
    assessment before it (on this page or the next)."""
    found = paginate(session, _newest_first(person_id), page=page, per_page=per_page)
    before = session.scalars(
        _newest_first(person_id).offset(found.number * per_page).limit(1)
    ).first()
    return Page(
        items=_rows(found.items, before),
        number=found.number,
        per_page=per_page,
        total=found.total,
    )
