"""Offers and the morning sign-up: first come, first served, one slot at a time, ceilings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from centre.auth.models import Role, User
from centre.employment.models import CeilingOverride, OfferStatus, PayKind, PayLine
from centre.employment.services import signup as services
from centre.people.models import Person
from centre.validation import FieldErrors
from tests import factories
from tests.employment.conftest import offer, phase, task_type

MONDAY = date(2026, 11, 30)
CEILINGS = services.Ceilings(
    hours_a_day=Decimal("4"), days_a_week=3, earnings_a_month=Decimal("400.00")
)


@pytest.fixture
def crew(make_user: Callable[..., User]) -> User:
    return make_user(Role.SOCIAL_WORKER)


def people(session: Session, crew: User, n: int) -> list[Person]:
    return [factories.person(session, actor_id=crew.id) for _ in range(n)]


def sign(session: Session, crew: User, person: Person, job: object, **kwargs: object) -> object:
    return services.sign_up(
        session,
        actor_id=crew.id,
        person=person,
        offer=job,  # type: ignore[arg-type]
        ceilings=CEILINGS,
        **kwargs,  # type: ignore[arg-type]
    )


def refused(session: Session, crew: User, person: Person, job: object, **kwargs: object) -> str:
    with pytest.raises(FieldErrors) as caught:
        sign(session, crew, person, job, **kwargs)
    return caught.value.codes("code")[0]


def test_first_come_first_served_then_refused_or_waiting(session: Session, crew: User) -> None:
    job = offer(session, supervisor_id=crew.id, on=MONDAY, places=2)
    first, second, third, fourth = people(session, crew, 4)
    assert sign(session, crew, first, job).position == 1  # type: ignore[attr-defined]
    assert sign(session, crew, second, job).working  # type: ignore[attr-defined]
    assert refused(session, crew, third, job) == "offer_full"
    waiting = sign(session, crew, third, job, wait_if_full=True)
    assert (waiting.position, waiting.working) == (3, False)  # type: ignore[attr-defined]
    assert refused(session, crew, first, job) == "already_signed_up"
    # The first cancels: the one waiting takes the freed place, the order kept.
    placed = services.placed_on(session, job)
    placed[0].signup.cancelled_at = datetime(2026, 11, 30, 7, tzinfo=UTC)
    session.flush()
    assert [(p.code, p.working) for p in services.placed_on(session, job)] == [
        (second.code, True),
        (third.code, True),
    ]
    assert sign(session, crew, fourth, job, wait_if_full=True).position == 3  # type: ignore[attr-defined]


def test_one_offer_per_time_slot(session: Session, crew: User) -> None:
    morning = offer(session, supervisor_id=crew.id, on=MONDAY, place="Park")
    overlapping = offer(
        session, supervisor_id=crew.id, on=MONDAY, starts_at=time(11, 0), ends_at=time(13, 0)
    )
    afternoon = offer(
        session, supervisor_id=crew.id, on=MONDAY, starts_at=time(12, 0), ends_at=time(13, 0)
    )
    (person,) = people(session, crew, 1)
    sign(session, crew, person, morning)
    assert refused(session, crew, person, overlapping) == "same_time_slot"
    # 12:00 is when the morning ends: back to back is not overlapping (it passes 4 h a day,
    # so the reason is given).
    sign(session, crew, person, afternoon, override=CeilingOverride.SOCIAL_WORKER_AGREED)


def test_a_cancelled_offer_takes_nobody(session: Session, crew: User) -> None:
    job = offer(session, supervisor_id=crew.id, on=MONDAY)
    job.status = OfferStatus.CANCELLED
    (person,) = people(session, crew, 1)
    assert refused(session, crew, person, job) == "offer_cancelled"


def test_ceilings_worked_examples(session: Session, crew: User) -> None:
    (person,) = people(session, crew, 1)
    # Hours a day: 08:00-12:00 is 4 h, at the ceiling of 4: fine. Another 13:00-14:30 would
    # make 5.5 h > 4: warned.
    sign(session, crew, person, offer(session, supervisor_id=crew.id, on=MONDAY))
    late = offer(
        session, supervisor_id=crew.id, on=MONDAY, starts_at=time(13, 0), ends_at=time(14, 30)
    )
    with pytest.raises(services.CeilingPassedError) as day:
        sign(session, crew, person, late)
    assert [(p.ceiling, p.limit, p.would_be) for p in day.value.passed] == [
        ("hours_a_day", Decimal("4"), Decimal("5.5"))
    ]
    # Days a week: Monday, Tuesday, Wednesday are three days; Thursday would be the fourth.
    for n in (1, 2):
        sign(session, crew, person, offer(session, supervisor_id=crew.id, on=MONDAY + timedelta(n)))
    thursday = offer(session, supervisor_id=crew.id, on=MONDAY + timedelta(3))
    with pytest.raises(services.CeilingPassedError) as week:
        sign(session, crew, person, thursday)
    assert [p.ceiling for p in week.value.passed] == ["days_a_week"]
    # Overridden with a reason, it is saved and the reason kept.
    placed = sign(session, crew, person, thursday, override=CeilingOverride.BENEFITS_CHECKED)
    assert placed.signup.override_reason is CeilingOverride.BENEFITS_CHECKED  # type: ignore[attr-defined]


def test_earnings_a_month_count_what_was_paid_and_this_offers_pay(
    session: Session, crew: User
) -> None:
    (person,) = people(session, crew, 1)
    # Paid 380.00 earlier this month (one line of a job on 2 November); a 4 h job at
    # 10.00 €/h would add 40.00: 420.00 > 400.00, warned. Last month's pay does not count.
    paid_job = offer(session, supervisor_id=crew.id, on=date(2026, 11, 2))
    old_job = offer(session, supervisor_id=crew.id, on=date(2026, 10, 30))
    for job, amount in ((paid_job, "380.00"), (old_job, "300.00")):
        placed = sign(session, crew, person, job, override=CeilingOverride.OTHER)
        session.add(
            PayLine(
                person_id=person.id,
                offer_id=job.id,
                signup_id=placed.signup.id,  # type: ignore[attr-defined]
                kind=PayKind.PAY,
                hours=Decimal("4.00"),
                hourly_rate=Decimal("95.00"),
                amount=Decimal(amount),
                paid_at=datetime(2026, 11, 2, 12, tzinfo=UTC),
                paid_by_id=crew.id,
            )
        )
    session.flush()
    job = offer(session, supervisor_id=crew.id, on=MONDAY)
    with pytest.raises(services.CeilingPassedError) as month:
        sign(session, crew, person, job)
    assert [(p.ceiling, p.would_be) for p in month.value.passed] == [
        ("earnings_a_month", Decimal("420.00"))
    ]


def test_an_offer_is_checked_whole(session: Session, crew: User) -> None:
    values = services.OfferValues(
        on=None,
        starts_at=time(12, 0),
        ends_at=time(8, 0),
        task_type_id=None,
        place="  ",
        places=0,
        hourly_rate=Decimal("10.005"),
        supervisor_id=None,
        phase_id=None,
    )
    with pytest.raises(FieldErrors) as caught:
        services.create_offer(session, actor_id=crew.id, values=values, today=MONDAY)
    problems = caught.value
    assert problems.codes("on") == ["required"]
    assert problems.codes("ends_at") == ["ends_before_start"]
    assert problems.codes("place") == ["required"]
    assert problems.codes("places") == ["range"]
    assert problems.codes("hourly_rate") == ["rate_invalid"]
    made = services.create_offer(
        session,
        actor_id=crew.id,
        values=services.OfferValues(
            on=MONDAY,
            starts_at=time(8, 0),
            ends_at=time(11, 45),
            task_type_id=task_type(session, "gardening").id,
            place=" Parc Josaphat ",
            places=7,
            hourly_rate=Decimal("10.25"),
            supervisor_id=crew.id,
            phase_id=phase(session).id,
        ),
        today=MONDAY,
    )
    assert (made.place, services.hours_of(made)) == ("Parc Josaphat", Decimal("3.75"))


def test_someone_cancelled_can_sign_up_again_at_the_end_of_the_order(
    session: Session, crew: User
) -> None:
    job = offer(session, supervisor_id=crew.id, on=MONDAY, places=2)
    first, second = people(session, crew, 2)
    mine = sign(session, crew, first, job)
    sign(session, crew, second, job)
    services.cancel(session, signup=mine.signup)  # type: ignore[attr-defined]
    again = sign(session, crew, first, job, now=datetime(2026, 11, 30, 9, tzinfo=UTC))
    assert again.signup.id == mine.signup.id  # type: ignore[attr-defined]
    assert [p.code for p in services.placed_on(session, job)] == [second.code, first.code]


def test_a_job_someone_was_paid_for_is_not_cancelled(session: Session, crew: User) -> None:
    job = offer(session, supervisor_id=crew.id, on=MONDAY)
    (person,) = people(session, crew, 1)
    placed = sign(session, crew, person, job)
    session.add(
        PayLine(
            person_id=person.id,
            offer_id=job.id,
            signup_id=placed.signup.id,  # type: ignore[attr-defined]
            kind=PayKind.PAY,
            hours=Decimal("4.00"),
            hourly_rate=Decimal("10.00"),
            amount=Decimal("40.00"),
            paid_at=datetime(2026, 11, 30, 12, tzinfo=UTC),
            paid_by_id=crew.id,
        )
    )
    session.flush()
    with pytest.raises(services.OfferPaidError):
        services.cancel_offer(session, offer=job)
    assert job.status is OfferStatus.OPEN
