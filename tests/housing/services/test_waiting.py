"""Waiting lists: applying (one pending application per person and programme), the computed
order and places, the workflow of statuses, dated history, priorities, stale versions, and
admitting (a stay and the acceptance in one step, or nothing at all)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role, User
from centre.housing.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    OverrideReason,
    Priority,
    Programme,
    ProgrammeType,
    Stay,
)
from centre.housing.services import stays as stay_services
from centre.housing.services import waiting as services
from centre.people.models import Person
from centre.validation import ChangedSinceOpenedError, FieldErrors
from tests import factories
from tests.cases.services.test_referrals import a_partner
from tests.housing.conftest import programme, stay

S = ApplicationStatus
TODAY = date(2026, 3, 10)
APPLIED = date(2026, 2, 1)


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user(Role.SOCIAL_WORKER)


@pytest.fixture
def person(session: Session, worker: User) -> Person:
    return factories.person(session, actor_id=worker.id)


@pytest.fixture
def transit(session: Session) -> Programme:
    return programme(session, name="Transit Home", type=ProgrammeType.TRANSIT_HOME, beds=2)


def apply(
    session: Session, worker: User, person: Person, prog: Programme | None, **overrides: Any
) -> Application:
    values: dict[str, Any] = {
        "applied_on": APPLIED,
        "worker_id": worker.id,
        "priority": Priority.NORMAL,
        "today": TODAY,
        **overrides,
    }
    return services.apply(session, actor_id=worker.id, person=person, programme=prog, **values)


def in_status(session: Session, application: Application, status: ApplicationStatus) -> None:
    """Put an application in `status` straight in the table (to test each transition)."""
    application.status = status
    session.flush()


def move(
    session: Session,
    worker: User,
    application: Application,
    status: ApplicationStatus | None,
    **overrides: Any,
) -> None:
    values: dict[str, Any] = {
        "on": TODAY,
        "version": application.version,
        "today": TODAY,
        **overrides,
    }
    services.change_status(
        session, actor_id=worker.id, application=application, status=status, **values
    )


def admit(session: Session, worker: User, application: Application, **overrides: Any) -> Stay:
    values: dict[str, Any] = {
        "entry_on": TODAY,
        "today": TODAY,
        "version": application.version,
        **overrides,
    }
    return services.admit(session, actor_id=worker.id, application=application, **values)


def count(session: Session, model: type[Any]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- applying ---------------------------------------------------------------------------------


def test_an_application_waits_from_its_date_with_its_first_event_audited(
    session: Session, worker: User, person: Person, transit: Programme
) -> None:
    made = apply(session, worker, person, transit, priority=Priority.HIGH)
    assert (made.status, made.status_on, made.priority) == (S.WAITING, APPLIED, Priority.HIGH)
    assert [(e.status, e.priority, e.on, e.by_id) for e in made.events] == [
        (S.WAITING, Priority.HIGH, APPLIED, worker.id)
    ]
    audited = session.scalar(
        select(AuditEvent.object_id).where(AuditEvent.action == "housing_application.made")
    )
    assert audited == str(made.id)
    assert services.applications_of(session, person.id) == [made]


def test_every_mistake_of_an_application_is_told_at_once(
    session: Session, app: Flask, worker: User, person: Person
) -> None:
    receptionist = factories.user(session, app, role=Role.RECEPTION)
    with pytest.raises(FieldErrors) as problems:
        apply(
            session,
            worker,
            person,
            None,
            applied_on=TODAY + timedelta(days=1),
            worker_id=receptionist.id,
            priority=None,
        )
    found = problems.value
    assert found.codes("programme") == ["required"]
    assert found.codes("applied_on") == ["date_future"]
    assert found.codes("worker") == ["worker_invalid"]
    assert found.codes("priority") == ["required"]


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"applied_on": date(1999, 12, 31)}, "applied_on", "date_too_old"),
        ({"applied_on": None}, "applied_on", "required"),
        ({"worker_id": None}, "worker", "required"),
        ({"worker_id": 2_000_000}, "worker", "worker_invalid"),
    ],
)
def test_dates_and_workers_are_checked(
    session: Session,
    worker: User,
    person: Person,
    transit: Programme,
    change: dict[str, Any],
    field: str,
    code: str,
) -> None:
    with pytest.raises(FieldErrors) as problems:
        apply(session, worker, person, transit, **change)
    assert problems.value.codes(field) == [code]


def test_an_inactive_worker_cannot_follow_an_application(
    session: Session, app: Flask, worker: User, person: Person, transit: Programme
) -> None:
    gone = factories.user(session, app, role=Role.SOCIAL_WORKER, active=False)
    with pytest.raises(FieldErrors) as problems:
        apply(session, worker, person, transit, worker_id=gone.id)
    assert problems.value.codes("worker") == ["worker_invalid"]


def test_closed_programmes_and_shelters_take_no_application(
    session: Session, worker: User, person: Person
) -> None:
    closed = programme(session, name="Old home", type=ProgrammeType.TRANSIT_HOME, active=False)
    shelter = programme(session, name="Night", type=ProgrammeType.NIGHT_SHELTER)
    with pytest.raises(FieldErrors) as inactive:
        apply(session, worker, person, closed)
    assert inactive.value.codes("programme") == ["programme_inactive"]
    with pytest.raises(FieldErrors) as no_list:
        apply(session, worker, person, shelter)
    assert no_list.value.codes("programme") == ["programme_without_list"]
    assert services.programmes_with_lists(session) == []


def test_one_pending_application_per_person_and_programme(
    session: Session, worker: User, person: Person, transit: Programme
) -> None:
    first = apply(session, worker, person, transit)
    with pytest.raises(FieldErrors) as again:
        apply(session, worker, person, transit)
    assert again.value.codes("programme") == ["application_pending"]
    # Another programme, or the same once the first is closed, is a new application.
    other = programme(session, name="Housing First", type=ProgrammeType.HOUSING_FIRST)
    apply(session, worker, person, other)
    move(session, worker, first, S.WITHDRAWN)
    assert apply(session, worker, person, transit).status is S.WAITING


def test_two_terminals_applying_at_once_one_wins_and_the_other_is_told(
    session: Session,
    worker: User,
    person: Person,
    transit: Programme,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = apply(session, worker, person, transit)
    # The second terminal checked before the first saved: only the database's index is left.
    monkeypatch.setattr(services, "_has_pending", lambda *_args: False)
    with pytest.raises(FieldErrors) as clash:
        apply(session, worker, person, transit)
    assert clash.value.codes("programme") == ["application_pending"]
    # A savepoint took the refused row back: the session goes on, the first one stands.
    session.commit()
    assert session.scalars(select(Application)).all() == [first]


# --- the order and the places -----------------------------------------------------------------


def test_urgent_before_high_before_normal_then_the_earliest_date(
    session: Session, worker: User, transit: Programme
) -> None:
    def applicant(priority: Priority, applied_on: date) -> Application:
        someone = factories.person(session, actor_id=worker.id)
        return apply(session, worker, someone, transit, priority=priority, applied_on=applied_on)

    normal_early = applicant(Priority.NORMAL, date(2026, 1, 2))
    urgent_late = applicant(Priority.URGENT, date(2026, 3, 1))
    high = applicant(Priority.HIGH, date(2026, 2, 1))
    urgent_early = applicant(Priority.URGENT, date(2026, 1, 5))
    normal_same_day = applicant(Priority.NORMAL, date(2026, 1, 2))  # the id breaks the tie
    page = services.waiting_list(session, transit.id, 1)
    assert [e.application for e in page.items] == [
        urgent_early,
        urgent_late,
        high,
        normal_early,
        normal_same_day,
    ]
    assert [e.position for e in page.items] == [1, 2, 3, 4, 5]
    assert [services.position_of(session, e.application) for e in page.items] == [1, 2, 3, 4, 5]
    assert all(e.code for e in page.items)


def test_offered_applications_keep_their_place_closed_ones_leave_the_list(
    session: Session, worker: User, transit: Programme
) -> None:
    people = [factories.person(session, actor_id=worker.id) for _ in range(3)]
    made = [
        apply(session, worker, p, transit, applied_on=APPLIED + timedelta(days=i))
        for i, p in enumerate(people)
    ]
    move(session, worker, made[1], S.OFFERED)
    move(session, worker, made[0], S.WITHDRAWN)
    page = services.waiting_list(session, transit.id, 1)
    assert [(e.application, e.position) for e in page.items] == [(made[1], 1), (made[2], 2)]
    assert services.position_of(session, made[0]) is None
    assert [(s.programme, s.waiting, s.offered) for s in services.summaries(session)] == [
        (transit, 1, 1)
    ]


def test_places_run_on_across_pages_and_other_lists_stay_apart(
    session: Session, worker: User, transit: Programme
) -> None:
    other = programme(session, name="Housing First", type=ProgrammeType.HOUSING_FIRST)
    made = []
    for day in range(5):
        someone = factories.person(session, actor_id=worker.id)
        made.append(apply(session, worker, someone, transit, applied_on=APPLIED + timedelta(day)))
        apply(session, worker, someone, other)
    second = services.waiting_list(session, transit.id, 2, per_page=2)
    assert (second.number, second.pages, second.total) == (2, 3, 5)
    assert [(e.application, e.position) for e in second.items] == [(made[2], 3), (made[3], 4)]
    last = services.waiting_list(session, transit.id, 9, per_page=2)
    assert [(e.application, e.position) for e in last.items] == [(made[4], 5)]
    assert services.waiting_list(session, 2_000_000, 1).items == []


def test_a_person_s_applications_newest_first(
    session: Session, worker: User, person: Person, transit: Programme
) -> None:
    other = programme(session, name="Housing First", type=ProgrammeType.HOUSING_FIRST)
    older = apply(session, worker, person, transit, applied_on=date(2025, 6, 1))
    newer = apply(session, worker, person, other)
    assert services.applications_of(session, person.id) == [newer, older]


# --- the workflow -----------------------------------------------------------------------------

ALLOWED = {
    (S.WAITING, S.OFFERED),
    (S.WAITING, S.DECLINED),
    (S.WAITING, S.REFUSED),
    (S.WAITING, S.WITHDRAWN),
    (S.OFFERED, S.WAITING),
    (S.OFFERED, S.DECLINED),
    (S.OFFERED, S.REFUSED),
    (S.OFFERED, S.WITHDRAWN),
}


@pytest.mark.parametrize("current", list(S), ids=lambda s: s.value)
@pytest.mark.parametrize("target", list(S), ids=lambda s: s.value)
def test_each_transition_allowed_or_refused(
    session: Session,
    worker: User,
    person: Person,
    transit: Programme,
    current: ApplicationStatus,
    target: ApplicationStatus,
) -> None:
    made = apply(session, worker, person, transit)
    in_status(session, made, current)
    if (current, target) in ALLOWED:
        move(session, worker, made, target)
        assert (made.status, made.status_on) == (target, TODAY)
        assert [e.status for e in made.events][-1] is target
        return
    events = len(made.events)
    with pytest.raises(FieldErrors) as refused:
        move(session, worker, made, target)
    expected = "application_final" if current in services.FINAL else "application_status_jump"
    assert refused.value.codes("status") == [expected]
    assert made.status is current and len(made.events) == events


def test_each_change_is_dated_in_the_history(
    session: Session, worker: User, person: Person, transit: Programme
) -> None:
    made = apply(session, worker, person, transit)
    move(session, worker, made, S.OFFERED, on=date(2026, 2, 10))
    move(session, worker, made, S.WAITING, on=date(2026, 2, 20))  # the offer lapsed
    move(session, worker, made, S.DECLINED, on=date(2026, 3, 1))
    session.commit()
    history = session.execute(
        select(ApplicationEvent.status, ApplicationEvent.on)
        .where(ApplicationEvent.application_id == made.id)
        .order_by(ApplicationEvent.id)
    ).all()
    assert [tuple(row) for row in history] == [
        (S.WAITING, APPLIED),
        (S.OFFERED, date(2026, 2, 10)),
        (S.WAITING, date(2026, 2, 20)),
        (S.DECLINED, date(2026, 3, 1)),
    ]
    updates = session.scalar(
        select(func.count()).where(AuditEvent.action == "housing_application.updated")
    )
    assert updates == 3


@pytest.mark.parametrize(
    ("on", "code"),
    [
        (None, "required"),
        (TODAY + timedelta(days=1), "date_future"),
        (date(1999, 1, 1), "date_too_old"),
        (APPLIED - timedelta(days=1), "before_application"),
        (date(2026, 2, 14), "before_last_change"),
    ],
)
def test_a_change_is_dated_neither_ahead_nor_before_the_last(
    session: Session,
    worker: User,
    person: Person,
    transit: Programme,
    on: date | None,
    code: str,
) -> None:
    made = apply(session, worker, person, transit)
    move(session, worker, made, S.OFFERED, on=date(2026, 2, 15))
    with pytest.raises(FieldErrors) as problems:
        move(session, worker, made, S.DECLINED, on=on)
    assert problems.value.codes("on") == [code]


def test_no_status_chosen_is_told(
    session: Session, worker: User, person: Person, transit: Programme
) -> None:
    made = apply(session, worker, person, transit)
    with pytest.raises(FieldErrors) as problems:
        move(session, worker, made, None)
    assert problems.value.codes("status") == ["required"]


def test_a_stale_version_is_refused_and_nothing_changes(
    session: Session, worker: User, person: Person, transit: Programme
) -> None:
    made = apply(session, worker, person, transit)
    opened_on = made.version
    move(session, worker, made, S.OFFERED)  # a colleague, first
    with pytest.raises(ChangedSinceOpenedError):
        move(session, worker, made, S.DECLINED, version=opened_on)
    with pytest.raises(ChangedSinceOpenedError):
        services.change_priority(
            session,
            actor_id=worker.id,
            application=made,
            priority=Priority.URGENT,
            version=opened_on,
            today=TODAY,
        )
    with pytest.raises(ChangedSinceOpenedError):
        admit(session, worker, made, version=opened_on)
    assert (made.status, made.priority) == (S.OFFERED, Priority.NORMAL)
    assert count(session, Stay) == 0


def test_a_save_made_in_between_is_refused_by_the_update_itself(
    session: Session, app: Flask, worker: User, person: Person, transit: Programme
) -> None:
    made = apply(session, worker, person, transit)
    session.commit()
    # A colleague's request saves between this one's check and its write.
    with app.extensions["centre.db"].new_session() as colleague:
        theirs = colleague.get(Application, made.id)
        assert theirs is not None
        move(colleague, worker, theirs, S.REFUSED)
        colleague.commit()
    with pytest.raises(ChangedSinceOpenedError):
        move(session, worker, made, S.OFFERED)


# --- priority ---------------------------------------------------------------------------------


def test_a_new_priority_is_evented_and_moves_the_person_up(
    session: Session, worker: User, transit: Programme
) -> None:
    first = apply(session, worker, factories.person(session, actor_id=worker.id), transit)
    second = apply(session, worker, factories.person(session, actor_id=worker.id), transit)
    assert services.position_of(session, second) == 2
    changed = services.change_priority(
        session,
        actor_id=worker.id,
        application=second,
        priority=Priority.URGENT,
        version=second.version,
        today=TODAY,
    )
    assert changed
    assert [(e.status, e.priority, e.on) for e in second.events][-1] == (
        S.WAITING,
        Priority.URGENT,
        TODAY,
    )
    assert [e.application for e in services.waiting_list(session, transit.id, 1).items] == [
        second,
        first,
    ]
    unchanged = services.change_priority(
        session,
        actor_id=worker.id,
        application=second,
        priority=Priority.URGENT,
        version=second.version,
        today=TODAY,
    )
    assert not unchanged and len(second.events) == 2


def test_a_closed_application_keeps_its_priority(
    session: Session, worker: User, person: Person, transit: Programme
) -> None:
    made = apply(session, worker, person, transit)
    move(session, worker, made, S.WITHDRAWN)
    for priority in (Priority.URGENT, None):
        with pytest.raises(FieldErrors) as problems:
            services.change_priority(
                session,
                actor_id=worker.id,
                application=made,
                priority=priority,
                version=made.version,
                today=TODAY,
            )
        assert problems.value.codes("priority") == ["application_final"]
    open_one = apply(session, worker, person, transit)
    with pytest.raises(FieldErrors) as missing:
        services.change_priority(
            session,
            actor_id=worker.id,
            application=open_one,
            priority=None,
            version=open_one.version,
            today=TODAY,
        )
    assert missing.value.codes("priority") == ["required"]


# --- admitting --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.WAITING, S.OFFERED], ids=lambda s: s.value)
def test_admitting_enters_the_stay_and_accepts_in_one_step(
    session: Session,
    worker: User,
    person: Person,
    transit: Programme,
    status: ApplicationStatus,
) -> None:
    made = apply(session, worker, person, transit)
    if status is S.OFFERED:
        move(session, worker, made, S.OFFERED, on=date(2026, 3, 1))
    second_bed = transit.beds[1]
    entered = admit(session, worker, made, bed_id=second_bed.id)
    session.commit()
    assert (entered.person_id, entered.programme_id, entered.bed_id) == (
        person.id,
        transit.id,
        second_bed.id,
    )
    assert entered.entry_on == TODAY
    assert (made.status, made.status_on, made.stay_id) == (S.ACCEPTED, TODAY, entered.id)
    assert [e.status for e in made.events][-1] is S.ACCEPTED
    assert services.stay_of(session, made) == entered
    assert services.waiting_list(session, transit.id, 1).items == []
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    assert actions[-2:] == ["stay.entered", "housing_application.updated"]


def test_a_partner_s_programme_admits_without_a_bed(
    session: Session, worker: User, person: Person
) -> None:
    partner = a_partner(session, "Home partner")
    housing_first = programme(
        session,
        name="Housing First",
        type=ProgrammeType.HOUSING_FIRST,
        partner_id=partner.id,
        capacity=2,
    )
    made = apply(session, worker, person, housing_first)
    entered = admit(session, worker, made, move_in_on=None)
    assert entered.bed_id is None and made.status is S.ACCEPTED


def assert_unchanged(session: Session, made: Application, stays_before: int) -> None:
    session.commit()  # whatever the service left in the session would land now
    session.expire_all()
    assert (made.status, made.stay_id, len(made.events)) == (S.WAITING, None, 1)
    assert count(session, Stay) == stays_before


def test_a_full_programme_admits_nobody_and_nothing_changes(
    session: Session, worker: User, person: Person
) -> None:
    small = programme(session, name="Small home", type=ProgrammeType.TRANSIT_HOME, beds=1)
    other = factories.person(session, actor_id=worker.id)
    stay(
        session,
        person_id=other.id,
        programme=small,
        actor_id=worker.id,
        entry_on=APPLIED,
        bed=small.beds[0],
    )
    made = apply(session, worker, person, small)
    with pytest.raises(FieldErrors) as full:
        admit(session, worker, made)
    assert full.value.codes("bed") == ["programme_full"]
    assert_unchanged(session, made, 1)


def test_a_full_partner_programme_admits_nobody(
    session: Session, worker: User, person: Person
) -> None:
    partner = a_partner(session, "Full partner")
    rental = programme(
        session,
        name="Rental agency",
        type=ProgrammeType.SOCIAL_RENTAL_AGENCY,
        partner_id=partner.id,
        capacity=1,
    )
    other = factories.person(session, actor_id=worker.id)
    stay(session, person_id=other.id, programme=rental, actor_id=worker.id, entry_on=APPLIED)
    made = apply(session, worker, person, rental)
    with pytest.raises(FieldErrors) as full:
        admit(session, worker, made)
    assert full.value.codes("programme") == ["programme_full"]
    assert_unchanged(session, made, 1)


def test_a_person_already_in_a_stay_is_not_admitted(
    session: Session, worker: User, person: Person, transit: Programme
) -> None:
    shelter = programme(session, name="Night", type=ProgrammeType.NIGHT_SHELTER)
    stay(
        session,
        person_id=person.id,
        programme=shelter,
        actor_id=worker.id,
        entry_on=APPLIED,
        bed=shelter.beds[0],
    )
    made = apply(session, worker, person, transit)
    with pytest.raises(FieldErrors) as elsewhere:
        admit(session, worker, made)
    assert elsewhere.value.codes("code") == ["person_has_stay"]
    assert_unchanged(session, made, 1)


def test_a_bed_taken_on_another_terminal_meanwhile_changes_nothing(
    session: Session,
    worker: User,
    person: Person,
    transit: Programme,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = factories.person(session, actor_id=worker.id)
    bed = transit.beds[0]
    stay(
        session, person_id=other.id, programme=transit, actor_id=worker.id, entry_on=TODAY, bed=bed
    )
    made = apply(session, worker, person, transit)
    # The page was read before the other terminal gave the bed: only the database knows.
    monkeypatch.setattr(stay_services, "free_beds", lambda _s, prog, _n: list(prog.beds))
    with pytest.raises(stay_services.BedTakenError):
        admit(session, worker, made, bed_id=bed.id)
    assert_unchanged(session, made, 1)


def test_past_the_maximum_stay_an_override_reason_is_needed(
    session: Session, worker: User, person: Person
) -> None:
    short = programme(
        session, name="Short stay", type=ProgrammeType.TRANSIT_HOME, beds=2, max_nights=2
    )
    stay(
        session,
        person_id=person.id,
        programme=short,
        actor_id=worker.id,
        entry_on=TODAY - timedelta(days=2),
        exit_on=TODAY,
    )
    made = apply(session, worker, person, short)
    with pytest.raises(stay_services.MaxStayReachedError) as reached:
        admit(session, worker, made)
    assert (reached.value.nights_used, reached.value.max_nights) == (2, 2)
    assert_unchanged(session, made, 1)
    entered = admit(session, worker, made, override_reason=OverrideReason.HEALTH)
    assert entered.override_reason is OverrideReason.HEALTH and made.status is S.ACCEPTED


@pytest.mark.parametrize(
    ("entry_on", "field", "code"),
    [
        (APPLIED - timedelta(days=1), "entry_on", "before_application"),
        (TODAY + timedelta(days=1), "entry_on", "date_future"),
        (None, "entry_on", "required"),
    ],
)
def test_the_entry_date_is_checked(
    session: Session,
    worker: User,
    person: Person,
    transit: Programme,
    entry_on: date | None,
    field: str,
    code: str,
) -> None:
    made = apply(session, worker, person, transit)
    with pytest.raises(FieldErrors) as problems:
        admit(session, worker, made, entry_on=entry_on)
    assert problems.value.codes(field) == [code]
    assert_unchanged(session, made, 0)


def test_an_entry_before_the_offer_is_refused(
    session: Session, worker: User, person: Person, transit: Programme
) -> None:
    made = apply(session, worker, person, transit)
    move(session, worker, made, S.OFFERED, on=date(2026, 3, 5))
    with pytest.raises(FieldErrors) as problems:
        admit(session, worker, made, entry_on=date(2026, 3, 4))
    assert problems.value.codes("entry_on") == ["before_last_change"]


@pytest.mark.parametrize("status", sorted(services.FINAL), ids=lambda s: s.value)
def test_a_closed_application_is_not_admitted(
    session: Session,
    worker: User,
    person: Person,
    transit: Programme,
    status: ApplicationStatus,
) -> None:
    made = apply(session, worker, person, transit)
    in_status(session, made, status)
    with pytest.raises(FieldErrors) as problems:
        admit(session, worker, made)
    assert problems.value.codes("status") == ["application_final"]
    assert count(session, Stay) == 0


def test_an_inactive_programme_admits_nobody(
    session: Session, worker: User, person: Person, transit: Programme
) -> None:
    made = apply(session, worker, person, transit)
    transit.active = False
    session.flush()
    with pytest.raises(FieldErrors) as problems:
        admit(session, worker, made)
    assert problems.value.codes("programme") == ["programme_inactive"]
