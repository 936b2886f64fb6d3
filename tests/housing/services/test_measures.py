"""Housing measures on a small history worked out by hand.

The period is 1-10 March 2025 (ten nights; 2025 is not a leap year), so the period's end E,
for retention and returns, is 10 March 2025.

Programmes (all run by the centre):
    A  "Crisis beds"    emergency shelter, 3 beds (ladder: emergency, 10)
    T  "Transit"        Transit Home, 2 beds (transit_home, 20)
    H  "Housing First"  Housing First, 4 units, no beds (supported, 30)
    S  "Supervised"     supervised housing, 2 units, no beds (supported, 30)

Stays (entry -> exit, destination), by person:
    p1   A  25 Feb -> 4 Mar street             crosses the period's start
    p1   A   6 Mar -> 7 Mar hospital           re-enters the same programme
    p2   A   8 Mar -> (still there)            crosses the period's end
    p3   A   2 Mar -> 5 Mar transitional
    p3   T   5 Mar -> (still there)            moves up the ladder
    p4   T   1 Nov 2024 -> 1 Dec 2024 street
    p4   A  10 Mar -> 12 Mar not known         exits after the period
    p5   A   1 Feb -> 10 Feb not known         wholly before the period
    p6   T   1 Dec 2024 -> 6 Mar own rental
    p7   H  31 Aug 2024, moved in 4 Mar 2025 -> (still there)
    p8   H  15 Jan 2022 -> 1 Mar 2023 own rental
    p8   A  10 May 2023 -> 13 May 2023 not known   back in a shelter
    p8   H   1 Jun 2024 -> (still there)       re-enters Housing First
    p9   H  10 Jan 2023 -> 20 May 2023 deceased
    p10  H   1 Jun 2023 -> 15 Sep 2023 street
    p11  S   1 Feb 2024 -> 1 Sep 2024 rental with support
    p11  T   1 Oct 2024 -> 15 Nov 2024 street  recorded as street after permanent housing
    p12  T   1 Jun 2022 -> 1 Feb 2023 family or friends, permanently
    p12  A   7 Mar -> 8 Mar street

Beds of A: bed 1 blocked from 3 March until 5 March (nights 3 and 4); bed 2 blocked from
9 March, still blocked (nights 9 and 10); bed 3 blocked 1-5 January (before the period).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.housing.models import (
    BedBlock,
    BlockReason,
    Destination,
    DestinationGroup,
    Programme,
    ProgrammeType,
)
from centre.housing.services import measures as services
from centre.housing.services.measures import Move
from tests import factories
from tests.housing.conftest import programme, stay

START, END = date(2025, 3, 1), date(2025, 3, 10)


@dataclass
class History:
    crisis: Programme
    transit: Programme
    housing_first: Programme
    supervised: Programme


@pytest.fixture
def history(session: Session, app: Flask) -> History:
    actor = factories.user(session, app, role=Role.SOCIAL_WORKER).id
    crisis = programme(session, name="Crisis beds", beds=3)
    transit = programme(session, name="Transit", type=ProgrammeType.TRANSIT_HOME, beds=2)
    housing_first = programme(
        session, name="Housing First", type=ProgrammeType.HOUSING_FIRST, beds=None, capacity=4
    )
    supervised = programme(
        session,
        name="Supervised",
        type=ProgrammeType.SUPERVISED_HOUSING,
        beds=None,
        capacity=2,
    )
    p = [factories.person(session, actor_id=actor).id for _ in range(13)]  # p[1]..p[12]

    def add(
        n: int,
        where: Programme,
        entry: date,
        exit_on: date | None = None,
        destination: Destination | None = None,
        move_in: date | None = None,
    ) -> None:
        stay(
            session,
            person_id=p[n],
            programme=where,
            actor_id=actor,
            entry_on=entry,
            exit_on=exit_on,
            destination=destination,
            move_in_on=move_in,
        )

    d = date
    add(1, crisis, d(2025, 2, 25), d(2025, 3, 4), Destination.STREET)
    add(1, crisis, d(2025, 3, 6), d(2025, 3, 7), Destination.HOSPITAL)
    add(2, crisis, d(2025, 3, 8))
    add(3, crisis, d(2025, 3, 2), d(2025, 3, 5), Destination.TRANSITIONAL_HOUSING)
    add(3, transit, d(2025, 3, 5))
    add(4, transit, d(2024, 11, 1), d(2024, 12, 1), Destination.STREET)
    add(4, crisis, d(2025, 3, 10), d(2025, 3, 12))
    add(5, crisis, d(2025, 2, 1), d(2025, 2, 10))
    add(6, transit, d(2024, 12, 1), d(2025, 3, 6), Destination.OWN_RENTAL)
    add(7, housing_first, d(2024, 8, 31), move_in=d(2025, 3, 4))
    add(8, housing_first, d(2022, 1, 15), d(2023, 3, 1), Destination.OWN_RENTAL)
    add(8, crisis, d(2023, 5, 10), d(2023, 5, 13))
    add(8, housing_first, d(2024, 6, 1))
    add(9, housing_first, d(2023, 1, 10), d(2023, 5, 20), Destination.DECEASED)
    add(10, housing_first, d(2023, 6, 1), d(2023, 9, 15), Destination.STREET)
    add(11, supervised, d(2024, 2, 1), d(2024, 9, 1), Destination.RENTAL_WITH_SUPPORT)
    add(11, transit, d(2024, 10, 1), d(2024, 11, 15), Destination.STREET)
    add(12, transit, d(2022, 6, 1), d(2023, 2, 1), Destination.FAMILY_FRIENDS_PERMANENT)
    add(12, crisis, d(2025, 3, 7), d(2025, 3, 8), Destination.STREET)

    beds = {bed.position: bed.id for bed in crisis.beds}
    for bed, first, until in (
        (1, d(2025, 3, 3), d(2025, 3, 5)),
        (2, d(2025, 3, 9), None),
        (3, d(2025, 1, 1), d(2025, 1, 5)),
    ):
        session.add(
            BedBlock(
                bed_id=beds[bed],
                from_night=first,
                until_night=until,
                reason=BlockReason.REPAIR,
                by_id=actor,
            )
        )
    session.flush()
    return History(crisis, transit, housing_first, supervised)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 8, 31), 6, date(2025, 2, 28)),
        (date(2023, 8, 31), 6, date(2024, 2, 29)),  # leap year
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 12, 15), 1, date(2025, 1, 15)),
        (date(2025, 3, 10), -24, date(2023, 3, 10)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 15), -1, date(2024, 12, 15)),
    ],
)
def test_calendar_months_clamp_the_day(day: date, months: int, expected: date) -> None:
    assert services.add_months(day, months) == expected


def test_occupancy_counts_nights_housed_against_beds_not_blocked(
    session: Session, history: History
) -> None:
    measured = services.housing_measures(session, start=START, end=END)
    by_name = {o.programme.name: o for o in measured.occupancy}
    assert list(by_name) == ["Crisis beds", "Housing First", "Supervised", "Transit"]

    # Crisis beds, nights 1..10 March:
    #   p1 1-3, p3 2-4, p1 again 6, p12 7, p2 8-10, p4 10 (p5 before the period);
    #   3 beds, less bed 1 on nights 3-4 and bed 2 on nights 9-10 (bed 3's block is over).
    crisis = by_name["Crisis beds"]
    assert crisis.used == (1, 2, 2, 1, 0, 1, 1, 1, 1, 2)
    assert crisis.available == (3, 3, 2, 2, 3, 3, 3, 3, 2, 2)
    assert (crisis.used_nights, crisis.available_nights) == (12, 26)
    assert crisis.rate == pytest.approx(12 / 26)
    assert crisis.first_night == START
    assert next(iter(crisis.nights())) == (START, 1, 3)

    # Transit: p6 nights 1-5 (exits the morning of the 6th), p3 from the 5th on: 5 + 6.
    transit = by_name["Transit"]
    assert transit.used == (1, 1, 1, 1, 2, 1, 1, 1, 1, 1)
    assert (transit.used_nights, transit.available_nights) == (11, 20)

    # Housing First: p8 every night (10); p7 entered in August but moved in on the 4th:
    # nights 4-10 (7). 4 units a night: 40.
    housing_first = by_name["Housing First"]
    assert housing_first.used == (1, 1, 1, 2, 2, 2, 2, 2, 2, 2)
    assert (housing_first.used_nights, housing_first.available_nights) == (17, 40)

    supervised = by_name["Supervised"]
    assert (supervised.used_nights, supervised.available_nights, supervised.rate) == (0, 20, 0)

    # All: 12 + 11 + 17 + 0 = 40 nights used of 26 + 20 + 40 + 20 = 106.
    assert (measured.used_nights, measured.available_nights) == (40, 106)
    assert measured.occupancy_rate == pytest.approx(40 / 106)
    assert measured.nights == 10


def test_a_block_on_a_bed_out_of_use_leaves_the_capacity_alone(
    session: Session, history: History
) -> None:
    bed = history.crisis.beds[2]  # bed 3: its only block is in January
    session.add(
        BedBlock(
            bed_id=bed.id,
            from_night=date(2025, 3, 1),
            until_night=date(2025, 3, 3),
            reason=BlockReason.OTHER,
            by_id=_actor(session),
        )
    )
    bed.active = False
    session.flush()
    crisis = services.housing_measures(session, start=START, end=END).occupancy[0]
    assert crisis.available == (3, 3, 2, 2, 3, 3, 3, 3, 2, 2)


def _actor(session: Session) -> int:
    from centre.auth.models import User

    return session.scalars(select(User.id)).one()


def test_lengths_of_stays_that_ended_in_the_period(session: Session, history: History) -> None:
    measured = services.housing_measures(session, start=START, end=END)
    lengths = {(s.programme.name if s.programme else None): s for s in measured.lengths}
    # Crisis beds: p1 25 Feb -> 4 Mar 7 nights, p3 3, p1 again 1, p12 1 (p4 leaves on the
    # 12th, after the period): mean 12 / 4 = 3, median of 1, 1, 3, 7 = 2.
    assert lengths["Crisis beds"] == services.StayLengths(lengths["Crisis beds"].programme, 4, 3, 2)
    # Transit: p6 1 Dec -> 6 Mar: 31 + 31 + 28 + 5 = 95 nights.
    assert (lengths["Transit"].count, lengths["Transit"].median) == (1, 95)
    # No exit from Housing First or supervised housing in March: no line for them.
    assert set(lengths) == {"Crisis beds", "Transit", None}
    # All: 7, 3, 1, 1, 95: mean 107 / 5, median 3.
    assert (lengths[None].count, lengths[None].mean, lengths[None].median) == (5, 21.4, 3)


def test_exits_by_destination_group(session: Session, history: History) -> None:
    exits = services.housing_measures(session, start=START, end=END).exits
    # p1 street, p3 transitional housing, p1 hospital, p12 street, p6 own rental.
    assert exits.total == 5
    assert exits.by_group == (
        (DestinationGroup.HOMELESS, 2),
        (DestinationGroup.INSTITUTIONAL, 1),
        (DestinationGroup.TEMPORARY, 1),
        (DestinationGroup.PERMANENT, 1),
        (DestinationGroup.OTHER, 0),
    )
    assert exits.by_destination == (
        (Destination.STREET, 2),
        (Destination.HOSPITAL, 1),
        (Destination.TRANSITIONAL_HOUSING, 1),
        (Destination.OWN_RENTAL, 1),
    )


def test_retention_as_hud_counts_it(session: Session, history: History) -> None:
    retention = services.housing_measures(session, start=START, end=END).retention
    # Anchors (first entry into H or S) and the day read, E = 10 March 2025:
    #   p7  31 Aug 2024: +6 = 28 Feb 2025 (clamped), in H that day: retained; +12 after E.
    #   p8  15 Jan 2022: +6 15 Jul 2022 in H; +12 15 Jan 2023 in H; +24 15 Jan 2024 out of H
    #       (re-entered in June) but last exit, 1 Mar 2023, to own rental: retained at all.
    #   p9  10 Jan 2023: died 20 May 2023: left out at 6 (10 Jul 2023), 12, 24 (10 Jan 2025).
    #   p10 1 Jun 2023: +6 1 Dec 2023 and +12 1 Jun 2024, last exit to the street: not
    #       retained; +24 after E.
    #   p11 1 Feb 2024 (S): +6 1 Aug 2024 in S; +12 1 Feb 2025, last exit from H/S to rental
    #       with support (the later Transit stay is not H/S): retained; +24 after E.
    assert retention == (
        services.Horizon(6, cohort=4, count=3, left_out=1),  # p7 p8 p11 of p7 p8 p10 p11
        services.Horizon(12, cohort=3, count=2, left_out=1),  # p8 p11 of p8 p10 p11
        services.Horizon(24, cohort=1, count=1, left_out=1),  # p8
    )
    assert retention[0].rate == 0.75


def test_returns_to_homelessness(session: Session, history: History) -> None:
    returns = services.housing_measures(session, start=START, end=END).returns
    # First exits to permanent housing: p8 1 Mar 2023 (H), p12 1 Feb 2023 (T),
    # p11 1 Sep 2024 (S), p6 6 Mar 2025 (T, too recent for any horizon).
    #   6 months: exits by 10 Sep 2024: p8 (in a shelter 10 May 2023), p11 (Transit stay
    #             ended on the street 15 Nov 2024, by 1 Mar 2025), p12 (next shelter entry
    #             7 Mar 2025, long after 1 Aug 2023): 2 of 3.
    #   12 months: exits by 10 Mar 2024: p8 returned, p12 did not (by 1 Feb 2024): 1 of 2.
    #   24 months: exits by 10 Mar 2023: p8 returned, p12 not by 1 Feb 2025: 1 of 2.
    assert returns == (
        services.Horizon(6, cohort=3, count=2),
        services.Horizon(12, cohort=2, count=1),
        services.Horizon(24, cohort=2, count=1),
    )


def test_a_stay_running_across_the_exit_that_ends_on_the_street_is_a_return(
    session: Session, history: History
) -> None:
    actor = _actor(session)
    person = factories.person(session, actor_id=actor).id
    # Enrolled in Housing First in January 2023 (never moved in), in Transit meanwhile, out
    # of Transit to own rental on 1 March 2023; the enrolment ends on the street on 1 June.
    for where, entry, exit_on, destination in (
        (history.housing_first, date(2023, 1, 1), date(2023, 6, 1), Destination.STREET),
        (history.transit, date(2022, 10, 1), date(2023, 3, 1), Destination.OWN_RENTAL),
    ):
        stay(
            session,
            person_id=person,
            programme=where,
            actor_id=actor,
            entry_on=entry,
            exit_on=exit_on,
            destination=destination,
        )
    returns = services.housing_measures(session, start=START, end=END).returns
    # One more person counted and returned at each horizon (exit by 10 March 2023).
    assert [(h.cohort, h.count) for h in returns] == [(4, 3), (3, 2), (3, 2)]


def test_moves_on_the_ladder(session: Session, history: History) -> None:
    moves = services.housing_measures(session, start=START, end=END).moves
    # Entered 1-10 March: p3 A (first stay), p3 T (after A: up), p1 A (after A: same level),
    # p12 A (after T: down), p2 A (first stay), p4 A (after T: down).
    assert moves.total == 6
    assert dict(moves.by_move) == {Move.UP: 1, Move.SAME: 1, Move.DOWN: 2, Move.FIRST: 2}
    assert services.ladder_moves(session, start=START, end=END) == moves
    assert [(m.from_ and m.from_.key, m.to.key, m.move, m.count) for m in moves.by_steps] == [
        (None, "emergency", Move.FIRST, 2),
        ("emergency", "emergency", Move.SAME, 1),
        ("emergency", "transit_home", Move.UP, 1),
        ("transit_home", "emergency", Move.DOWN, 2),
    ]


def test_two_stays_entered_the_same_day_follow_each_other_by_id(
    session: Session, history: History
) -> None:
    actor = _actor(session)
    person = factories.person(session, actor_id=actor).id
    for where in (history.transit, history.crisis):  # same day: Transit first (lower id)
        stay(session, person_id=person, programme=where, actor_id=actor, entry_on=START)
    moves = services.housing_measures(
        session, start=START, end=END, programme_ids={history.crisis.id}
    ).moves
    assert dict(moves.by_move)[Move.DOWN] == 3  # p4, p12 and this one


def test_a_programme_filter_narrows_every_measure(session: Session, history: History) -> None:
    measured = services.housing_measures(
        session, start=START, end=END, programme_ids={history.housing_first.id}
    )
    assert [o.programme.name for o in measured.occupancy] == ["Housing First"]
    assert (measured.used_nights, measured.available_nights) == (17, 40)
    assert measured.exits.total == 0
    assert measured.lengths == (services.StayLengths(None, 0, None, None),)
    # Retention on H alone: p11 (supervised) is out of every cohort.
    assert [(h.cohort, h.count) for h in measured.retention] == [(3, 2), (2, 1), (1, 1)]
    # Returns from H alone: p8 only (p12 left Transit, p11 supervised housing).
    assert [(h.cohort, h.count) for h in measured.returns] == [(1, 1), (1, 1), (1, 1)]
    # Nobody entered Housing First in March.
    assert measured.moves.total == 0 and measured.has_supported

    crisis_only = services.housing_measures(
        session, start=START, end=END, programme_ids={history.crisis.id}
    )
    # Entries into A: p3 and p2 first, p1 same level, p12 and p4 down (previous in Transit,
    # outside the filter: the previous stay is any programme's).
    assert dict(crisis_only.moves.by_move) == {
        Move.UP: 0,
        Move.SAME: 1,
        Move.DOWN: 2,
        Move.FIRST: 2,
    }
    assert all(h.cohort == 0 and h.rate is None for h in crisis_only.retention)
    assert not crisis_only.has_supported


def test_an_empty_centre_measures_nothing(session: Session, app: Flask) -> None:
    measured = services.housing_measures(session, start=START, end=END)
    assert measured.occupancy == () and measured.occupancy_rate is None
    assert measured.exits.total == 0 and measured.moves.total == 0
    assert all(h.cohort == 0 for h in (*measured.retention, *measured.returns))


def test_a_period_ending_before_it_starts_is_refused(session: Session) -> None:
    with pytest.raises(services.PeriodError):
        services.housing_measures(session, start=END, end=START)
