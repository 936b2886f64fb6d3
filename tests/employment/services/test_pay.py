"""Attendance and pay: the rules with worked examples, every refusal, the payout sheet, the
ledger, and the reconciliation of both on generated data."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role, User
from centre.employment.models import Attendance, Offer, OfferStatus, PayKind, PayLine, SignUp
from centre.employment.services import pay as services
from centre.people.models import Person
from centre.validation import ChangedSinceOpenedError, FieldErrors
from tests import factories
from tests.employment.conftest import offer, signup

DAY = date(2026, 11, 20)
NOW = datetime(2026, 11, 20, 12, 30, tzinfo=UTC)


@pytest.fixture
def supervisor(session: Session, make_user: Callable[..., User]) -> User:
    return make_user(Role.SOCIAL_WORKER)


@pytest.fixture
def person(session: Session, supervisor: User) -> Person:
    return factories.person(session, actor_id=supervisor.id)


def signed_up(
    session: Session,
    supervisor: User,
    person: Person,
    *,
    rate: str = "10.00",
    starts_at: time = time(8, 0),
    ends_at: time = time(12, 0),
) -> SignUp:
    job = offer(
        session,
        supervisor_id=supervisor.id,
        on=DAY,
        starts_at=starts_at,
        ends_at=ends_at,
        hourly_rate=rate,
    )
    return signup(session, offer=job, person_id=person.id, by_id=supervisor.id)


def attend(
    session: Session,
    supervisor: User,
    made: SignUp,
    attendance: Attendance | None = Attendance.PRESENT,
    hours: str | None = "4",
) -> None:
    services.record_attendance(
        session,
        actor_id=supervisor.id,
        signup=made,
        attendance=attendance,
        hours=None if hours is None else Decimal(hours),
        version=made.version,
        now=NOW,
    )


def problems_of(error: pytest.ExceptionInfo[FieldErrors], name: str = "hours") -> list[str]:
    return error.value.codes(name)


# --- the rule: hours × rate, to the cent, half up -------------------------------------------


@pytest.mark.parametrize(
    ("hours", "rate", "amount"),
    [
        # 3.75 h × 10.25 €/h = 38.4375 → 38.44 (below the half: the cent it is nearest)
        ("3.75", "10.25", "38.44"),
        # 2.5 h × 9.99 €/h = 24.975 → 24.98 (a half: up, where banker's rounding gives 24.97)
        ("2.5", "9.99", "24.98"),
        # 0.25 h × 10.10 €/h = 2.525 → 2.53 (a half again, up)
        ("0.25", "10.10", "2.53"),
        # 4 h × 10 €/h = 40 → 40.00 (exact: nothing to round)
        ("4", "10.00", "40.00"),
        # 7.75 h × 11.11 €/h = 86.1025 → 86.10
        ("7.75", "11.11", "86.10"),
        # 1.25 h × 0 €/h = 0 → 0.00 (an unpaid trial day)
        ("1.25", "0.00", "0.00"),
    ],
)
def test_pay_amount_is_hours_times_rate_rounded_half_up_to_the_cent(
    hours: str, rate: str, amount: str
) -> None:
    result = services.pay_amount(Decimal(hours), Decimal(rate))
    assert result == Decimal(amount)
    assert result.as_tuple().exponent == -2  # cents, as stored


# --- attendance -------------------------------------------------------------------------------


def test_attendance_is_recorded_with_hours_who_and_when(
    session: Session, supervisor: User, person: Person
) -> None:
    made = signed_up(session, supervisor, person)
    attend(session, supervisor, made, Attendance.LEFT_EARLY, "2.75")
    assert made.attendance is Attendance.LEFT_EARLY
    assert made.hours == Decimal("2.75")
    assert made.recorded_by_id == supervisor.id
    assert made.recorded_at == NOW
    session.expire_all()
    again = session.get_one(SignUp, made.id)
    assert again.hours == Decimal("2.75")
    assert session.scalar(
        select(AuditEvent.action).where(
            AuditEvent.action == "work_attendance.recorded", AuditEvent.object_id == str(made.id)
        )
    )


def test_the_whole_offer_may_be_worked_and_absence_records_no_hours(
    session: Session, supervisor: User, person: Person
) -> None:
    made = signed_up(session, supervisor, person)
    attend(session, supervisor, made, Attendance.PRESENT, "4")
    assert made.hours == Decimal("4.00")
    # Recorded again before payment: absent, hours empty or 0 alike.
    attend(session, supervisor, made, Attendance.ABSENT, None)
    assert (made.attendance, made.hours) == (Attendance.ABSENT, Decimal("0.00"))
    attend(session, supervisor, made, Attendance.ABSENT, "0")
    assert made.hours == Decimal("0.00")


@pytest.mark.parametrize(
    ("attendance", "hours", "field", "code"),
    [
        (None, "4", "attendance", "required"),
        (Attendance.PRESENT, None, "hours", "required"),
        (Attendance.LEFT_EARLY, None, "hours", "required"),
        (Attendance.PRESENT, "0", "hours", "hours_positive"),
        (Attendance.PRESENT, "-1", "hours", "hours_positive"),
        (Attendance.PRESENT, "3.3", "hours", "hours_quarter"),
        (Attendance.PRESENT, "0.1", "hours", "hours_quarter"),
        # The offer runs 8:00-12:00: four hours, not a minute more.
        (Attendance.PRESENT, "4.25", "hours", "hours_beyond_offer"),
        (Attendance.PRESENT, "1000000", "hours", "hours_beyond_offer"),
        (Attendance.PRESENT, "1E+1000", "hours", "hours_beyond_offer"),
        (Attendance.PRESENT, "4.3", "hours", "hours_beyond_offer"),
        (Attendance.PRESENT, "NaN", "hours", "hours_not_a_number"),
        (Attendance.PRESENT, "Infinity", "hours", "hours_not_a_number"),
        (Attendance.LEFT_EARLY, "4", "hours", "hours_left_early"),
        (Attendance.ABSENT, "2", "hours", "hours_when_absent"),
    ],
)
def test_bad_attendance_is_refused_with_a_clear_message_and_nothing_changes(
    session: Session,
    supervisor: User,
    person: Person,
    attendance: Attendance | None,
    hours: str | None,
    field: str,
    code: str,
) -> None:
    made = signed_up(session, supervisor, person)
    with pytest.raises(FieldErrors) as error:
        attend(session, supervisor, made, attendance, hours)
    assert problems_of(error, field) == [code]
    assert (made.attendance, made.hours, made.recorded_at) == (None, None, None)


def test_the_offer_length_is_in_its_message_and_odd_lengths_work(
    session: Session, supervisor: User, person: Person
) -> None:
    # 8:00-12:30 is 4.5 h; 8:00-12:10 is 4.1666… h, so 4 h is the most a quarter can reach.
    made = signed_up(session, supervisor, person, ends_at=time(12, 30))
    with pytest.raises(FieldErrors) as error:
        attend(session, supervisor, made, Attendance.PRESENT, "4.75")
    assert error.value.get("hours")[0].params == {"hours": "4.5"}
    attend(session, supervisor, made, Attendance.PRESENT, "4.5")
    odd = signed_up(session, supervisor, person, ends_at=time(12, 10))
    with pytest.raises(FieldErrors):
        attend(session, supervisor, odd, Attendance.PRESENT, "4.25")
    attend(session, supervisor, odd, Attendance.LEFT_EARLY, "4")
    assert odd.hours == Decimal("4.00")


def test_attendance_on_a_form_opened_before_a_change_is_refused(
    session: Session, supervisor: User, person: Person
) -> None:
    made = signed_up(session, supervisor, person)
    opened = made.version
    attend(session, supervisor, made, Attendance.PRESENT, "3")
    with pytest.raises(ChangedSinceOpenedError):
        services.record_attendance(
            session,
            actor_id=supervisor.id,
            signup=made,
            attendance=Attendance.PRESENT,
            hours=Decimal("4"),
            version=opened,
        )
    assert made.hours == Decimal("3.00")


def test_attendance_of_a_cancelled_signup_is_refused(
    session: Session, supervisor: User, person: Person
) -> None:
    made = signed_up(session, supervisor, person)
    made.cancelled_at = NOW
    session.flush()
    with pytest.raises(services.SignUpCancelledError):
        attend(session, supervisor, made)
    with pytest.raises(services.SignUpCancelledError):
        services.pay(session, actor_id=supervisor.id, signup=made)


def test_attendance_and_pay_on_a_cancelled_offer_are_refused(
    session: Session, supervisor: User, person: Person
) -> None:
    made = signed_up(session, supervisor, person)
    attend(session, supervisor, made, Attendance.PRESENT, "4")
    made.offer.status = OfferStatus.CANCELLED
    session.flush()
    with pytest.raises(services.OfferCancelledError):
        attend(session, supervisor, made, Attendance.PRESENT, "3")
    with pytest.raises(services.OfferCancelledError):
        services.pay(session, actor_id=supervisor.id, signup=made)
    assert session.scalar(select(func.count()).select_from(PayLine)) == 0


def test_attendance_saved_meanwhile_on_another_terminal_is_refused_not_overwritten(
    session: Session, supervisor: User, person: Person
) -> None:
    made = signed_up(session, supervisor, person)
    # The other terminal's save, after this one read the sign-up (its version is now behind).
    session.execute(
        update(SignUp)
        .where(SignUp.id == made.id)
        .values(attendance=Attendance.ABSENT, hours=Decimal(0), version=made.version + 1)
        # Behind this session's back: the loaded sign-up keeps the version it read.
        .execution_options(synchronize_session=False)
    )
    with pytest.raises(ChangedSinceOpenedError):
        attend(session, supervisor, made, Attendance.PRESENT, "4")
    # Only the savepoint was rolled back: the session goes on, with the other save.
    session.refresh(made)
    assert (made.attendance, made.hours) == (Attendance.ABSENT, Decimal("0.00"))


def test_attendance_once_paid_is_refused_a_correction_then(
    session: Session, supervisor: User, person: Person
) -> None:
    made = signed_up(session, supervisor, person)
    attend(session, supervisor, made, Attendance.PRESENT, "4")
    services.pay(session, actor_id=supervisor.id, signup=made, now=NOW)
    with pytest.raises(services.AlreadyPaidError):
        attend(session, supervisor, made, Attendance.PRESENT, "3")
    assert made.hours == Decimal("4.00")


# --- pay --------------------------------------------------------------------------------------


def test_pay_is_a_pay_line_at_the_offers_rate_and_audited(
    session: Session, supervisor: User, person: Person
) -> None:
    # 3.75 h × 10.25 €/h = 38.4375 → 38.44
    made = signed_up(session, supervisor, person, rate="10.25")
    attend(session, supervisor, made, Attendance.LEFT_EARLY, "3.75")
    line = services.pay(session, actor_id=supervisor.id, signup=made, now=NOW)
    session.expire_all()
    stored = session.get_one(PayLine, line.id)
    assert stored.kind is PayKind.PAY
    assert (stored.hours, stored.hourly_rate, stored.amount) == (
        Decimal("3.75"),
        Decimal("10.25"),
        Decimal("38.44"),
    )
    assert (stored.person_id, stored.offer_id, stored.signup_id) == (
        person.id,
        made.offer_id,
        made.id,
    )
    assert (stored.paid_at, stored.paid_by_id, stored.corrects_id) == (NOW, supervisor.id, None)
    event = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "work_pay.paid", AuditEvent.object_id == str(line.id)
        )
    ).one()
    assert event.actor_id == supervisor.id


def test_pay_without_attendance_or_for_an_absence_is_refused(
    session: Session, supervisor: User, person: Person
) -> None:
    made = signed_up(session, supervisor, person)
    with pytest.raises(services.AttendanceNotRecordedError):
        services.pay(session, actor_id=supervisor.id, signup=made)
    attend(session, supervisor, made, Attendance.ABSENT, None)
    with pytest.raises(services.NothingToPayError):
        services.pay(session, actor_id=supervisor.id, signup=made)
    assert session.scalar(select(func.count()).select_from(PayLine)) == 0


def test_pay_twice_is_refused_and_the_first_kept(
    session: Session, supervisor: User, person: Person
) -> None:
    made = signed_up(session, supervisor, person)
    attend(session, supervisor, made, Attendance.PRESENT, "4")
    first = services.pay(session, actor_id=supervisor.id, signup=made, now=NOW)
    with pytest.raises(services.AlreadyPaidError):
        services.pay(session, actor_id=supervisor.id, signup=made, now=NOW)
    assert session.scalars(select(PayLine)).all() == [first]


def test_two_terminals_paying_at_once_the_database_refuses_the_second(
    session: Session, supervisor: User, person: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = signed_up(session, supervisor, person)
    attend(session, supervisor, made, Attendance.PRESENT, "4")
    first = services.pay(session, actor_id=supervisor.id, signup=made, now=NOW)
    # The other terminal read "not paid" before this one's line existed.
    monkeypatch.setattr(services, "_pay_line_of", lambda *_: None)
    with pytest.raises(services.AlreadyPaidError):
        services.pay(session, actor_id=supervisor.id, signup=made, now=NOW)
    # Only the savepoint was rolled back: the first line and the attendance are still there.
    session.flush()
    assert session.scalars(select(PayLine)).all() == [first]
    assert made.hours == Decimal("4.00")


# --- corrections ------------------------------------------------------------------------------


def test_a_correction_is_a_new_line_with_the_difference(
    session: Session, supervisor: User, person: Person
) -> None:
    # Paid 4 h × 10 €/h = 40.00; really 3.5 h: 35.00, so a correction of 3.5 - 4 = -0.5 h,
    # 35.00 - 40.00 = -5.00.
    made = signed_up(session, supervisor, person)
    attend(session, supervisor, made, Attendance.PRESENT, "4")
    paid = services.pay(session, actor_id=supervisor.id, signup=made, now=NOW)
    later = NOW + timedelta(days=1)
    fix = services.correct(
        session, actor_id=supervisor.id, line=paid, hours=Decimal("3.5"), now=later
    )
    session.expire_all()
    fix = session.get_one(PayLine, fix.id)
    assert fix.kind is PayKind.CORRECTION
    assert (fix.hours, fix.hourly_rate, fix.amount) == (
        Decimal("-0.50"),
        Decimal("10.00"),
        Decimal("-5.00"),
    )
    assert (fix.corrects_id, fix.signup_id, fix.paid_at) == (paid.id, made.id, later)
    # The pay line itself is untouched.
    assert session.get_one(PayLine, paid.id).amount == Decimal("40.00")
    assert session.scalar(
        select(AuditEvent.action).where(
            AuditEvent.action == "work_pay.corrected", AuditEvent.object_id == str(fix.id)
        )
    )


def test_corrections_add_up_to_the_rounded_pay_of_the_last_hours(
    session: Session, supervisor: User, person: Person
) -> None:
    # 9.99 €/h: paid 2.5 h = 24.975 → 24.98. Corrected to 2.75 h = 27.4725 → 27.47: +2.49
    # (0.25 h × 9.99 would be 2.4975 → 2.50, one cent too much: the difference is taken from
    # what was paid). Then to 0 h (did not work after all): -27.47, and the lines sum to 0.
    made = signed_up(session, supervisor, person, rate="9.99")
    attend(session, supervisor, made, Attendance.LEFT_EARLY, "2.5")
    paid = services.pay(session, actor_id=supervisor.id, signup=made, now=NOW)
    assert paid.amount == Decimal("24.98")
    up = services.correct(session, actor_id=supervisor.id, line=paid, hours=Decimal("2.75"))
    assert (up.hours, up.amount) == (Decimal("0.25"), Decimal("2.49"))
    down = services.correct(session, actor_id=supervisor.id, line=paid, hours=Decimal("0"))
    assert (down.hours, down.amount) == (Decimal("-2.75"), Decimal("-27.47"))
    assert services.payout_sheet(session, made.offer_id).total == Decimal("0.00")


def test_a_correction_changing_nothing_or_out_of_bounds_is_refused(
    session: Session, supervisor: User, person: Person
) -> None:
    made = signed_up(session, supervisor, person)
    attend(session, supervisor, made, Attendance.PRESENT, "4")
    paid = services.pay(session, actor_id=supervisor.id, signup=made, now=NOW)
    for hours, code in [
        ("4", "correction_unchanged"),
        ("4.00", "correction_unchanged"),
        ("4.5", "hours_beyond_offer"),
        ("-0.25", "hours_positive"),
        ("3.1", "hours_quarter"),
        (None, "required"),
    ]:
        with pytest.raises(FieldErrors) as error:
            services.correct(
                session,
                actor_id=supervisor.id,
                line=paid,
                hours=None if hours is None else Decimal(hours),
            )
        assert problems_of(error) == [code]
    fix = services.correct(session, actor_id=supervisor.id, line=paid, hours=Decimal("3"))
    # Back to 4 h after a correction to 3 h is a change again: +10.00.
    with pytest.raises(FieldErrors):
        services.correct(session, actor_id=supervisor.id, line=paid, hours=Decimal("3"))
    back = services.correct(session, actor_id=supervisor.id, line=paid, hours=Decimal("4"))
    assert back.amount == Decimal("10.00")
    # A correction is made from the pay line, not from another correction.
    with pytest.raises(ValueError, match="pay line"):
        services.correct(session, actor_id=supervisor.id, line=fix, hours=Decimal("2"))
    assert session.scalar(select(func.count()).select_from(PayLine)) == 3


# --- the payout sheet and the ledger ----------------------------------------------------------


def test_the_payout_sheet_lists_codes_and_amounts_of_signups_not_cancelled(
    session: Session, supervisor: User
) -> None:
    people = [factories.person(session, actor_id=supervisor.id) for _ in range(4)]
    job = offer(session, supervisor_id=supervisor.id, on=DAY, hourly_rate="10.25")
    made = [signup(session, offer=job, person_id=p.id, by_id=supervisor.id) for p in people]
    attend(session, supervisor, made[0], Attendance.PRESENT, "4")  # 41.00
    attend(session, supervisor, made[1], Attendance.LEFT_EARLY, "3.75")  # 38.44
    attend(session, supervisor, made[2], Attendance.ABSENT, None)
    made[3].cancelled_at = NOW
    session.flush()
    first = services.pay(session, actor_id=supervisor.id, signup=made[0], now=NOW)
    services.pay(session, actor_id=supervisor.id, signup=made[1], now=NOW)
    # 4 h → 3 h at 10.25: -10.25, shown on the row as what was paid in the end.
    services.correct(session, actor_id=supervisor.id, line=first, hours=Decimal("3"))

    sheet = services.payout_sheet(session, job.id)

    assert sheet.offer is job
    by_code = {row.code: row for row in sheet.rows}
    assert [row.code for row in sheet.rows] == sorted(p.code for p in people[:3])
    assert people[3].code not in by_code
    row = by_code[people[0].code]
    assert (row.attendance, row.hours, row.amount, row.paid_at) == (
        Attendance.PRESENT,
        Decimal("3.00"),
        Decimal("30.75"),
        NOW,
    )
    assert by_code[people[1].code].amount == Decimal("38.44")
    absent = by_code[people[2].code]
    assert (absent.attendance, absent.hours, absent.amount, absent.paid_at) == (
        Attendance.ABSENT,
        Decimal("0.00"),
        None,
        None,
    )
    # 30.75 + 38.44
    assert sheet.total == Decimal("69.19")


def test_the_ledger_runs_a_balance_over_the_persons_lines_oldest_first(
    session: Session, supervisor: User, person: Person
) -> None:
    first = signed_up(session, supervisor, person)  # 10 €/h
    second = signed_up(session, supervisor, person, rate="12.50")
    attend(session, supervisor, first, Attendance.PRESENT, "4")
    attend(session, supervisor, second, Attendance.LEFT_EARLY, "2")
    # Paid out of order: the ledger follows the payments' times.
    two = services.pay(session, actor_id=supervisor.id, signup=second, now=NOW)  # 25.00
    one = services.pay(
        session, actor_id=supervisor.id, signup=first, now=NOW - timedelta(hours=1)
    )  # 40.00
    fix = services.correct(
        session, actor_id=supervisor.id, line=one, hours=Decimal("3.5"), now=NOW + timedelta(1)
    )  # -5.00

    book = services.ledger(session, person.id)

    assert [row.line.id for row in book.rows] == [one.id, two.id, fix.id]
    assert [row.balance for row in book.rows] == [
        Decimal("40.00"),
        Decimal("65.00"),
        Decimal("60.00"),
    ]
    assert [row.on for row in book.rows] == [DAY, DAY, DAY]
    assert book.total == Decimal("60.00")
    assert services.ledger(session, person.id + 1000).total == Decimal("0.00")


# --- reconciliation ---------------------------------------------------------------------------


def generated_offer(
    session: Session, supervisor: User, rng: random.Random, people: list[Person], number: int
) -> tuple[Offer, list[PayLine]]:
    """An offer on day `number` with a random time and rate, seven random people signed up:
    some cancelled, some never recorded, some absent, the rest present or gone early with
    random hours, most of them paid."""
    start = rng.choice([time(7, 0), time(8, 0), time(8, 30), time(13, 0)])
    length = timedelta(minutes=rng.choice([150, 200, 240, 270, 360, 480]))
    rate = Decimal(rng.randint(0, 2000)) / 100  # 0.00 to 20.00 €/h, any cent
    job = offer(
        session,
        supervisor_id=supervisor.id,
        on=DAY + timedelta(days=number),
        starts_at=start,
        ends_at=(datetime.combine(DAY, start) + length).time(),
        hourly_rate=str(rate),
    )
    quarters = int(services.offer_hours(job) / services.QUARTER)
    lines = []
    for who in rng.sample(people, 7):
        made = signup(session, offer=job, person_id=who.id, by_id=supervisor.id)
        roll = rng.random()
        if roll < 0.05:
            made.cancelled_at = NOW
            session.flush()
        elif roll < 0.1:
            pass  # attendance never recorded: on the sheet, unpaid
        elif roll < 0.25:
            attend(session, supervisor, made, Attendance.ABSENT, None)
        else:
            early = roll >= 0.6
            hours = (rng.randint(1, quarters - 1) if early else quarters) * services.QUARTER
            attendance = Attendance.LEFT_EARLY if early else Attendance.PRESENT
            attend(session, supervisor, made, attendance, str(hours))
            if rng.random() < 0.9:
                paid_at = NOW + timedelta(days=number, minutes=rng.randint(0, 600))
                lines.append(
                    services.pay(session, actor_id=supervisor.id, signup=made, now=paid_at)
                )
    return job, lines


def test_ledgers_and_payout_sheets_reconcile_exactly_on_generated_data(
    session: Session, supervisor: User
) -> None:
    """Twenty offers of seven sign-ups, random attendance, hours, rates and corrections: the
    sum of every person's ledger equals the sum of every offer's payout sheet equals the
    database's SUM(amount), to the cent, as Decimal."""
    rng = random.Random(20261120)  # seeded: the same data each run, on both engines
    people = [factories.person(session, actor_id=supervisor.id) for _ in range(25)]
    offers, pay_lines = [], []
    for number in range(20):
        job, lines = generated_offer(session, supervisor, rng, people, number)
        offers.append(job)
        pay_lines.extend(lines)
    for line in rng.sample(pay_lines, 15):
        quarters = int(services.offer_hours(session.get_one(Offer, line.offer_id)) * 4)
        for _ in range(rng.randint(1, 2)):
            hours = rng.randint(0, quarters) * services.QUARTER
            # The same hours drawn again are refused (nothing to correct): skipped.
            with contextlib.suppress(FieldErrors):
                services.correct(session, actor_id=supervisor.id, line=line, hours=hours)
    session.expire_all()

    ledgers = sum((services.ledger(session, p.id).total for p in people), Decimal(0))
    sheets = sum((services.payout_sheet(session, o.id).total for o in offers), Decimal(0))
    in_sql = session.scalar(select(func.sum(PayLine.amount)))
    corrections = session.scalar(
        select(func.count()).select_from(PayLine).where(PayLine.kind == PayKind.CORRECTION)
    )

    assert len(pay_lines) > 80 and corrections and corrections > 10  # the data is not trivial
    assert isinstance(ledgers, Decimal) and isinstance(sheets, Decimal)
    assert isinstance(in_sql, Decimal)
    assert ledgers == sheets == in_sql
    # And each sheet's total is its offer's lines.
    for job in offers:
        by_offer = session.scalar(
            select(func.sum(PayLine.amount)).where(PayLine.offer_id == job.id)
        )
        assert services.payout_sheet(session, job.id).total == (by_offer or Decimal("0.00"))
