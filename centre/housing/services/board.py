"""The bed board: the centre's own beds for one night, free, occupied or blocked.

Reception allocates and releases night-by-night beds (emergency and night shelters) here;
the board also shows the other centre-run programmes' beds. Managers see its counts only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from centre.audit.services import record
from centre.db import utcnow
from centre.people.models import Person

from .. import actions
from ..models import Bed, BedBlock, BlockReason, Programme, Stay
from .stays import BedTakenError, blocking, guests_of_night, nights_before, occupying


class BedOccupiedError(Exception):
    """A bed with someone in it cannot be blocked."""


class NotBlockedError(Exception):
    pass


@dataclass(frozen=True)
class BedLine:
    bed: Bed
    stay: Stay | None  # who sleeps there tonight
    code: str | None  # their code (never shown to managers)
    block: BedBlock | None
    nights: int  # nights so far of the stay, tonight included
    state: str = field(init=False)  # blocked, occupied or free: read many times a page

    def __post_init__(self) -> None:
        state = "blocked" if self.block else "occupied" if self.stay else "free"
        object.__setattr__(self, "state", state)


@dataclass(frozen=True)
class ProgrammeBoard:
    programme: Programme
    beds: list[BedLine]
    arrivals: list[tuple[Stay, str]]  # entered tonight
    departures: list[tuple[Stay, str]]  # left this morning

    def count(self, state: str) -> int:
        return sum(1 for line in self.beds if line.state == state)

    @property
    def free(self) -> list[BedLine]:
        return [line for line in self.beds if line.state == "free"]


def board_programmes(session: Session) -> list[Programme]:
    """Active programmes the centre runs itself (they have beds), emergency ones first."""
    programmes = session.scalars(
        select(Programme)
        .where(Programme.active.is_(True), Programme.site_id.is_not(None))
        .order_by(Programme.name)
    ).all()
    return sorted(programmes, key=lambda p: (not p.night_by_night, p.name))


def board(session: Session, night: date) -> list[ProgrammeBoard]:
    """Every centre-run programme's beds on `night`, with arrivals and departures."""
    programmes = board_programmes(session)
    ids = [p.id for p in programmes]
    if not ids:
        return []
    beds = session.scalars(
        select(Bed)
        .where(Bed.programme_id.in_(ids), Bed.active.is_(True))
        .order_by(Bed.programme_id, Bed.position)
    ).all()
    blocks = {
        b.bed_id: b
        for b in session.scalars(
            select(BedBlock)
            .join(Bed, Bed.id == BedBlock.bed_id)
            .where(Bed.programme_id.in_(ids), blocking(night))
        )
    }
    guests = guests_of_night(session, ids, night)
    spent = _nights_so_far(session, [stay for stay, _code in guests.values()], night)
    # Two reads, each through its own index, where their OR would scan years of stays.
    arrivals, departures = (
        _by_programme(
            session.execute(
                select(Stay, Person.code)
                .join(Person, Person.id == Stay.person_id)
                .where(Stay.programme_id.in_(ids), moved)
                .order_by(Stay.id)
            )
        )
        for moved in (Stay.entry_on == night, Stay.exit_on == night)
    )
    lines: dict[int, list[BedLine]] = defaultdict(list)
    for bed in beds:
        stay, code = guests.get(bed.id, (None, None))
        nights = spent.get(stay.id, 0) if stay else 0
        lines[bed.programme_id].append(BedLine(bed, stay, code, blocks.get(bed.id), nights))
    return [
        ProgrammeBoard(p, lines[p.id], arrivals.get(p.id, []), departures.get(p.id, []))
        for p in programmes
    ]


def _by_programme(rows: Iterable[Any]) -> dict[int, list[tuple[Stay, str]]]:
    grouped: dict[int, list[tuple[Stay, str]]] = defaultdict(list)
    for stay, code in rows:
        grouped[stay.programme_id].append((stay, code))
    return grouped


def _nights_so_far(session: Session, guests: list[Stay], night: date) -> dict[int, int]:
    """For each guest's stay, tonight included, the nights its programme's maximum counts.

    In a window (N nights in any W days): every night of the person there in the W days. Per
    stay: the run of stays back to back (left one morning, back that evening), followed back
    one step a read through `ix_stays_exit_on` and only until it passes the maximum: past it,
    the board says so, and how far past matters no more.
    """
    tomorrow = night + timedelta(days=1)
    spent = {s.id: (tomorrow - s.entry_on).days for s in guests}
    windowed = [s for s in guests if s.programme.max_nights and s.programme.window_days]
    if windowed:
        start = min(tomorrow - timedelta(days=s.programme.window_days or 0) for s in windowed)
        history: dict[tuple[int, int], list[tuple[date, date | None]]] = defaultdict(list)
        for person_id, programme_id, entry_on, exit_on in session.execute(
            select(Stay.person_id, Stay.programme_id, Stay.entry_on, Stay.exit_on).where(
                Stay.person_id.in_({s.person_id for s in windowed}),
                Stay.exit_on > start,
                Stay.exit_on <= night,
            )
        ):
            history[(person_id, programme_id)].append((entry_on, exit_on))
        for s in windowed:
            earlier = history[(s.person_id, s.programme_id)]
            spent[s.id] = nights_before(
                [(s.entry_on, None), *earlier], tomorrow, s.programme.window_days
            )
    # Per stay: where each run has got back to, by (person, programme).
    reached = {
        (s.person_id, s.programme_id): (s.id, s.entry_on)
        for s in guests
        if s.programme.max_nights and not s.programme.window_days
    }
    limit = {s.id: s.programme.max_nights or 0 for s in guests}
    while reached:
        found = session.execute(
            select(Stay.person_id, Stay.programme_id, Stay.entry_on, Stay.exit_on).where(
                Stay.exit_on.in_({day for _, day in reached.values()}),
                Stay.person_id.in_({person for person, _ in reached}),
            )
        ).all()
        further = {}
        for person_id, programme_id, entry_on, exit_on in found:
            key = (person_id, programme_id)
            if key in reached and reached[key][1] == exit_on:
                stay_id = reached[key][0]
                spent[stay_id] += (exit_on - entry_on).days
                if spent[stay_id] <= limit[stay_id]:
                    further[key] = (stay_id, entry_on)
        reached = further
    return spent


def stay_on_bed(session: Session, bed: Bed, night: date) -> Stay | None:
    return session.scalar(select(Stay).where(Stay.bed_id == bed.id, occupying(night)))


def block_bed(
    session: Session,
    *,
    actor_id: int,
    bed: Bed,
    night: date,
    reason: BlockReason,
    now: datetime | None = None,
) -> BedBlock:
    """Take a bed out of use from `night` until it is unblocked."""
    if stay_on_bed(session, bed, night) is not None:
        raise BedOccupiedError()
    if session.scalar(select(BedBlock.id).where(BedBlock.bed_id == bed.id, blocking(night))):
        raise BedTakenError()  # blocked already (by another terminal)
    block = BedBlock(
        bed_id=bed.id, from_night=night, reason=reason, by_id=actor_id, created_at=now or utcnow()
    )
    session.add(block)
    try:
        session.flush()
    except IntegrityError:
        raise BedTakenError() from None
    record(session, actions.BED_BLOCKED, by=actor_id, on=bed.id)
    return block


def unblock_bed(session: Session, *, actor_id: int, bed: Bed, night: date) -> None:
    """The bed is usable again from `night`; a block begun tonight leaves no trace of nights."""
    block = session.scalar(select(BedBlock).where(BedBlock.bed_id == bed.id, blocking(night)))
    if block is None:
        raise NotBlockedError()
    if block.from_night >= night:
        session.delete(block)
    else:
        block.until_night = night
    session.flush()
    record(session, actions.BED_UNBLOCKED, by=actor_id, on=bed.id)
