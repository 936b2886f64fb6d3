"""Day-labour measures on a small month worked out by hand.

November 2026, two offers:
    A  2 Nov, 08:00-12:00, 2 places, the centre's: p1 present 4 h (paid 41.00 and corrected
       -2.56), p2 left early 2.5 h (paid 25.63), p3 signed up third: waiting, not counted.
    B  9 Nov, 13:00-15:00, 3 places, a partner's: p1 absent, p4 present 2 h (paid 20.00).
    C  1 Dec: outside the period.
Offers 2; places 5 offered, 4 filled (2 on A, 2 on B); people 4 (p1-p4, p3 only waiting);
attendance recorded for the 4 filled places, 3 of them attended: 75 %; hours 4 + 2.5 + 2 =
8.5; pay 41.00 - 2.56 + 25.63 + 20.00 = 84.07.
Phases: p1 first day jobs 1 Oct, regular day jobs 15 Nov (31 + 15 = 45 days), training 25 Nov
(55 days); p2 first 1 Nov, regular 11 Nov (10 days). Moving up in November: p1, p2 (2);
exits to training or work: p1 (1). Median days to regular day jobs: of 45 and 10, 27.5.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from centre.auth.models import Role, User
from centre.directory.models import Partner, PartnerKind
from centre.employment.models import Attendance, Offer, PayKind, PayLine, PhaseStep
from centre.employment.services import measures as services
from centre.people.models import Person
from tests import factories
from tests.employment.conftest import offer, phase, signup

PAID_AT = datetime(2026, 11, 2, 12, tzinfo=UTC)


def test_a_month_worked_out_by_hand(session: Session, make_user: Callable[..., User]) -> None:
    crew = make_user(Role.SOCIAL_WORKER)
    p1, p2, p3, p4 = (factories.person(session, actor_id=crew.id) for _ in range(4))
    partner = Partner(name="Parks department", kind=PartnerKind.EMPLOYMENT)
    session.add(partner)
    session.flush()
    a = offer(session, supervisor_id=crew.id, on=date(2026, 11, 2), places=2, hourly_rate="10.25")
    b = offer(session, supervisor_id=crew.id, on=date(2026, 11, 9), places=3, starts_at=time(13),
              ends_at=time(15), hourly_rate="10.00", provider_id=partner.id)  # fmt: skip
    c = offer(session, supervisor_id=crew.id, on=date(2026, 12, 1))
    rows = [
        (a, p1, Attendance.PRESENT, "4"),
        (a, p2, Attendance.LEFT_EARLY, "2.5"),
        (a, p3, Attendance.PRESENT, "4"),  # the third on two places: waiting
        (b, p1, Attendance.ABSENT, "0"),
        (b, p4, Attendance.PRESENT, "2"),
        (c, p2, Attendance.PRESENT, "4"),
    ]
    placed = {}
    for job, person, attendance, hours in rows:
        made = signup(session, offer=job, person_id=person.id, by_id=crew.id)
        made.attendance, made.hours = attendance, Decimal(hours)
        placed[(job.id, person.id)] = made
    session.flush()

    def paid(job: Offer, person: Person, amount: str, **kw: Any) -> PayLine:
        line = PayLine(person_id=person.id, offer_id=job.id,
                       signup_id=placed[(job.id, person.id)].id,
                       hours=Decimal("1"), hourly_rate=Decimal("1"), amount=Decimal(amount),
                       paid_at=PAID_AT, paid_by_id=crew.id, **kw)  # fmt: skip
        session.add(line)
        session.flush()
        return line

    first = paid(a, p1, "41.00", kind=PayKind.PAY)
    paid(a, p1, "-2.56", kind=PayKind.CORRECTION, corrects_id=first.id)
    paid(a, p2, "25.63", kind=PayKind.PAY)
    paid(b, p4, "20.00", kind=PayKind.PAY)
    paid(c, p2, "41.00", kind=PayKind.PAY)
    first_jobs, regular = phase(session, "first_day_jobs"), phase(session, "regular_day_jobs")
    training = phase(session, "training")
    for person, step, on in (
        (p1, first_jobs, date(2026, 10, 1)),
        (p1, regular, date(2026, 11, 15)),
        (p1, training, date(2026, 11, 25)),
        (p2, first_jobs, date(2026, 11, 1)),
        (p2, regular, date(2026, 11, 11)),
    ):
        session.add(PhaseStep(person_id=person.id, phase_id=step.id, reached_on=on, by_id=crew.id))
    session.flush()

    m = services.measures(session, start=date(2026, 11, 1), end=date(2026, 11, 30))
    assert (m.offers, m.places_offered, m.places_filled, m.people) == (2, 5, 4, 4)
    assert (m.attendance_recorded, m.attended, m.attendance_rate) == (4, 3, 0.75)
    assert (m.hours, m.pay) == (Decimal("8.5"), Decimal("84.07"))
    assert (m.moved_up, m.exits) == (2, 1)
    delays = {d.phase.key: (d.people, d.median_days) for d in m.delays}
    assert delays["regular_day_jobs"] == (2, 27.5)
    assert delays["training"] == (1, 55)
    # By provider: the centre's offer alone, then the partner's.
    centre = services.measures(session, start=date(2026, 11, 1), end=date(2026, 11, 30),
                               provider=services.CENTRE)  # fmt: skip
    assert (centre.offers, centre.places_filled, centre.pay) == (1, 2, Decimal("64.07"))
    theirs = services.measures(session, start=date(2026, 11, 1), end=date(2026, 11, 30),
                               provider=str(partner.id))  # fmt: skip
    assert (theirs.offers, theirs.attended, theirs.hours) == (1, 1, Decimal("2"))
