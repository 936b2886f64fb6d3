"""Offers of a day's work and the morning sign-up: first come, first served, within ceilings.

Pure: a session, the acting user and plain values in; the record, FieldErrors or a named
error out. A sign-up needs a code (pay needs a record), never a name. Places are taken in
the order people came; once they are gone, a sign-up is refused unless the person asks to
wait, and then takes the next place that frees up. The ceilings (hours a day, days a week,
earnings a month) depend on benefit rules, so they are settings; going past one needs an
explicit reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from centre.db import utcnow
from centre.people.models import Person
from centre.sqlite import lock_for_write
from centre.validation import FieldErrors, single

from ..models import CeilingOverride, Offer, OfferStatus, PayLine, SignUp

MAX_PLACES = 50
MAX_RATE = Decimal("100.00")  # € an hour: above it is a typing mistake


@dataclass(frozen=True)
class Ceilings:
    """Per-person limits, from the configuration (they follow the benefit rules)."""

    hours_a_day: Decimal
    days_a_week: int
    earnings_a_month: Decimal

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Ceilings:
        return cls(
            hours_a_day=Decimal(str(config["DAY_LABOUR_MAX_HOURS_A_DAY"])),
            days_a_week=int(config["DAY_LABOUR_MAX_DAYS_A_WEEK"]),
            earnings_a_month=Decimal(str(config["DAY_LABOUR_MAX_EARNINGS_A_MONTH"])),
        )


@dataclass(frozen=True)
class Passed:
    """One ceiling the sign-up would pass: which, the limit, and where the person would be."""

    ceiling: str  # "hours_a_day", "days_a_week" or "earnings_a_month"
    limit: Decimal
    would_be: Decimal


class CeilingPassedError(Exception):
    """The sign-up would pass a ceiling: shown as a warning, saved only with a reason."""

    def __init__(self, passed: list[Passed]) -> None:
        super().__init__()
        self.passed = passed


# --- offers -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfferValues:
    on: date | None
    starts_at: time | None
    ends_at: time | None
    task_type_id: int | None
    place: str
    places: int | None
    hourly_rate: Decimal | None
    supervisor_id: int | None
    phase_id: int | None
    provider_id: int | None = None


def hours_between(starts_at: time, ends_at: time) -> Decimal:
    """The hours from one time of a day to a later one (to the quarter hour given)."""
    minutes = (ends_at.hour * 60 + ends_at.minute) - (starts_at.hour * 60 + starts_at.minute)
    return Decimal(minutes) / 60


def hours_of(offer: Offer) -> Decimal:
    """The offer's length in hours."""
    return hours_between(offer.starts_at, offer.ends_at)


def _offer_problems(values: OfferValues, today: date) -> FieldErrors:
    problems = FieldErrors()
    if values.on is None:
        problems.add("on", "required")
    elif values.on < today - timedelta(days=7):
        problems.add("on", "date_too_old")
    for name in ("starts_at", "ends_at", "task_type_id", "supervisor_id", "phase_id"):
        if getattr(values, name) is None:
            problems.add(name, "required")
    if values.starts_at and values.ends_at and values.ends_at <= values.starts_at:
        problems.add("ends_at", "ends_before_start")
    _check_place_and_pay(problems, values)
    return problems


def _check_place_and_pay(problems: FieldErrors, values: OfferValues) -> None:
    place = values.place.strip()
    if not place:
        problems.add("place", "required")
    elif len(place) > 120:
        problems.add("place", "length", n=120)
    if values.places is None:
        problems.add("places", "required")
    elif not 1 <= values.places <= MAX_PLACES:
        problems.add("places", "range", low=1, high=MAX_PLACES)
    rate = values.hourly_rate
    if rate is None:
        problems.add("hourly_rate", "required")
    elif rate < 0 or rate > MAX_RATE or rate != rate.quantize(Decimal("0.01")):
        problems.add("hourly_rate", "rate_invalid")


def create_offer(
    session: Session,
    *,
    actor_id: int,
    values: OfferValues,
    today: date,
    now: datetime | None = None,
) -> Offer:
    """A day's job; FieldErrors with every problem at once."""
    _offer_problems(values, today).raise_if_any()
    offer = Offer(
        provider_id=values.provider_id,
        on=values.on,
        starts_at=values.starts_at,
        ends_at=values.ends_at,
        task_type_id=values.task_type_id,
        place=values.place.strip(),
        places=values.places,
        hourly_rate=values.hourly_rate,
        supervisor_id=values.supervisor_id,
        phase_id=values.phase_id,
        status=OfferStatus.OPEN,
        created_at=now or utcnow(),
        created_by_id=actor_id,
    )
    session.add(offer)
    session.flush()
    return offer


# --- who is on an offer -----------------------------------------------------------------------


@dataclass(frozen=True)
class Placed:
    signup: SignUp
    code: str
    position: int  # 1, 2, 3… in the order people came
    working: bool  # within the places; else waiting for one to free up


def placed_on(session: Session, offer: Offer) -> list[Placed]:
    """Everyone signed up for the offer (not cancelled), in the order they came."""
    rows = session.execute(
        select(SignUp, Person.code)
        .join(Person, Person.id == SignUp.person_id)
        .where(SignUp.offer_id == offer.id, SignUp.cancelled_at.is_(None))
        .order_by(SignUp.created_at, SignUp.id)
    ).all()
    return [
        Placed(signup, code, position, position <= offer.places)
        for position, (signup, code) in enumerate(rows, start=1)
    ]


def _taken(session: Session, offer_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(SignUp)
            .where(SignUp.offer_id == offer_id, SignUp.cancelled_at.is_(None))
        )
        or 0
    )


def _same_slot(session: Session, person_id: int, offer: Offer) -> bool:
    """The person is on another offer that day whose hours overlap this one's."""
    return (
        session.scalar(
            select(SignUp.id)
            .join(Offer, Offer.id == SignUp.offer_id)
            .where(
                SignUp.person_id == person_id,
                SignUp.cancelled_at.is_(None),
                Offer.id != offer.id,
                Offer.on == offer.on,
                Offer.status == OfferStatus.OPEN,
                Offer.starts_at < offer.ends_at,
                Offer.ends_at > offer.starts_at,
            )
            .limit(1)
        )
        is not None
    )


# --- ceilings ---------------------------------------------------------------------------------


def _week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def ceilings_passed(
    session: Session, person_id: int, offer: Offer, ceilings: Ceilings
) -> list[Passed]:
    """The ceilings the person would pass with this offer, counting their other sign-ups
    (hours and days) and what they were paid this month plus this offer's pay."""
    others = session.execute(
        select(Offer.on, Offer.starts_at, Offer.ends_at)
        .join(SignUp, SignUp.offer_id == Offer.id)
        .where(
            SignUp.person_id == person_id,
            SignUp.cancelled_at.is_(None),
            Offer.status == OfferStatus.OPEN,
            Offer.id != offer.id,
            Offer.on.between(*_week_of(offer.on)),
        )
    ).all()
    passed = []
    day_hours = hours_of(offer) + sum(
        (hours_between(s, e) for on, s, e in others if on == offer.on),
        Decimal(0),
    )
    if day_hours > ceilings.hours_a_day:
        passed.append(Passed("hours_a_day", ceilings.hours_a_day, day_hours))
    days = len({on for on, _s, _e in others} | {offer.on})
    if days > ceilings.days_a_week:
        passed.append(Passed("days_a_week", Decimal(ceilings.days_a_week), Decimal(days)))
    first = offer.on.replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    paid = session.scalar(
        select(func.coalesce(func.sum(PayLine.amount), 0))
        .join(Offer, Offer.id == PayLine.offer_id)
        .where(PayLine.person_id == person_id, Offer.on >= first, Offer.on < next_month)
    )
    earnings = Decimal(paid or 0) + (hours_of(offer) * offer.hourly_rate).quantize(Decimal("0.01"))
    if earnings > ceilings.earnings_a_month:
        passed.append(Passed("earnings_a_month", ceilings.earnings_a_month, earnings))
    return passed


# --- signing up -------------------------------------------------------------------------------


def sign_up(
    session: Session,
    *,
    actor_id: int,
    person: Person,
    offer: Offer,
    ceilings: Ceilings,
    override: CeilingOverride | None = None,
    wait_if_full: bool = False,
    now: datetime | None = None,
) -> Placed:
    """The person on the offer, in the order they came.

    FieldErrors (code) when the offer is cancelled, the person is on it already, on another
    offer at the same time, or the places are gone (unless `wait_if_full`);
    CeilingPassedError when a ceiling would be passed and no `override` reason is given.
    """
    # The places are counted and taken in one turn: SQLite's write lock now, PostgreSQL's
    # row lock on the offer, so two terminals cannot both take the last place.
    lock_for_write(session)
    session.execute(select(Offer.id).where(Offer.id == offer.id).with_for_update())
    if offer.status is not OfferStatus.OPEN:
        raise single("code", "offer_cancelled")
    already = session.scalar(
        select(SignUp.id).where(
            SignUp.offer_id == offer.id,
            SignUp.person_id == person.id,
            SignUp.cancelled_at.is_(None),
        )
    )
    if already is not None:
        raise single("code", "already_signed_up")
    if _same_slot(session, person.id, offer):
        raise single("code", "same_time_slot")
    if _taken(session, offer.id) >= offer.places and not wait_if_full:
        raise single("code", "offer_full")
    if override is None:
        passed = ceilings_passed(session, person.id, offer, ceilings)
        if passed:
            raise CeilingPassedError(passed)
    now = now or utcnow()
    # Signed up before and cancelled: the same row comes back, at the end of the order.
    made = session.scalar(
        select(SignUp).where(SignUp.offer_id == offer.id, SignUp.person_id == person.id)
    ) or SignUp(offer_id=offer.id, person_id=person.id)
    made.cancelled_at = None
    made.override_reason = override
    made.created_at = now
    made.created_by_id = actor_id
    session.add(made)
    try:
        session.flush()
    except IntegrityError:
        # Another terminal signed the same person up for it a moment ago.
        raise single("code", "already_signed_up") from None
    person.last_activity_at = now
    placed = placed_on(session, offer)
    return next(p for p in placed if p.signup.id == made.id)


class NotCancellableError(Exception):
    """A sign-up whose attendance is recorded (or paid) stays: the day happened."""


def cancel(session: Session, *, signup: SignUp, now: datetime | None = None) -> None:
    """The person no longer comes: their place goes to the first one waiting."""
    if signup.cancelled_at is not None:
        return
    if signup.attendance is not None:
        raise NotCancellableError()
    signup.cancelled_at = now or utcnow()
    session.flush()


class OfferPaidError(Exception):
    """Someone was paid for this job: it happened, it is not cancelled."""


def cancel_offer(session: Session, *, offer: Offer) -> None:
    """The job will not take place: nobody can sign up for it or be paid for it."""
    paid = session.scalar(select(PayLine.id).where(PayLine.offer_id == offer.id).limit(1))
    if paid is not None:
        raise OfferPaidError()
    offer.status = OfferStatus.CANCELLED
    session.flush()
