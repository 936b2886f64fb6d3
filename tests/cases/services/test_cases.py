"""Case files: one open case per person, workers, closure with a reason, reopening, caseload."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role
from centre.cases.models import (
    CaseEventKind,
    CaseFile,
    CaseStatus,
    ClosureReason,
    Goal,
    GoalStatus,
    LifeDomain,
    Referral,
    ReferralStatus,
    Urgency,
)
from centre.cases.services import cases as services
from centre.directory.models import Partner, PartnerKind
from centre.validation import ChangedSinceOpenedError, FieldErrors
from tests import factories
from tests.cases.conftest import Office


def opened(session: Session, office: Office, **kwargs: object) -> CaseFile:
    return services.open_case(
        session,
        actor_id=office.worker.user.id,
        person=office.person,
        key_worker_id=office.worker.user.id,
        **kwargs,  # type: ignore[arg-type]  # tests vary one keyword at a time
    )


def test_a_case_opens_once_per_person_and_is_audited(session: Session, office: Office) -> None:
    case_file = opened(session, office)
    assert case_file.status is CaseStatus.OPEN and case_file.is_open
    assert [e.kind for e in case_file.events] == [CaseEventKind.OPENED]
    with pytest.raises(FieldErrors) as twice:
        opened(session, office)
    assert twice.value.codes("case") == ["case_already_open"]
    session.commit()
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "case.opened")).one()
    assert (event.object_type, event.object_id) == ("case", str(case_file.id))
    assert event.person_id == office.person.id


def test_the_database_refuses_a_second_open_case(session: Session, office: Office) -> None:
    first = opened(session, office)
    session.add(
        CaseFile(
            person_id=office.person.id,
            status=CaseStatus.REOPENED,
            key_worker_id=first.key_worker_id,
            opened_on=first.opened_on,
            created_by_id=first.created_by_id,
        )
    )
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


def test_workers_must_be_active_social_workers_and_two_different_people(
    session: Session, office: Office, app: Flask
) -> None:
    desk = factories.user(session, app, role=Role.RECEPTION)
    with pytest.raises(FieldErrors) as wrong:
        services.open_case(
            session,
            actor_id=office.worker.user.id,
            person=office.person,
            key_worker_id=desk.id,
            second_worker_id=desk.id,
            opened_on=date.today() + timedelta(days=3),  # noqa: DTZ011 - a future day
        )
    assert wrong.value.codes("key_worker") == ["worker_invalid"]
    assert wrong.value.codes("second_worker") == ["worker_invalid", "worker_twice"]
    assert wrong.value.codes("opened_on") == ["date_future"]
    with pytest.raises(FieldErrors) as missing:
        services.open_case(
            session, actor_id=office.worker.user.id, person=office.person, key_worker_id=None
        )
    assert missing.value.codes("key_worker") == ["required"]


def test_closing_needs_a_reason_and_a_date_not_before_the_opening(
    session: Session, office: Office
) -> None:
    case_file = opened(session, office, opened_on=date(2026, 1, 10))
    with pytest.raises(FieldErrors) as early:
        services.close_case(
            session,
            actor_id=office.worker.user.id,
            case_file=case_file,
            closed_on=date(2026, 1, 9),
            reason=None,
            version=case_file.version,
        )
    assert early.value.codes("closed_on") == ["closed_before_opened"]
    assert early.value.codes("reason") == ["required"]
    services.close_case(
        session,
        actor_id=office.worker.user.id,
        case_file=case_file,
        closed_on=date(2026, 2, 1),
        reason=ClosureReason.GOALS_REACHED,
        version=case_file.version,
    )
    assert case_file.status is CaseStatus.CLOSED and not case_file.is_open
    with pytest.raises(FieldErrors) as again:
        services.close_case(
            session,
            actor_id=office.worker.user.id,
            case_file=case_file,
            closed_on=date(2026, 2, 2),
            reason=ClosureReason.OTHER,
            version=case_file.version,
        )
    assert again.value.codes("case") == ["case_closed"]


def test_reopening_keeps_the_history_and_waits_for_no_other_open_case(
    session: Session, office: Office
) -> None:
    old = opened(session, office, opened_on=date(2026, 1, 10))
    services.close_case(
        session,
        actor_id=office.worker.user.id,
        case_file=old,
        closed_on=date(2026, 2, 1),
        reason=ClosureReason.LOST_CONTACT,
        version=old.version,
    )
    newer = opened(session, office)
    with pytest.raises(FieldErrors) as busy:
        services.reopen_case(
            session, actor_id=office.worker.user.id, case_file=old, version=old.version
        )
    assert busy.value.codes("case") == ["case_already_open"]
    services.close_case(
        session,
        actor_id=office.worker.user.id,
        case_file=newer,
        closed_on=newer.opened_on,
        reason=ClosureReason.OTHER,
        version=newer.version,
    )
    services.reopen_case(
        session, actor_id=office.worker.user.id, case_file=old, version=old.version
    )
    assert old.status is CaseStatus.REOPENED and old.closed_on is None
    assert [e.kind for e in old.events] == [
        CaseEventKind.OPENED,
        CaseEventKind.CLOSED,
        CaseEventKind.REOPENED,
    ]
    assert old.events[1].closure_reason is ClosureReason.LOST_CONTACT


def test_a_stale_version_is_refused(session: Session, office: Office) -> None:
    case_file = opened(session, office)
    session.commit()
    seen = case_file.version
    services.change_workers(
        session,
        actor_id=office.worker.user.id,
        case_file=case_file,
        key_worker_id=office.colleague.id,
        second_worker_id=office.worker.user.id,
        version=seen,
    )
    session.commit()
    with pytest.raises(ChangedSinceOpenedError):
        services.change_workers(
            session,
            actor_id=office.worker.user.id,
            case_file=case_file,
            key_worker_id=office.worker.user.id,
            second_worker_id=None,
            version=seen,
        )


def test_the_caseload_lists_open_cases_with_what_is_due(session: Session, office: Office) -> None:
    worker = office.worker.user.id
    today = date(2026, 11, 29)
    mine = opened(session, office)
    second = factories.person(session, actor_id=worker)
    as_second = services.open_case(
        session,
        actor_id=worker,
        person=second,
        key_worker_id=office.colleague.id,
        second_worker_id=worker,
    )
    theirs = factories.person(session, actor_id=worker)
    services.open_case(session, actor_id=worker, person=theirs, key_worker_id=office.colleague.id)
    mine.goals.append(
        Goal(
            domain=LifeDomain.HEALTH,
            title="GP",
            status=GoalStatus.IN_PROGRESS,
            agreed_on=date(2026, 10, 1),
            next_review_on=date(2026, 11, 1),
            created_by_id=worker,
        )
    )
    partner = Partner(name="Hospital", kind=PartnerKind.HOSPITAL)
    session.add(partner)
    session.flush()
    for status, follow_up in (
        (ReferralStatus.SENT, date(2026, 12, 5)),
        (ReferralStatus.CLOSED, date(2026, 11, 2)),
    ):
        session.add(
            Referral(
                person_id=second.id,
                partner_id=partner.id,
                help=PartnerKind.HOSPITAL,
                referred_on=date(2026, 11, 1),
                urgency=Urgency.ROUTINE,
                worker_id=worker,
                status=status,
                follow_up_on=follow_up,
            )
        )
    session.flush()
    for order in services.CaseloadOrder:
        rows = services.caseload_rows(
            session.execute(services.caseload_query(worker, today, order)).all()
        )
        assert {row.case_id for row in rows} == {mine.id, as_second.id}, order
    rows = services.caseload_rows(
        session.execute(
            services.caseload_query(worker, today, services.CaseloadOrder.FOLLOW_UP)
        ).all()
    )
    first, then = rows
    assert first.case_id == as_second.id and first.next_follow_up == date(2026, 12, 5)
    assert not first.is_key_worker and first.overdue_reviews == 0
    assert then.case_id == mine.id and then.next_follow_up is None
    assert then.overdue_reviews == 1 and then.is_key_worker
    assert then.last_contact is not None
    overdue_first = services.caseload_rows(
        session.execute(
            services.caseload_query(worker, today, services.CaseloadOrder.OVERDUE)
        ).all()
    )
    assert overdue_first[0].case_id == mine.id
