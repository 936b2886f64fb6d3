"""Stays: a person enters a programme (on a bed of the centre's, or a partner's unit), may
move in later, and exits to a destination.

Pure: a session, the acting user and plain values in; the stay, FieldErrors or a named
error out. A night belongs to the evening it starts, so a stay covers the nights from
`entry_on` up to the night before `exit_on`. The database keeps one open stay per bed and one
open bed per person, so two terminals allocating at the same moment cannot both win.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, union_all
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, lazyload

from centre.audit.services import record
from centre.db import utcnow
from centre.people.models import Person
from centre.validation import FieldErrors, check_day, check_version

from .. import actions
from ..models import (
    Bed,
    BedBlock,
    CapacityUnit,
    Destination,
    ExitReason,
    OverrideReason,
    Programme,
    Stay,
    StayEvent,
    StayEventKind,
)


class BedTakenError(Exception):
    """Someone else gave this bed away between the page and the click."""


class AlreadyHasBedError(Exception):
    """The person was given a bed on another terminal meanwhile."""


class MaxStayReachedError(Exception):
    """The person is at or past the programme's maximum stay: an override with a reason is
    needed. Carries the figures the warning shows."""

    def __init__(self, nights_used: int, max_nights: int, window_days: int | None) -> None:
        super().__init__()
        self.nights_used = nights_used
        self.max_nights = max_nights
        self.window_days = window_days


# --- reading ----------------------------------------------------------------------------------


def occupying(night: date) -> ColumnElement[bool]:
    """A stay on its bed on `night`: entered by then and not left before the next morning."""
    return and_(Stay.entry_on <= night, or_(Stay.exit_on.is_(None), Stay.exit_on > night))


def running(night: date) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """A stay not left before the morning after `night`, as two conditions read one at a time:
    each is a few rows through an index (the open stays; `ix_stays_exit_on`), where their OR
    would have the engines scan years of stays."""
    return Stay.exit_on.is_(None), Stay.exit_on > night


def blocking(night: date) -> ColumnElement[bool]:
    return and_(
        BedBlock.from_night <= night,
        or_(BedBlock.until_night.is_(None), BedBlock.until_night > night),
    )


def stays_of(session: Session, person_id: int) -> list[Stay]:
    """Every stay of a person, newest entry first."""
    return list(
        session.scalars(
            select(Stay)
            .where(Stay.person_id == person_id)
            .order_by(Stay.entry_on.desc(), Stay.id.desc())
        )
    )


def open_stay_of(session: Session, person_id: int) -> Stay | None:
    return session.scalars(
        select(Stay)
        .where(Stay.person_id == person_id, Stay.exit_on.is_(None))
        .order_by(Stay.entry_on.desc())
    ).first()


def free_beds(session: Session, programme: Programme, night: date) -> list[Bed]:
    """The programme's active beds neither occupied nor blocked on `night`, by number.

    A bed given from an earlier night and still open is occupied; so is one whose stay
    starts later (an open stay runs on)."""
    taken = union_all(
        *(select(Stay.bed_id).where(Stay.bed_id.is_not(None), still) for still in running(night))
    )
    blocked = select(BedBlock.bed_id).where(blocking(night))
    return list(
        session.scalars(
            select(Bed)
            .where(
                Bed.programme_id == programme.id,
                Bed.active.is_(True),
                Bed.id.not_in(taken),
                Bed.id.not_in(blocked),
            )
            .order_by(Bed.position)
        )
    )


def nights_used(session: Session, person_id: int, programme: Programme, night: date) -> int:
    """Nights the person has already spent in the programme, as its maximum stay counts them.

    With a window (N nights in any W days): the nights in the W-1 days before `night`. Per
    stay: the unbroken run of stays ending the morning of `night` (someone who left this
    morning and comes back tonight is still on the same stay).
    """
    if programme.max_nights is None:
        return 0
    rows = session.execute(
        select(Stay.entry_on, Stay.exit_on)
        .where(
            Stay.person_id == person_id,
            Stay.programme_id == programme.id,
            Stay.entry_on < night,
        )
        .order_by(Stay.entry_on.desc())
    ).all()
    return nights_before([(e, x) for e, x in rows], night, programme.window_days)


def nights_before(
    stays: Sequence[tuple[date, date | None]], night: date, window_days: int | None
) -> int:
    """Of these (entry, exit) stays of one person in one programme, newest first, the nights
    before `night` that its maximum stay counts: those in the window, or the unbroken run."""
    if window_days:
        start = night - timedelta(days=window_days - 1)
        used = 0
        for entry_on, exit_on in stays:
            first, last = max(entry_on, start), min(exit_on or night, night)
            used += max(0, (last - first).days)
        return used
    used, expected_exit = 0, night
    for entry_on, exit_on in stays:
        if entry_on >= night:
            continue
        ends = exit_on or night
        if ends < expected_exit:
            break
        used += (min(ends, night) - entry_on).days
        expected_exit = entry_on
    return used


def guests_of_night(
    session: Session, programme_ids: list[int], night: date
) -> dict[int, tuple[Stay, str]]:
    """Each occupied bed on `night`, by bed id: its stay and the person's code."""
    guests: dict[int, tuple[Stay, str]] = {}
    for still in running(night):
        rows = session.execute(
            select(Stay, Person.code)
            .join(Person, Person.id == Stay.person_id)
            # The programmes are in the session already: no join to read them again per row.
            .options(lazyload(Stay.programme))
            .where(
                # "+ 0" keeps the engines off the index by programme (SQLite, never analysed,
                # would walk ten years of it): the exit date finds tonight's few rows.
                (Stay.programme_id + 0).in_(programme_ids),
                Stay.bed_id.is_not(None),
                Stay.entry_on <= night,
                still,
            )
        )
        guests.update({stay.bed_id: (stay, code) for stay, code in rows if stay.bed_id})
    return guests


# --- checks -----------------------------------------------------------------------------------


def _person_is_elsewhere(session: Session, person_id: int, entry_on: date, unit: bool) -> bool:
    """Another stay of the person still runs on `entry_on` (one place to sleep at a time).

    A flat not yet moved into (Housing First enrols first) is no place to sleep yet, so it
    does not stand in the way of a bed, nor a bed in the way of such an enrolment."""
    others = select(Stay.id).where(
        Stay.person_id == person_id, or_(Stay.exit_on.is_(None), Stay.exit_on > entry_on)
    )
    if unit:
        return False
    others = others.join(Programme, Programme.id == Stay.programme_id).where(
        or_(Programme.capacity_unit == CapacityUnit.BEDS, Stay.move_in_on.is_not(None))
    )
    return session.scalar(others.limit(1)) is not None


def _full(session: Session, programme: Programme, entry_on: date) -> bool:
    running = session.scalar(
        select(func.count())
        .select_from(Stay)
        .where(Stay.programme_id == programme.id, occupying(entry_on))
    )
    return (running or 0) >= programme.capacity


def _entry_problems(
    programme: Programme, entry_on: date | None, move_in_on: date | None, latest: date
) -> FieldErrors:
    problems = FieldErrors()
    check_day(problems, "entry_on", entry_on, latest)
    if move_in_on is not None and entry_on is not None:
        if move_in_on < entry_on:
            problems.add("move_in_on", "move_in_before_entry")
        elif move_in_on > latest:
            problems.add("move_in_on", "date_future")
    if not programme.active:
        problems.add("programme", "programme_inactive")
    return problems


def _place(
    session: Session, problems: FieldErrors, programme: Programme, night: date, bed_id: int | None
) -> Bed | None:
    """The bed a stay takes (`bed_id`, or the first free one), or None for a partner's
    programme; a problem on `bed` or `programme` when there is no room."""
    if not programme.run_by_centre:
        if bed_id is not None:
            problems.add("bed", "bed_invalid")
        elif _full(session, programme, night):
            problems.add("programme", "programme_full")
        return None
    free = free_beds(session, programme, night)
    if bed_id is None:
        if not free:
            problems.add("bed", "programme_full")
        return free[0] if free else None
    bed = session.get(Bed, bed_id)
    if bed is None or bed.programme_id != programme.id or not bed.active:
        problems.add("bed", "bed_invalid")
    elif bed not in free:
        blocked = session.scalar(
            select(BedBlock.id).where(BedBlock.bed_id == bed.id, blocking(night))
        )
        problems.add("bed", "bed_blocked" if blocked else "bed_occupied")
    return bed


def _event(
    stay: Stay,
    kind: StayEventKind,
    actor_id: int,
    on: date,
    now: datetime,
    detail: str | None = None,
) -> None:
    stay.events.append(StayEvent(kind=kind, on=on, at=now, by_id=actor_id, detail=detail))


def _raise_taken(error: IntegrityError) -> None:
    # Which unique index refused the row: PostgreSQL names it, SQLite names the column.
    text = str(error.orig)
    if "uq_stays_one_open_per_bed" in text or "stays.bed_id" in text:
        raise BedTakenError() from None
    if "uq_stays_one_open_bed_per_person" in text or "stays.person_id" in text:
        raise AlreadyHasBedError() from None
    raise error


# --- actions ----------------------------------------------------------------------------------


def enter_stay(
    session: Session,
    *,
    actor_id: int,
    person: Person,
    programme: Programme,
    entry_on: date | None,
    latest: date,
    bed_id: int | None = None,
    move_in_on: date | None = None,
    override_reason: OverrideReason | None = None,
    now: datetime | None = None,
) -> Stay:
    """A person enters a programme on `entry_on` (a night, for beds), on `bed_id` or the first
    free bed of a centre-run programme.

    FieldErrors for every mistake at once; MaxStayReachedError when the person is at or past
    the maximum stay and no override reason is given; BedTakenError / AlreadyHasBedError when
    another terminal won the same bed or gave the person a bed in the meantime.
    """
    now = now or utcnow()
    problems = _entry_problems(programme, entry_on, move_in_on, latest)
    problems.raise_if_any()
    assert entry_on is not None  # noqa: S101 - checked above
    bed = _place(session, problems, programme, entry_on, bed_id)
    unit = programme.capacity_unit is CapacityUnit.UNITS and move_in_on is None
    if _person_is_elsewhere(session, person.id, entry_on, unit):
        problems.add("code", "person_has_stay")
    problems.raise_if_any()
    if programme.max_nights is not None and override_reason is None:
        used = nights_used(session, person.id, programme, entry_on)
        if used >= programme.max_nights:
            raise MaxStayReachedError(used, programme.max_nights, programme.window_days)
    stay = Stay(
        person_id=person.id,
        programme_id=programme.id,
        bed_id=bed.id if bed else None,
        entry_on=entry_on,
        move_in_on=move_in_on,
        override_reason=override_reason,
        created_at=now,
        created_by_id=actor_id,
    )
    _event(stay, StayEventKind.ENTERED, actor_id, entry_on, now)
    if move_in_on is not None:
        _event(stay, StayEventKind.MOVED_IN, actor_id, move_in_on, now)
    if override_reason is not None:
        _event(stay, StayEventKind.OVERRIDDEN, actor_id, entry_on, now, override_reason.value)
    session.add(stay)
    try:
        session.flush()
    except IntegrityError as error:
        _raise_taken(error)
    record(session, actions.STAY_ENTERED, by=actor_id, on=stay.id, person_id=person.id)
    if override_reason is not None:
        record(session, actions.MAX_STAY_OVERRIDDEN, by=actor_id, on=stay.id, person_id=person.id)
    person.last_activity_at = now
    return stay


def record_move_in(
    session: Session,
    *,
    actor_id: int,
    stay: Stay,
    move_in_on: date | None,
    latest: date,
    version: int | None,
    now: datetime | None = None,
) -> None:
    """The day the person moved into the flat (Housing First finds it after entry)."""
    now = now or utcnow()
    check_version(stay.version, version)
    problems = FieldErrors()
    check_day(problems, "move_in_on", move_in_on, latest)
    if stay.move_in_on is not None:
        problems.add("move_in_on", "already_moved_in")
    if move_in_on is not None:
        if move_in_on < stay.entry_on:
            problems.add("move_in_on", "move_in_before_entry")
        if stay.exit_on is not None and move_in_on > stay.exit_on:
            problems.add("move_in_on", "move_in_after_exit")
    problems.raise_if_any()
    assert move_in_on is not None  # noqa: S101 - checked above
    stay.move_in_on = move_in_on
    _event(stay, StayEventKind.MOVED_IN, actor_id, move_in_on, now)
    session.flush()
    record(session, actions.STAY_MOVED_IN, by=actor_id, on=stay.id, person_id=stay.person_id)


def exit_stay(
    session: Session,
    *,
    actor_id: int,
    stay: Stay,
    exit_on: date | None,
    destination: Destination | None,
    exit_reason: ExitReason | None,
    latest: date,
    version: int | None,
    now: datetime | None = None,
) -> None:
    """The person left on the morning of `exit_on`, to `destination`."""
    now = now or utcnow()
    check_version(stay.version, version)
    problems = FieldErrors()
    check_day(problems, "exit_on", exit_on, latest)
    if stay.exit_on is not None:
        problems.add("exit_on", "already_exited")
    if exit_on is not None:
        if exit_on < stay.entry_on:
            problems.add("exit_on", "exit_before_entry")
        elif stay.move_in_on is not None and exit_on < stay.move_in_on:
            problems.add("exit_on", "exit_before_move_in")
    if destination is None:
        problems.add("destination", "required")
    problems.raise_if_any()
    assert exit_on is not None and destination is not None  # noqa: S101 - checked above
    stay.exit_on = exit_on
    stay.destination = destination
    stay.exit_reason = exit_reason
    _event(stay, StayEventKind.EXITED, actor_id, exit_on, now, destination.value)
    session.flush()
    record(session, actions.STAY_EXITED, by=actor_id, on=stay.id, person_id=stay.person_id)
