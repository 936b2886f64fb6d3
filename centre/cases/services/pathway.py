"""A person's pathway: one timeline, newest first, of everything every domain recorded.

Each source is a select of `centre.timeline.entry` columns for one person; the union is paged
in the database (a person seen daily for ten years has thousands of rows), and only the page's
goals and referrals are loaded to name them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, case, func, select, union_all
from sqlalchemy.orm import Session, selectinload

from centre.employment.services import progression as day_labour
from centre.housing.models import Application, Stay
from centre.housing.services import pathway as housing
from centre.pagination import Page
from centre.reception.services import pathway as reception
from centre.timeline import Entry, entry

from ..models import (
    CaseEvent,
    CaseFile,
    Goal,
    GoalChange,
    InsuranceRecord,
    Note,
    ReaffiliationEvent,
    Referral,
    ReferralEvent,
    SubstanceAssessment,
)

PER_PAGE = 50


@dataclass(frozen=True)
class Pathway:
    page: Page[Entry]
    goals: dict[int, Goal]
    referrals: dict[int, Referral]
    stays: dict[int, Stay]
    applications: dict[int, Application]

    def ids(self, source: str, column: str = "about_id") -> set[int]:
        return {
            value
            for e in self.page.items
            if e.source == source and (value := getattr(e, column)) is not None
        }


def case_entries(person_id: int) -> list[Select[Any]]:
    events = (
        select(
            *entry(
                "case",
                CaseEvent.id,
                CaseEvent.at,
                on=CaseEvent.on,
                what=CaseEvent.kind,
                detail=CaseEvent.closure_reason,
                by_id=CaseEvent.by_id,
                about_id=CaseEvent.case_id,
            )
        )
        .join(CaseFile, CaseFile.id == CaseEvent.case_id)
        .where(CaseFile.person_id == person_id)
    )
    goals = (
        select(
            *entry(
                "goal",
                GoalChange.id,
                GoalChange.at,
                what=GoalChange.status,
                by_id=GoalChange.by_id,
                about_id=GoalChange.goal_id,
            )
        )
        .join(Goal, Goal.id == GoalChange.goal_id)
        .join(CaseFile, CaseFile.id == Goal.case_id)
        .where(CaseFile.person_id == person_id)
    )
    return [events, goals]


def note_entries(person_id: int) -> list[Select[Any]]:
    # Metadata only: the body is never part of a list.
    notes = select(
        *entry(
            "note",
            Note.id,
            Note.created_at,
            on=Note.written_on,
            what=Note.kind,
            detail=case((Note.addendum_to_id.is_not(None), "addendum"), else_=None),
            by_id=Note.author_id,
            about_id=Note.addendum_to_id,
        )
    ).where(Note.person_id == person_id)
    return [notes]


def referral_entries(person_id: int) -> list[Select[Any]]:
    steps = (
        select(
            *entry(
                "referral",
                ReferralEvent.id,
                ReferralEvent.at,
                on=ReferralEvent.on,
                what=ReferralEvent.status,
                by_id=ReferralEvent.by_id,
                about_id=ReferralEvent.referral_id,
            )
        )
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(Referral.person_id == person_id)
    )
    return [steps]


def rights_entries(person_id: int) -> list[Select[Any]]:
    insurance = select(
        *entry(
            "insurance",
            InsuranceRecord.id,
            InsuranceRecord.created_at,
            on=InsuranceRecord.recorded_on,
            what=InsuranceRecord.status,
            by_id=InsuranceRecord.by_id,
        )
    ).where(InsuranceRecord.person_id == person_id)
    reaffiliation = select(
        *entry(
            "reaffiliation",
            ReaffiliationEvent.id,
            ReaffiliationEvent.created_at,
            on=ReaffiliationEvent.on,
            what=ReaffiliationEvent.step,
            by_id=ReaffiliationEvent.by_id,
        )
    ).where(ReaffiliationEvent.person_id == person_id)
    assessments = select(
        *entry(
            "assessment",
            SubstanceAssessment.id,
            SubstanceAssessment.created_at,
            on=SubstanceAssessment.assessed_on,
            what=SubstanceAssessment.primary_drug,
            by_id=SubstanceAssessment.by_id,
        )
    ).where(SubstanceAssessment.person_id == person_id)
    return [insurance, reaffiliation, assessments]


def sources(person_id: int) -> Iterable[Select[Any]]:
    """Every domain's rows for the person."""
    yield from reception.pathway_entries(person_id)
    yield from case_entries(person_id)
    yield from note_entries(person_id)
    yield from referral_entries(person_id)
    yield from rights_entries(person_id)
    yield from housing.pathway_entries(person_id)
    yield from day_labour.pathway_entries(person_id)


def pathway(
    session: Session, person_id: int, *, page: int = 1, per_page: int = PER_PAGE
) -> Pathway:
    branches = list(sources(person_id))
    total = session.scalar(select(func.count()).select_from(union_all(*branches).subquery()))
    pages = max(1, -(-(total or 0) // per_page))
    number = min(max(1, page), pages)
    # Each source gives only its newest rows up to the end of the page (an index walk for
    # visits, the longest source), so a person seen daily for years costs what a page costs.
    newest = number * per_page
    tops = []
    for branch in branches:
        columns = branch.selected_columns
        top = branch.order_by(columns.at.desc(), columns.row_id.desc()).limit(newest).subquery()
        tops.append(select(top))
    timeline = union_all(*tops).subquery("pathway")
    # Newest first; the same instant ordered by source and id so pages never shuffle.
    ordered = (
        select(timeline)
        .order_by(timeline.c.at.desc(), timeline.c.source, timeline.c.row_id.desc())
        .limit(per_page)
        .offset((number - 1) * per_page)
    )
    entries = Page(
        items=[Entry(**row._mapping) for row in session.execute(ordered)],
        number=number,
        per_page=per_page,
        total=total or 0,
    )
    shown = Pathway(entries, {}, {}, {}, {})
    goals = {g.id: g for g in session.scalars(select(Goal).where(Goal.id.in_(shown.ids("goal"))))}
    referrals = {
        r.id: r
        for r in session.scalars(
            select(Referral)
            .where(Referral.id.in_(shown.ids("referral")))
            .options(selectinload(Referral.partner))
        )
    }
    stays = housing.stays_by_id(session, shown.ids("stay"))
    applications = housing.applications_by_id(session, shown.ids("application"))
    return Pathway(entries, goals, referrals, stays, applications)
