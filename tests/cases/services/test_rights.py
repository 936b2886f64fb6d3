"""Rights and health insurance: statuses kept over time, a re-affiliation in its order, the
count of re-affiliations for managers, each recording a contact."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.cases.models import InsuranceStatus, ReaffiliationStep
from centre.cases.services import rights as services
from centre.people.models import Person
from centre.validation import FieldErrors
from tests import factories
from tests.cases.conftest import Office

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
TODAY = date(2026, 11, 20)

GATHERED = ReaffiliationStep.DOCUMENTS_GATHERED
FILED = ReaffiliationStep.REQUEST_FILED
AFFILIATED = ReaffiliationStep.AFFILIATED
REFUSED = ReaffiliationStep.REFUSED


def status(
    session: Session, office: Office, value: InsuranceStatus, on: date, now: datetime = NOW
) -> None:
    services.record_insurance(
        session,
        actor_id=office.worker.user.id,
        person=office.person,
        data=services.InsuranceInput(status=value, recorded_on=on),
        now=now,
    )


def step(
    session: Session, office: Office, value: ReaffiliationStep | None, on: date | None
) -> None:
    services.add_step(
        session,
        actor_id=office.worker.user.id,
        person=office.person,
        data=services.StepInput(step=value, on=on),
        now=NOW,
    )


def refused(
    session: Session, office: Office, value: ReaffiliationStep | None, on: date
) -> FieldErrors:
    with pytest.raises(FieldErrors) as caught:
        step(session, office, value, on)
    return caught.value


def test_each_status_is_kept_and_the_latest_is_current(session: Session, office: Office) -> None:
    person_id = office.person.id
    assert services.current_insurance(session, person_id) is None
    status(session, office, InsuranceStatus.NOT_IN_ORDER, date(2026, 3, 1))
    status(session, office, InsuranceStatus.URGENT_MEDICAL_AID, date(2026, 6, 1))
    # Filled in late, for the history: dated before the current status, it does not replace it.
    status(session, office, InsuranceStatus.IRREGULAR_STAY, date(2026, 1, 10))
    current = services.current_insurance(session, person_id)
    assert current is not None and current.status is InsuranceStatus.URGENT_MEDICAL_AID
    assert [r.status for r in services.insurance_history(session, person_id)] == [
        InsuranceStatus.URGENT_MEDICAL_AID,
        InsuranceStatus.NOT_IN_ORDER,
        InsuranceStatus.IRREGULAR_STAY,
    ]
    # Two on one day: the one entered last is the current one.
    status(session, office, InsuranceStatus.INSURED, date(2026, 6, 1))
    current = services.current_insurance(session, person_id)
    assert current is not None and current.status is InsuranceStatus.INSURED


def test_a_status_needs_a_choice_and_a_real_date(session: Session, office: Office) -> None:
    for recorded_on, code in (
        (None, "required"),
        (TODAY + timedelta(days=1), "date_future"),
        (date(1999, 12, 31), "date_too_old"),
    ):
        with pytest.raises(FieldErrors) as caught:
            services.record_insurance(
                session,
                actor_id=office.worker.user.id,
                person=office.person,
                data=services.InsuranceInput(status=None, recorded_on=recorded_on),
                now=NOW,
            )
        assert caught.value.codes("status") == ["required"]
        assert caught.value.codes("recorded_on") == [code]
    assert services.insurance_history(session, office.person.id) == []


def test_a_reaffiliation_goes_step_by_step_and_may_start_again(
    session: Session, office: Office
) -> None:
    assert services.next_steps(None) == (GATHERED, FILED)
    step(session, office, GATHERED, date(2026, 9, 1))
    step(session, office, FILED, date(2026, 9, 10))
    step(session, office, REFUSED, date(2026, 10, 1))
    # After a decision a new pathway starts, here straight with the request.
    step(session, office, FILED, date(2026, 10, 5))
    step(session, office, AFFILIATED, date(2026, 11, 2))
    pathway = services.pathway_of(session, office.person.id)
    assert [s.step for s in pathway] == [GATHERED, FILED, REFUSED, FILED, AFFILIATED]
    assert [s.step for s in services.last_steps(session, office.person.id, 2)] == [
        AFFILIATED,
        FILED,
    ]
    assert services.next_steps(pathway[-1]) == (GATHERED, FILED)
    assert services.next_steps(pathway[0]) == (FILED,)
    assert services.next_steps(pathway[1]) == (AFFILIATED, REFUSED)


def test_steps_out_of_order_are_refused_with_the_reason(session: Session, office: Office) -> None:
    assert refused(session, office, AFFILIATED, TODAY).codes("step") == [
        "reaffiliation_decision_without_request"
    ]
    step(session, office, GATHERED, date(2026, 9, 1))
    assert refused(session, office, GATHERED, TODAY).codes("step") == [
        "reaffiliation_documents_again"
    ]
    assert refused(session, office, REFUSED, TODAY).codes("step") == [
        "reaffiliation_decision_without_request"
    ]
    step(session, office, FILED, date(2026, 9, 10))
    for again in (FILED, GATHERED):
        assert refused(session, office, again, TODAY).codes("step") == [
            "reaffiliation_request_pending"
        ]
    assert [s.step for s in services.pathway_of(session, office.person.id)] == [GATHERED, FILED]


def test_a_step_is_dated_in_the_past_and_not_before_the_last(
    session: Session, office: Office
) -> None:
    assert refused(session, office, None, TODAY + timedelta(days=1)).problems.keys() == {
        "step",
        "on",
    }
    assert refused(session, office, GATHERED, TODAY + timedelta(days=1)).codes("on") == [
        "date_future"
    ]
    assert refused(session, office, GATHERED, date(1970, 1, 1)).codes("on") == ["date_too_old"]
    step(session, office, GATHERED, date(2026, 9, 1))
    assert refused(session, office, FILED, date(2026, 8, 31)).codes("on") == [
        "reaffiliation_before_last"
    ]
    step(session, office, FILED, date(2026, 9, 1))  # the same day is fine


def test_an_affiliation_records_the_person_as_insured(session: Session, office: Office) -> None:
    status(session, office, InsuranceStatus.NOT_IN_ORDER, date(2026, 9, 1))
    step(session, office, FILED, date(2026, 9, 2))
    step(session, office, AFFILIATED, date(2026, 10, 15))
    current = services.current_insurance(session, office.person.id)
    assert current is not None and current.status is InsuranceStatus.INSURED
    assert current.recorded_on == date(2026, 10, 15)
    # Insured already: no second record.
    step(session, office, FILED, date(2026, 10, 20))
    step(session, office, AFFILIATED, date(2026, 10, 21))
    assert len(services.insurance_history(session, office.person.id)) == 2


def test_recording_rights_is_a_contact_and_is_audited(session: Session, office: Office) -> None:
    person = office.person
    person.last_activity_at = NOW - timedelta(days=400)
    session.flush()
    status(session, office, InsuranceStatus.UNKNOWN, TODAY)
    assert person.last_activity_at == NOW
    later = NOW + timedelta(hours=1)
    services.add_step(
        session,
        actor_id=office.worker.user.id,
        person=person,
        data=services.StepInput(step=GATHERED, on=TODAY),
        now=later,
    )
    assert person.last_activity_at == later
    # An entry made with an earlier clock never moves the last contact back.
    status(session, office, InsuranceStatus.UNKNOWN, TODAY, now=NOW)
    assert person.last_activity_at == later
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("rights.%")).order_by(AuditEvent.seq)
    ).all()
    assert [e.action for e in events] == [
        "rights.insurance_recorded",
        "rights.reaffiliation_step",
        "rights.insurance_recorded",
    ]
    assert {(e.object_id, e.person_id) for e in events} == {(str(person.id), person.id)}


def test_managers_count_the_persons_affiliated_in_a_period(
    session: Session, office: Office
) -> None:
    actor = office.worker.user.id
    other = factories.person(session, actor_id=actor)
    third = factories.person(session, actor_id=actor)

    def pathway(person_id: int, *steps: tuple[ReaffiliationStep, date]) -> None:
        person = session.get_one(Person, person_id)
        for value, on in steps:
            services.add_step(
                session,
                actor_id=actor,
                person=person,
                data=services.StepInput(step=value, on=on),
                now=NOW,
            )

    # Affiliated twice in the period: one person.
    pathway(
        office.person.id,
        (FILED, date(2026, 1, 5)),
        (AFFILIATED, date(2026, 2, 1)),
        (FILED, date(2026, 5, 1)),
        (AFFILIATED, date(2026, 6, 30)),
    )
    # Refused, then affiliated the day after the period.
    pathway(other.id, (FILED, date(2026, 3, 1)), (REFUSED, date(2026, 4, 1)))
    pathway(other.id, (FILED, date(2026, 4, 2)), (AFFILIATED, date(2026, 7, 1)))
    # A pending request counts for nothing.
    pathway(third.id, (GATHERED, date(2026, 2, 1)), (FILED, date(2026, 2, 2)))
    count = services.reaffiliations_count
    assert count(session, date(2026, 1, 1), date(2026, 6, 30)) == 1
    assert count(session, date(2026, 1, 1), date(2026, 7, 1)) == 2
    assert count(session, date(2026, 7, 1), date(2026, 7, 1)) == 1
    assert count(session, date(2026, 8, 1), date(2026, 12, 31)) == 0
