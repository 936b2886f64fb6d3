"""Stays and the bed board's services: entry, the maximum stay, exits, blocks, the rules."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role, User
from centre.housing.models import (
    BlockReason,
    Destination,
    ExitReason,
    OverrideReason,
    ProgrammeType,
    Stay,
    StayEventKind,
)
from centre.housing.services import board as board_services
from centre.housing.services import stays as services
from centre.people.models import Person
from centre.validation import ChangedSinceOpenedError, FieldErrors
from tests import factories
from tests.housing.conftest import programme, stay

NIGHT = date(2026, 11, 20)


@pytest.fixture
def worker(session: Session, make_user: Callable[..., User]) -> User:
    return make_user(Role.SOCIAL_WORKER)


@pytest.fixture
def person(session: Session, worker: User) -> Person:
    return factories.person(session, actor_id=worker.id)


def enter(session: Session, worker: User, person: Person, prog: object, **kwargs: object) -> Stay:
    values: dict[str, object] = {"entry_on": NIGHT, "latest": NIGHT, **kwargs}
    return services.enter_stay(
        session,
        actor_id=worker.id,
        person=person,
        programme=prog,  # type: ignore[arg-type]
        **values,  # type: ignore[arg-type]
    )


def codes(problems: pytest.ExceptionInfo[FieldErrors], name: str) -> list[str]:
    return problems.value.codes(name)


def test_a_bed_is_given_first_free_first_and_audited(
    session: Session, worker: User, person: Person
) -> None:
    crisis = programme(session, beds=2)
    made = enter(session, worker, person, crisis)
    assert made.bed is not None and made.bed.position == 1
    assert [e.kind for e in made.events] == [StayEventKind.ENTERED]
    assert session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == str(made.id)))
    assert [b.position for b in services.free_beds(session, crisis, NIGHT)] == [2]


def test_an_occupied_or_blocked_bed_is_refused_with_the_reason(
    session: Session, worker: User, person: Person
) -> None:
    crisis = programme(session, beds=2)
    other = factories.person(session, actor_id=worker.id)
    taken = enter(session, worker, other, crisis)
    with pytest.raises(FieldErrors) as occupied:
        enter(session, worker, person, crisis, bed_id=taken.bed_id)
    assert codes(occupied, "bed") == ["bed_occupied"]
    second = crisis.beds[1]
    board_services.block_bed(
        session, actor_id=worker.id, bed=second, night=NIGHT, reason=BlockReason.REPAIR
    )
    with pytest.raises(FieldErrors) as blocked:
        enter(session, worker, person, crisis, bed_id=second.id)
    assert codes(blocked, "bed") == ["bed_blocked"]
    with pytest.raises(FieldErrors) as full:
        enter(session, worker, person, crisis)
    assert codes(full, "bed") == ["programme_full"]


def test_a_partners_programme_past_capacity_is_refused(
    session: Session, worker: User, person: Person
) -> None:
    partner = factories_partner(session)
    flats = programme(
        session,
        name="AIS",
        type=ProgrammeType.SOCIAL_RENTAL_AGENCY,
        partner_id=partner,
        capacity=1,
    )
    enter(session, worker, person, flats, move_in_on=NIGHT)
    newcomer = factories.person(session, actor_id=worker.id)
    with pytest.raises(FieldErrors) as full:
        enter(session, worker, newcomer, flats, move_in_on=NIGHT)
    assert codes(full, "programme") == ["programme_full"]


def factories_partner(session: Session) -> int:
    from centre.directory.models import Partner, PartnerKind

    partner = Partner(name="Partner housing", kind=PartnerKind.HOUSING)
    session.add(partner)
    session.flush()
    return partner.id


def test_one_place_to_sleep_at_a_time_but_housing_first_enrols_before_the_flat(
    session: Session, worker: User, person: Person
) -> None:
    crisis = programme(session, beds=2)
    transit = programme(session, name="Transit", type=ProgrammeType.TRANSIT_HOME, beds=2)
    partner = factories_partner(session)
    housing_first = programme(
        session,
        name="HF",
        type=ProgrammeType.HOUSING_FIRST,
        partner_id=partner,
        capacity=5,
    )
    enter(session, worker, person, crisis)
    with pytest.raises(FieldErrors) as twice:
        enter(session, worker, person, transit)
    assert codes(twice, "code") == ["person_has_stay"]
    # Enrolled in Housing First while still in the shelter: no flat yet, no overlap.
    enrolment = enter(session, worker, person, housing_first)
    assert enrolment.move_in_on is None
    with pytest.raises(FieldErrors) as moved:
        enter(session, worker, person, housing_first, move_in_on=NIGHT)
    assert codes(moved, "code") == ["person_has_stay"]


def test_dates_are_checked(session: Session, worker: User, person: Person) -> None:
    crisis = programme(session)
    with pytest.raises(FieldErrors) as future:
        enter(session, worker, person, crisis, entry_on=NIGHT + timedelta(days=1))
    assert codes(future, "entry_on") == ["date_future"]
    with pytest.raises(FieldErrors) as old:
        enter(session, worker, person, crisis, entry_on=date(1999, 1, 1))
    assert codes(old, "entry_on") == ["date_too_old"]
    with pytest.raises(FieldErrors) as early:
        enter(session, worker, person, crisis, move_in_on=NIGHT - timedelta(days=1))
    assert codes(early, "move_in_on") == ["move_in_before_entry"]


def test_exit_before_entry_is_refused_and_an_exit_is_recorded_once(
    session: Session, worker: User, person: Person
) -> None:
    made = enter(session, worker, person, programme(session))
    with pytest.raises(FieldErrors) as before:
        services.exit_stay(
            session,
            actor_id=worker.id,
            stay=made,
            exit_on=NIGHT - timedelta(days=1),
            destination=Destination.STREET,
            exit_reason=None,
            latest=NIGHT,
            version=made.version,
        )
    assert codes(before, "exit_on") == ["exit_before_entry"]
    with pytest.raises(FieldErrors) as nowhere:
        services.exit_stay(
            session,
            actor_id=worker.id,
            stay=made,
            exit_on=NIGHT,
            destination=None,
            exit_reason=None,
            latest=NIGHT,
            version=made.version,
        )
    assert codes(nowhere, "destination") == ["required"]
    with pytest.raises(ChangedSinceOpenedError):
        services.exit_stay(
            session,
            actor_id=worker.id,
            stay=made,
            exit_on=NIGHT,
            destination=Destination.STREET,
            exit_reason=None,
            latest=NIGHT,
            version=made.version + 1,
        )
    services.exit_stay(
        session,
        actor_id=worker.id,
        stay=made,
        exit_on=NIGHT,
        destination=Destination.HOSPITAL,
        exit_reason=ExitReason.HOSPITAL,
        latest=NIGHT,
        version=made.version,
    )
    assert (made.exit_on, made.destination) == (NIGHT, Destination.HOSPITAL)
    assert made.events[-1].detail == "hospital"
    with pytest.raises(FieldErrors) as again:
        services.exit_stay(
            session,
            actor_id=worker.id,
            stay=made,
            exit_on=NIGHT,
            destination=Destination.STREET,
            exit_reason=None,
            latest=NIGHT,
            version=made.version,
        )
    assert codes(again, "exit_on") == ["already_exited"]


def test_move_in_is_dated_between_entry_and_exit(
    session: Session, worker: User, person: Person
) -> None:
    partner = factories_partner(session)
    hf = programme(
        session, name="HF", type=ProgrammeType.HOUSING_FIRST, partner_id=partner, capacity=3
    )
    made = enter(session, worker, person, hf)
    with pytest.raises(FieldErrors) as early:
        services.record_move_in(
            session,
            actor_id=worker.id,
            stay=made,
            move_in_on=NIGHT - timedelta(days=2),
            latest=NIGHT + timedelta(days=30),
            version=made.version,
        )
    assert codes(early, "move_in_on") == ["move_in_before_entry"]
    services.record_move_in(
        session,
        actor_id=worker.id,
        stay=made,
        move_in_on=NIGHT + timedelta(days=20),
        latest=NIGHT + timedelta(days=30),
        version=made.version,
    )
    assert made.housed_from == NIGHT + timedelta(days=20)
    assert [e.kind for e in made.events] == [StayEventKind.ENTERED, StayEventKind.MOVED_IN]


# --- the maximum stay -------------------------------------------------------------------------


def test_per_stay_maximum_counts_the_unbroken_run(
    session: Session, worker: User, person: Person
) -> None:
    crisis = programme(session, max_nights=3)
    # Nights 14-15 (left the 16th), nights 16-16 (left the 17th): an unbroken run of 3 nights
    # ending the morning of the 17th; a gap before (left the 10th) does not count.
    stay(session, person_id=person.id, programme=crisis, actor_id=worker.id,
         entry_on=date(2026, 11, 5), exit_on=date(2026, 11, 10))  # fmt: skip
    stay(session, person_id=person.id, programme=crisis, actor_id=worker.id,
         entry_on=date(2026, 11, 14), exit_on=date(2026, 11, 16))  # fmt: skip
    stay(session, person_id=person.id, programme=crisis, actor_id=worker.id,
         entry_on=date(2026, 11, 16), exit_on=date(2026, 11, 17))  # fmt: skip
    assert services.nights_used(session, person.id, crisis, date(2026, 11, 17)) == 3
    # A night away breaks the run: back on the 18th, a new stay.
    assert services.nights_used(session, person.id, crisis, date(2026, 11, 18)) == 0
    with pytest.raises(services.MaxStayReachedError) as reached:
        enter(
            session,
            worker,
            person,
            crisis,
            entry_on=date(2026, 11, 17),
            latest=date(2026, 11, 17),
        )
    assert (reached.value.nights_used, reached.value.max_nights) == (3, 3)
    made = enter(
        session,
        worker,
        person,
        crisis,
        entry_on=date(2026, 11, 17),
        latest=date(2026, 11, 17),
        override_reason=OverrideReason.COLD_WEATHER,
    )
    assert made.override_reason is OverrideReason.COLD_WEATHER
    assert [e.kind for e in made.events] == [StayEventKind.ENTERED, StayEventKind.OVERRIDDEN]
    overridden = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "stay.max_stay_overridden")
    ).all()
    assert len(overridden) == 1


def test_window_maximum_counts_nights_in_the_window(
    session: Session, worker: User, person: Person
) -> None:
    crisis = programme(session, max_nights=5, window_days=30)
    # Window of 30 days ending the night of 30 Nov: nights 1-29 Nov count.
    # 25 Oct - 3 Nov: nights 1, 2 Nov in the window (2); 10-13 Nov: 3 nights. Total 5.
    stay(session, person_id=person.id, programme=crisis, actor_id=worker.id,
         entry_on=date(2026, 10, 25), exit_on=date(2026, 11, 3))  # fmt: skip
    stay(session, person_id=person.id, programme=crisis, actor_id=worker.id,
         entry_on=date(2026, 11, 10), exit_on=date(2026, 11, 13))  # fmt: skip
    assert services.nights_used(session, person.id, crisis, date(2026, 11, 30)) == 5
    # A day later the night of 1 Nov has left the window.
    assert services.nights_used(session, person.id, crisis, date(2026, 12, 1)) == 4


# --- blocks -----------------------------------------------------------------------------------


def test_blocking_an_occupied_bed_is_refused_and_unblocking_dates_the_block(
    session: Session, worker: User, person: Person
) -> None:
    crisis = programme(session, beds=2)
    made = enter(session, worker, person, crisis)
    assert made.bed is not None
    with pytest.raises(board_services.BedOccupiedError):
        board_services.block_bed(
            session, actor_id=worker.id, bed=made.bed, night=NIGHT, reason=BlockReason.CLEANING
        )
    free = crisis.beds[1]
    block = board_services.block_bed(
        session, actor_id=worker.id, bed=free, night=NIGHT, reason=BlockReason.CLEANING
    )
    board_services.unblock_bed(session, actor_id=worker.id, bed=free, night=NIGHT + timedelta(2))
    assert (block.from_night, block.until_night) == (NIGHT, NIGHT + timedelta(days=2))
    assert [b.position for b in services.free_beds(session, crisis, NIGHT + timedelta(2))] == [2]
    with pytest.raises(board_services.NotBlockedError):
        board_services.unblock_bed(
            session, actor_id=worker.id, bed=free, night=NIGHT + timedelta(2)
        )


def test_the_board_shows_beds_arrivals_and_departures(
    session: Session, worker: User, person: Person, app: Flask
) -> None:
    crisis = programme(session, beds=3, max_nights=13)
    leaving = factories.person(session, actor_id=worker.id)
    stay(session, person_id=leaving.id, programme=crisis, actor_id=worker.id,
         entry_on=NIGHT - timedelta(days=3), exit_on=NIGHT, bed=crisis.beds[2],
         destination=Destination.STREET)  # fmt: skip
    arriving = enter(session, worker, person, crisis)
    board_services.block_bed(
        session, actor_id=worker.id, bed=crisis.beds[1], night=NIGHT, reason=BlockReason.REPAIR
    )
    (shown,) = board_services.board(session, NIGHT)
    assert [line.state for line in shown.beds] == ["occupied", "blocked", "free"]
    assert shown.beds[0].code == person.code and shown.beds[0].nights == 1
    assert [s.id for s, _ in shown.arrivals] == [arriving.id]
    assert [c for _, c in shown.departures] == [leaving.code]
    assert (shown.count("free"), shown.count("occupied"), shown.count("blocked")) == (1, 1, 1)


def test_the_board_counts_the_whole_run_tonight_included(
    session: Session, worker: User, person: Person
) -> None:
    crisis = programme(session, beds=2, max_nights=3)
    # Two nights until this morning, back tonight with an override: night 3 of 3.
    stay(session, person_id=person.id, programme=crisis, actor_id=worker.id,
         entry_on=NIGHT - timedelta(days=2), exit_on=NIGHT, destination=Destination.STREET,
         bed=crisis.beds[1])  # fmt: skip
    enter(session, worker, person, crisis, override_reason=OverrideReason.HEALTH)
    (shown,) = board_services.board(session, NIGHT)
    assert [line.nights for line in shown.beds if line.stay] == [3]
    (tomorrow,) = board_services.board(session, NIGHT + timedelta(days=1))
    assert [line.nights for line in tomorrow.beds if line.stay] == [4]
