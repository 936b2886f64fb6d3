"""Attendance and pay: the supervisor records who came and for how long, the day's pay is
computed and paid in cash; corrections after payment are new lines, never edits.

Pure: a session, the acting user and plain values in; lines, FieldErrors or a named error
out; only flushes. Money and hours are Decimal throughout, quantized before they are stored
(`ExactDecimal` refuses more places than its scale rather than round silently).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from centre.audit.services import record
from centre.db import utcnow
from centre.people.models import Person
from centre.sqlite import lock_for_write
from centre.validation import ChangedSinceOpenedError, FieldErrors, check_version, single

from .. import actions
from ..models import Attendance, Offer, OfferStatus, PayKind, PayLine, SignUp

CENT = Decimal("0.01")
# Hours are recorded to the quarter hour (the rule): a supervisor's watch, not a clock.
QUARTER = Decimal("0.25")
ZERO = Decimal("0.00")


class AlreadyPaidError(Exception):
    """The sign-up's pay was recorded already (here, or on another terminal): only a
    correction can change it now."""


class SignUpCancelledError(Exception):
    """The sign-up was cancelled: there is no attendance or pay to record on it."""


class OfferCancelledError(Exception):
    """The job itself was cancelled: nobody worked it, nobody is paid for it."""


class AttendanceNotRecordedError(Exception):
    """Pay is computed from recorded hours: record the attendance first."""


class NothingToPayError(Exception):
    """The person was absent: there is no pay to hand over."""


# --- the rules --------------------------------------------------------------------------------


def pay_amount(hours: Decimal, rate: Decimal) -> Decimal:
    """Hours × hourly rate, to the cent.

    Paid in cash, so rounded as money is: to the cent, half up (the usual commercial
    rounding in Belgium), never banker's rounding, which would pay 24.975 as 24.97."""
    return (hours * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def offer_hours(offer: Offer) -> Decimal:
    """The offer's length in hours (`ends_at` - `starts_at`, the same day)."""
    start = datetime.combine(offer.on, offer.starts_at)
    end = datetime.combine(offer.on, offer.ends_at)
    return Decimal(int((end - start).total_seconds())) / Decimal(3600)


def _check_hours(
    problems: FieldErrors, hours: Decimal | None, length: Decimal, *, zero_allowed: bool
) -> None:
    """Hours given, finite, to the quarter hour, within the offer's length."""
    if hours is None:
        problems.add("hours", "required")
    elif not hours.is_finite():
        problems.add("hours", "hours_not_a_number")
    elif hours < 0 or (hours == 0 and not zero_allowed):
        problems.add("hours", "hours_positive")
    elif hours > length:
        # Before the quarter check: an absurd figure (1E+1000) is too large for `%`.
        problems.add("hours", "hours_beyond_offer", hours=_shown(length))
    elif hours % QUARTER != 0:
        problems.add("hours", "hours_quarter")


def _shown(hours: Decimal) -> str:
    # "4.5", not "4.500000…": the offer's length as the message names it.
    return f"{hours.quantize(CENT, rounding=ROUND_HALF_UP).normalize():f}"


def _pay_line_of(session: Session, signup_id: int) -> PayLine | None:
    return session.scalars(
        select(PayLine).where(PayLine.signup_id == signup_id, PayLine.kind == PayKind.PAY)
    ).one_or_none()


def _corrections_of(session: Session, line: PayLine) -> list[PayLine]:
    return list(
        session.scalars(select(PayLine).where(PayLine.corrects_id == line.id).order_by(PayLine.id))
    )


# --- actions ----------------------------------------------------------------------------------


def record_attendance(
    session: Session,
    *,
    actor_id: int,
    signup: SignUp,
    attendance: Attendance | None,
    hours: Decimal | None,
    version: int | None,
    now: datetime | None = None,
) -> None:
    """The supervisor's record at the end of the job: present, absent or left early, and the
    hours worked (to the quarter hour, within the offer's time).

    ChangedSinceOpenedError if the sign-up changed since the form was opened;
    SignUpCancelledError / OfferCancelledError; AlreadyPaidError once paid (a correction
    then); FieldErrors for every mistake of the input at once. It may be recorded again
    until paid."""
    now = now or utcnow()
    check_version(signup.version, version)
    _check_open(signup)
    if _pay_line_of(session, signup.id) is not None:
        raise AlreadyPaidError()
    problems = FieldErrors()
    length = offer_hours(signup.offer)
    if attendance is None:
        problems.add("attendance", "required")
    elif attendance is Attendance.ABSENT:
        if hours is not None and hours != 0:
            problems.add("hours", "hours_when_absent")
    else:
        _check_hours(problems, hours, length, zero_allowed=False)
        # Leaving early with the whole offer's hours is a contradiction: one of them is wrong.
        if attendance is Attendance.LEFT_EARLY and not problems and hours == length:
            problems.add("hours", "hours_left_early")
    problems.raise_if_any()
    try:
        # A savepoint: a record saved on another terminal since the version was read makes
        # the UPDATE match no row; that is told, and the rest of the transaction kept.
        with session.begin_nested():
            worked = ZERO if attendance is Attendance.ABSENT or hours is None else hours
            signup.attendance = attendance
            signup.hours = worked.quantize(CENT)
            signup.recorded_at = now
            signup.recorded_by_id = actor_id
            session.flush()
    except StaleDataError:
        raise ChangedSinceOpenedError() from None
    record(
        session, actions.ATTENDANCE_RECORDED, by=actor_id, on=signup.id, person_id=signup.person_id
    )


def _check_open(signup: SignUp) -> None:
    if signup.cancelled_at is not None:
        raise SignUpCancelledError()
    if signup.offer.status is OfferStatus.CANCELLED:
        raise OfferCancelledError()


def _add_line(session: Session, line: PayLine) -> None:
    """Insert in a savepoint: the one-pay-per-sign-up index refusing a second terminal's pay
    becomes AlreadyPaidError, and the rest of the transaction is kept."""
    try:
        with session.begin_nested():
            session.add(line)
            session.flush()
    except IntegrityError as error:
        # PostgreSQL names the index; SQLite names the column.
        text = str(error.orig)
        if "uq_work_pay_lines_one_pay_per_signup" in text or "work_pay_lines.signup_id" in text:
            raise AlreadyPaidError() from None
        raise


def pay(session: Session, *, actor_id: int, signup: SignUp, now: datetime | None = None) -> PayLine:
    """Pay the recorded hours at the offer's rate, in cash, now: a 'pay' line.

    SignUpCancelledError, OfferCancelledError, AttendanceNotRecordedError, NothingToPayError
    (absent) or AlreadyPaidError (checked first, and by the database for two terminals at
    once)."""
    now = now or utcnow()
    _check_open(signup)
    if signup.attendance is None or signup.hours is None:
        raise AttendanceNotRecordedError()
    if signup.attendance is Attendance.ABSENT:
        raise NothingToPayError()
    if _pay_line_of(session, signup.id) is not None:
        raise AlreadyPaidError()
    rate = signup.offer.hourly_rate
    line = PayLine(
        person_id=signup.person_id,
        offer_id=signup.offer_id,
        signup_id=signup.id,
        kind=PayKind.PAY,
        hours=signup.hours.quantize(CENT),
        hourly_rate=rate,
        amount=pay_amount(signup.hours, rate),
        paid_at=now,
        paid_by_id=actor_id,
    )
    _add_line(session, line)
    record(session, actions.PAID, by=actor_id, on=line.id, person_id=line.person_id)
    return line


def correct(
    session: Session,
    *,
    actor_id: int,
    line: PayLine,
    hours: Decimal | None,
    now: datetime | None = None,
) -> PayLine:
    """After payment, the hours really worked were `hours`: a 'correction' line with the
    difference (negative when too much was paid), pointing back at the pay line.

    The difference is taken from what the pay line and its earlier corrections already
    paid, so after any number of corrections the sign-up's lines add up to exactly
    `pay_amount(hours, rate)`. FieldErrors for hours out of bounds or unchanged."""
    now = now or utcnow()
    if line.kind is not PayKind.PAY:
        # Corrections correct the pay line, whichever line the user started from.
        raise ValueError("a correction points at a pay line")
    # What was paid is read under a lock (SQLite's write lock, PostgreSQL's row lock on the
    # pay line): two corrections at once would each take the difference from the same sum.
    lock_for_write(session)
    session.execute(select(PayLine.id).where(PayLine.id == line.id).with_for_update())
    offer = session.get_one(Offer, line.offer_id)
    problems = FieldErrors()
    # Zero hours is a real correction: the person was paid but did not work after all.
    _check_hours(problems, hours, offer_hours(offer), zero_allowed=True)
    problems.raise_if_any()
    assert hours is not None  # noqa: S101 - checked above
    earlier = [line, *_corrections_of(session, line)]
    paid_hours = sum((each.hours for each in earlier), ZERO)
    paid_amount = sum((each.amount for each in earlier), ZERO)
    if hours == paid_hours:
        raise single("hours", "correction_unchanged")
    correction = PayLine(
        person_id=line.person_id,
        offer_id=line.offer_id,
        signup_id=line.signup_id,
        kind=PayKind.CORRECTION,
        hours=(hours - paid_hours).quantize(CENT),
        hourly_rate=line.hourly_rate,
        amount=pay_amount(hours, line.hourly_rate) - paid_amount,
        corrects_id=line.id,
        paid_at=now,
        paid_by_id=actor_id,
    )
    _add_line(session, correction)
    record(session, actions.PAY_CORRECTED, by=actor_id, on=correction.id, person_id=line.person_id)
    return correction


# --- reading ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PayoutRow:
    """One sign-up on the payout sheet: a code, never a name. `hours` and `amount` are what
    was paid, corrections included (None before payment); `paid_at` the pay line's."""

    code: str
    attendance: Attendance | None
    hours: Decimal | None
    amount: Decimal | None
    paid_at: datetime | None


@dataclass(frozen=True)
class PayoutSheet:
    """The sheet of an offer, printed for signatures: every sign-up not cancelled, by code."""

    offer: Offer
    rows: tuple[PayoutRow, ...]
    total: Decimal


def payout_sheet(session: Session, offer_id: int) -> PayoutSheet:
    offer = session.get_one(Offer, offer_id)
    signups = session.execute(
        select(SignUp, Person.code)
        .join(Person, Person.id == SignUp.person_id)
        .where(SignUp.offer_id == offer_id, SignUp.cancelled_at.is_(None))
        .order_by(Person.code)
    ).all()
    lines: dict[int, list[PayLine]] = defaultdict(list)
    for line in session.scalars(
        select(PayLine).where(PayLine.offer_id == offer_id).order_by(PayLine.id)
    ):
        lines[line.signup_id].append(line)
    rows = []
    for signup, code in signups:
        own = lines.get(signup.id, [])
        paid = next((each for each in own if each.kind is PayKind.PAY), None)
        rows.append(
            PayoutRow(
                code=code,
                attendance=signup.attendance,
                hours=sum((each.hours for each in own), ZERO) if own else signup.hours,
                amount=sum((each.amount for each in own), ZERO) if own else None,
                paid_at=paid.paid_at if paid else None,
            )
        )
    total = sum((row.amount for row in rows if row.amount is not None), ZERO)
    return PayoutSheet(offer=offer, rows=tuple(rows), total=total)


@dataclass(frozen=True)
class LedgerRow:
    line: PayLine
    on: date  # the offer's day
    balance: Decimal  # everything paid to the person up to and including this line


@dataclass(frozen=True)
class Ledger:
    person_id: int
    rows: tuple[LedgerRow, ...]
    total: Decimal


def ledger(session: Session, person_id: int) -> Ledger:
    """Every pay and correction line of the person, oldest first, with a running balance."""
    found = session.execute(
        select(PayLine, Offer.on)
        .join(Offer, Offer.id == PayLine.offer_id)
        .where(PayLine.person_id == person_id)
        .order_by(PayLine.paid_at, PayLine.id)
    ).all()
    rows, balance = [], ZERO
    for line, on in found:
        balance += line.amount
        rows.append(LedgerRow(line=line, on=on, balance=balance))
    return Ledger(person_id=person_id, rows=tuple(rows), total=balance)
