"""The substance-use profile: dated TDI-shaped assessments, every answer given ("not known"
is one), TDI's rules on primary and secondary drugs, the history with what changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.cases.models import (
    Drug,
    Frequency,
    Injecting,
    LabourStatus,
    LivingWhere,
    ReferralSource,
    Route,
    Substitution,
    TreatmentStatus,
)
from centre.cases.models import Testing as Screening  # a "Test…" name pytest would collect
from centre.cases.services import profile as services
from centre.validation import FieldErrors
from tests.cases.conftest import Office

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)

HEROIN_SMOKED = services.AssessmentInput(
    assessed_on=date(2026, 3, 2),
    primary_drug=Drug.HEROIN,
    secondary_drug=Drug.CRACK,
    route=Route.SMOKE,
    frequency=Frequency.DAILY,
    injecting=Injecting.NOT_LAST_12_MONTHS,
    substitution=Substitution.EVER_NOT_CURRENTLY,
    hiv_testing=Screening.NOT_LAST_12_MONTHS,
    hcv_testing=Screening.NEVER,
    treatment_status=TreatmentStatus.PREVIOUSLY_TREATED,
    referral_source=ReferralSource.SELF_FAMILY_FRIENDS,
    living_where=LivingWhere.UNSTABLE_OR_HOMELESS,
    labour_status=LabourStatus.UNEMPLOYED,
)
ALL_NOT_KNOWN = services.AssessmentInput(
    assessed_on=TODAY,
    primary_drug=Drug.NOT_KNOWN,
    secondary_drug=Drug.NOT_KNOWN,
    route=Route.NOT_KNOWN,
    frequency=Frequency.NOT_KNOWN,
    injecting=Injecting.NOT_KNOWN,
    substitution=Substitution.NOT_KNOWN,
    hiv_testing=Screening.NOT_KNOWN,
    hcv_testing=Screening.NOT_KNOWN,
    treatment_status=TreatmentStatus.NOT_KNOWN,
    referral_source=ReferralSource.NOT_KNOWN,
    living_where=LivingWhere.NOT_KNOWN,
    labour_status=LabourStatus.NOT_KNOWN,
)


def assess(
    session: Session, office: Office, data: services.AssessmentInput, now: datetime = NOW
) -> None:
    services.record_assessment(
        session, actor_id=office.worker.user.id, person=office.person, data=data, now=now
    )


def problems_of(session: Session, office: Office, data: services.AssessmentInput) -> FieldErrors:
    with pytest.raises(FieldErrors) as caught:
        assess(session, office, data)
    return caught.value


def test_an_assessment_keeps_every_answer(session: Session, office: Office) -> None:
    assess(session, office, HEROIN_SMOKED)
    (kept,) = services.assessments_of(session, office.person.id)
    assert kept.assessed_on == date(2026, 3, 2) and kept.by_id == office.worker.user.id
    for name in services.ANSWERS:
        assert getattr(kept, name) is getattr(HEROIN_SMOKED, name), name


def test_not_known_is_an_answer_and_nothing_is_left_empty(session: Session, office: Office) -> None:
    assess(session, office, ALL_NOT_KNOWN)  # both drugs "not known" are not "the same drug"
    empty = problems_of(session, office, services.AssessmentInput(assessed_on=None))
    assert set(empty) == {"assessed_on", *services.ANSWERS}
    assert all(empty.codes(name) == ["required"] for name in empty)
    assert len(services.assessments_of(session, office.person.id)) == 1


def test_dates_in_the_future_or_absurd_are_refused(session: Session, office: Office) -> None:
    for day, code in (
        (TODAY + timedelta(days=1), "date_future"),
        (date(1901, 1, 1), "date_too_old"),
    ):
        problems = problems_of(session, office, replace(HEROIN_SMOKED, assessed_on=day))
        assert problems.codes("assessed_on") == [code] and set(problems) == {"assessed_on"}


def test_alcohol_is_a_secondary_drug_only(session: Session, office: Office) -> None:
    problems = problems_of(
        session,
        office,
        replace(HEROIN_SMOKED, primary_drug=Drug.ALCOHOL, secondary_drug=Drug.CRACK),
    )
    assert problems.codes("primary_drug") == ["alcohol_primary"] and set(problems) == {
        "primary_drug"
    }
    assess(session, office, replace(HEROIN_SMOKED, secondary_drug=Drug.ALCOHOL))


def test_the_secondary_drug_differs_from_the_primary(session: Session, office: Office) -> None:
    problems = problems_of(session, office, replace(HEROIN_SMOKED, secondary_drug=Drug.HEROIN))
    assert problems.codes("secondary_drug") == ["secondary_same_as_primary"]
    # Another drug of the same family is another drug.
    assess(session, office, replace(HEROIN_SMOKED, secondary_drug=Drug.METHADONE))


def test_injecting_as_usual_route_means_having_injected(session: Session, office: Office) -> None:
    problems = problems_of(
        session, office, replace(HEROIN_SMOKED, route=Route.INJECT, injecting=Injecting.NEVER)
    )
    assert problems.codes("injecting") == ["injecting_never_but_route"]
    assess(
        session,
        office,
        replace(HEROIN_SMOKED, route=Route.INJECT, injecting=Injecting.LAST_30_DAYS),
    )


def test_assessments_over_time_newest_first_with_what_changed(
    session: Session, office: Office
) -> None:
    person_id = office.person.id
    assert services.latest_assessment(session, person_id) is None
    assess(session, office, HEROIN_SMOKED)
    later = replace(
        HEROIN_SMOKED,
        assessed_on=date(2026, 9, 1),
        substitution=Substitution.CURRENTLY,
        frequency=Frequency.WEEKLY_OR_LESS,
    )
    assess(session, office, later)
    # Entered last, yet dated in between: the history is in the order of the dates.
    between = replace(HEROIN_SMOKED, assessed_on=date(2026, 6, 1), living_where=LivingWhere.STABLE)
    assess(session, office, between)
    latest = services.latest_assessment(session, person_id)
    assert latest is not None and latest.assessed_on == date(2026, 9, 1)
    dates = [a.assessed_on for a in services.assessments_of(session, person_id)]
    assert dates == [date(2026, 9, 1), date(2026, 6, 1), date(2026, 3, 2)]
    page = services.assessment_history(session, person_id, page=1, per_page=20)
    assert [row.changed for row in page.items] == [
        {"substitution", "frequency", "living_where"},
        {"living_where"},
        set(),
    ]
    # Past one page: the last row of a page is compared with the first of the next.
    first = services.assessment_history(session, person_id, page=1, per_page=2)
    second = services.assessment_history(session, person_id, page=2, per_page=2)
    assert first.total == 3 and first.pages == 2 and first.has_next
    assert [r.assessment.assessed_on for r in first.items] == dates[:2]
    assert first.items[1].changed == {"living_where"}
    assert [r.assessment.assessed_on for r in second.items] == dates[2:]
    assert second.items[0].changed == set()


def test_an_assessment_is_a_contact_and_is_audited(session: Session, office: Office) -> None:
    person = office.person
    person.last_activity_at = NOW - timedelta(days=400)
    session.flush()
    assess(session, office, HEROIN_SMOKED)
    assert person.last_activity_at == NOW
    assess(session, office, HEROIN_SMOKED, now=NOW - timedelta(days=1))
    assert person.last_activity_at == NOW
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "profile.assessed")
    ).all()
    assert [(e.object_id, e.person_id) for e in events] == [(str(person.id), person.id)] * 2
