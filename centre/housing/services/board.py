"""The bed board: the centre's own beds for one night, free, occupied or blocked.

Reception allocates and releases night-by-night beds (emergency and night shelters) here;
the board also shows the other centre-run programmes' beds. Managers see its counts only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

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

    @property
    def state(self) -> str:
        return "blocked" if self.block else "occupied" if self.stay else "free"


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
    moving = session.execute(
        select(Stay, Person.code)
        .join(Person, Person.id == Stay.person_id)
        .where(
            Stay.programme_id.in_(ids),
            (Stay.entry_on == night) | (Stay.exit_on == night),
        )
        .order_by(Stay.id)
    ).all()
    boards = []
    for programme in programmes:
        lines = []
        for bed in beds:
            if bed.programme_id != programme.id:
                continue
            stay, code = guests.get(bed.id, (None, None))
            nights = spent.get(stay.id, 0) if stay else 0
            lines.append(BedLine(bed, stay, code, blocks.get(bed.id), nights))
        arrivals = [
            (s, c) for s, c in moving if s.programme_id == programme.id and s.entry_on == night
        ]
        departures = [
            (s, c) for s, c in moving if s.programme_id == programme.id and s.exit_on == night
        ]
        boards.append(ProgrammeBoard(programme, lines, arrivals, departures))
    return boards


def _nights_so_far(session: Session, guests: list[Stay], night: date) -> dict[int, int]:
    """For each guest's stay, tonight included, the nights its programme's maximum counts
    (someone back tonight after leaving this morning is still on the same run)."""
    if not guests:
        return {}
    history: dict[tuple[int, int], list[tuple[date, date | None]]] = defaultdict(list)
    for person_id, programme_id, entry_on, exit_on in session.execute(
        select(Stay.person_id, Stay.programme_id, Stay.entry_on, Stay.exit_on)
        .where(
            Stay.person_id.in_({s.person_id for s in guests}),
            Stay.programme_id.in_({s.programme_id for s in guests}),
            Stay.entry_on <= night,
        )
        .order_by(Stay.entry_on.desc(), Stay.id.desc())
    ):
        history[(person_id, programme_id)].append((entry_on, exit_on))
    tomorrow = night + timedelta(days=1)
    return {
        s.id: nights_before(
            history[(s.person_id, s.programme_id)], tomorrow, s.programme.window_days
        )
        for s in guests
    }


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
