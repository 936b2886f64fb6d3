"""Day labour's measures for managers: counts and sums over a period, never a person.

The statistics issue reuses these: each figure comes with the short text that says how it
is computed.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import Attendance, Offer, OfferStatus, PayLine, PhaseStep, SignUp, WorkPhase

# Phases that count as leaving day labour for training or work (the default progression's
# keys; a centre's own phases with these keys count too).
EXIT_PHASES = ("training", "regular_job")
CENTRE = "centre"  # the provider filter's value for offers the centre runs itself

HOW = {
    "offers": _l("Offers whose day falls in the period (cancelled ones left out)."),
    "places": _l(
        "Places offered, and places filled: people signed up within each offer's places "
        "(those waiting for a place are not counted)."
    ),
    "people": _l("Distinct codes signed up for at least one of these offers."),
    "attendance": _l(
        "Of the people with a place whose attendance was recorded, the share present or "
        "present until they left early."
    ),
    "hours": _l(
        "Hours recorded for those present or leaving early; pay is every line paid "
        "for these offers, corrections included."
    ),
    "moves": _l("Distinct people who reached a phase above the first during the period."),
    "exits": _l("Distinct people who reached training or a regular job during the period."),
    "median": _l(
        "For each later phase, the median number of days from the date a person reached the "
        "first phase to the date they reached this one, over everyone who reached it by the "
        "end of the period."
    ),
}


@dataclass(frozen=True)
class PhaseDelay:
    phase: WorkPhase
    people: int
    median_days: float | None


@dataclass(frozen=True)
class Measures:
    offers: int
    places_offered: int
    places_filled: int
    people: int
    attendance_recorded: int
    attended: int
    hours: Decimal
    pay: Decimal
    moved_up: int
    exits: int
    delays: list[PhaseDelay]

    @property
    def attendance_rate(self) -> float | None:
        return self.attended / self.attendance_recorded if self.attendance_recorded else None


def _offers(session: Session, start: date, end: date, provider: str | None) -> list[Offer]:
    query = select(Offer).where(Offer.on.between(start, end), Offer.status == OfferStatus.OPEN)
    if provider == CENTRE:
        query = query.where(Offer.provider_id.is_(None))
    elif provider:
        query = query.where(Offer.provider_id == int(provider))
    return list(session.scalars(query))


def measures(session: Session, *, start: date, end: date, provider: str | None = None) -> Measures:
    offers = _offers(session, start, end, provider)
    ids = [o.id for o in offers]
    places = {o.id: o.places for o in offers}
    signups = (
        session.execute(
            select(SignUp.offer_id, SignUp.person_id, SignUp.attendance, SignUp.hours)
            .where(SignUp.offer_id.in_(ids), SignUp.cancelled_at.is_(None))
            .order_by(SignUp.offer_id, SignUp.created_at, SignUp.id)
        ).all()
        if ids
        else []
    )
    seen: dict[int, int] = defaultdict(int)
    filled, recorded, attended = 0, 0, 0
    hours = Decimal(0)
    for offer_id, _person, attendance, worked in signups:
        seen[offer_id] += 1
        if seen[offer_id] > places[offer_id]:
            continue  # waiting for a place
        filled += 1
        if attendance is not None:
            recorded += 1
            if attendance is not Attendance.ABSENT:
                attended += 1
                hours += worked or 0
    pay = (
        session.scalar(
            select(func.coalesce(func.sum(PayLine.amount), 0)).where(PayLine.offer_id.in_(ids))
        )
        if ids
        else 0
    )
    moved_up, exits = _phase_moves(session, start, end)
    return Measures(
        offers=len(offers),
        places_offered=sum(places.values()),
        places_filled=filled,
        people=len({person for _o, person, _a, _h in signups}),
        attendance_recorded=recorded,
        attended=attended,
        hours=hours,
        pay=Decimal(pay or 0),
        moved_up=moved_up,
        exits=exits,
        delays=_delays(session, end),
    )


def _phase_moves(session: Session, start: date, end: date) -> tuple[int, int]:
    lowest = session.scalar(select(func.min(WorkPhase.sort_order)))
    rows = session.execute(
        select(PhaseStep.person_id, WorkPhase.sort_order, WorkPhase.key)
        .join(WorkPhase, WorkPhase.id == PhaseStep.phase_id)
        .where(PhaseStep.reached_on.between(start, end))
    ).all()
    moved = {person for person, order, _key in rows if order != lowest}
    exited = {person for person, _order, key in rows if key in EXIT_PHASES}
    return len(moved), len(exited)


def _delays(session: Session, end: date) -> list[PhaseDelay]:
    phases = list(session.scalars(select(WorkPhase).order_by(WorkPhase.sort_order)))
    if not phases:
        return []
    first = phases[0]
    reached: dict[int, dict[int, date]] = defaultdict(dict)
    for person, phase_id, on in session.execute(
        select(PhaseStep.person_id, PhaseStep.phase_id, PhaseStep.reached_on).where(
            PhaseStep.reached_on <= end
        )
    ):
        reached[person][phase_id] = on
    delays = []
    for phase in phases[1:]:
        days = [
            (steps[phase.id] - steps[first.id]).days
            for steps in reached.values()
            if first.id in steps and phase.id in steps
        ]
        delays.append(PhaseDelay(phase, len(days), median(days) if days else None))
    return delays
