"""Housing measures over a period: occupancy, length of stay, exits, retention, returns, moves.

Pure reads: a session and a period in, frozen results out, for the measures page now and the
statistics pages later. Nothing here names a person: results are counts, rates and dates.

A night belongs to the evening it starts, so a period [start, end] holds the nights start to
end included, and a stay covers the nights n with entry_on <= n < exit_on (exit_on NULL:
still there). The work is done where it is cheap: rows are read as narrow tuples, once, and
counted in Python when a per-night or per-person walk is needed; whole-history questions
(returns to homelessness, the previous stay) are asked of the database, on the stays'
indexes by person and by programme.
"""

from __future__ import annotations

import enum
import statistics
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, TypeVarTuple

from flask_babel import lazy_gettext as _l
from sqlalchemy import Result, Select, SQLColumnExpression, String, or_, select, type_coerce
from sqlalchemy.orm import Session, aliased

from centre.periods import add_months

from ..models import (
    DESTINATION_GROUPS,
    NIGHT_BY_NIGHT,
    PERMANENT_SUPPORTED,
    Bed,
    BedBlock,
    Destination,
    DestinationGroup,
    LadderStep,
    Programme,
    ProgrammeType,
    Stay,
)

_Ts = TypeVarTuple("_Ts")

# Months after entry (retention) or after the exit (returns) the measures are read at.
HORIZONS = (6, 12, 24)
DAY = timedelta(days=1)

# As the stored strings: hot reads compare them without making an enum of every row.
PERMANENT_DESTINATIONS = frozenset(
    d.value for d, group in DESTINATION_GROUPS.items() if group is DestinationGroup.PERMANENT
)
HOMELESS_DESTINATIONS = frozenset(
    d.value for d, group in DESTINATION_GROUPS.items() if group is DestinationGroup.HOMELESS
)


class PeriodError(ValueError):
    """The period ends before it starts."""


# --- programmes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInfo:
    """A ladder step as the measures name it (labels in each language, height)."""

    id: int
    key: str
    sort_order: int
    label_fr: str
    label_nl: str
    label_en: str

    def label(self, locale: str) -> str:
        return str(getattr(self, f"label_{locale}", None) or self.label_fr)


@dataclass(frozen=True)
class ProgrammeInfo:
    id: int
    name: str
    type: ProgrammeType
    capacity: int
    run_by_centre: bool
    active: bool
    step: StepInfo


def programmes(session: Session) -> dict[int, ProgrammeInfo]:
    """Every programme with its ladder step, by id (a centre has tens, not thousands)."""
    rows = session.execute(
        select(
            Programme.id,
            Programme.name,
            Programme.type,
            Programme.capacity,
            Programme.site_id,
            Programme.active,
            LadderStep.id,
            LadderStep.key,
            LadderStep.sort_order,
            LadderStep.label_fr,
            LadderStep.label_nl,
            LadderStep.label_en,
        )
        .join(LadderStep, LadderStep.id == Programme.ladder_step_id)
        .order_by(Programme.name, Programme.id)
    )
    return {
        row[0]: ProgrammeInfo(
            id=row[0],
            name=row[1],
            type=row[2],
            capacity=row[3],
            run_by_centre=row[4] is not None,
            active=row[5],
            step=StepInfo(row[6], row[7], row[8], row[9], row[10], row[11]),
        )
        for row in rows
    }


def _in_programmes(column: SQLColumnExpression[int], ids: Collection[int] | None) -> list[Any]:
    return [] if ids is None else [column.in_(sorted(ids))]


def _read(session: Session, statement: Select[*_Ts]) -> Result[*_Ts]:
    """Plain rows on the session's connection: column tuples need no ORM loading step."""
    return session.connection().execute(statement)


# --- 1. occupancy -------------------------------------------------------------------------------

OCCUPANCY_METHOD = _l(
    "For each night of the period, the people housed that night (from the entry, or from "
    "moving in for Housing First, up to the night before the exit) against the capacity "
    "less the centre's beds blocked that night. The rate is all nights used divided by all "
    "nights available. Capacity is today's: a programme whose capacity changed during the "
    "period is measured against its current capacity."
)


@dataclass(frozen=True)
class Occupancy:
    """One programme's nights: `used[i]` and `available[i]` for the night first_night + i."""

    programme: ProgrammeInfo
    first_night: date
    used: tuple[int, ...]
    available: tuple[int, ...]

    @property
    def used_nights(self) -> int:
        return sum(self.used)

    @property
    def available_nights(self) -> int:
        return sum(self.available)

    @property
    def rate(self) -> float | None:
        return _share(self.used_nights, self.available_nights)

    def nights(self) -> Iterable[tuple[date, int, int]]:
        for offset, (used, available) in enumerate(zip(self.used, self.available, strict=True)):
            yield self.first_night + timedelta(days=offset), used, available


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _blocked_nights(
    session: Session, start: date, end: date, ids: Collection[int]
) -> dict[int, list[int]]:
    """Per programme, a difference array of its active beds blocked each night."""
    size = (end - start).days + 1
    changes: dict[int, list[int]] = defaultdict(lambda: [0] * (size + 1))
    if not ids:
        return changes
    rows = session.execute(
        select(Bed.programme_id, BedBlock.from_night, BedBlock.until_night)
        .join(Bed, Bed.id == BedBlock.bed_id)
        .where(
            Bed.active.is_(True),
            Bed.programme_id.in_(sorted(ids)),
            BedBlock.from_night <= end,
            or_(BedBlock.until_night.is_(None), BedBlock.until_night > start),
        )
    )
    for programme_id, from_night, until_night in rows:
        _mark(changes[programme_id], start, end, from_night, until_night)
    return changes


def _mark(changes: list[int], start: date, end: date, first: date, stop: date | None) -> None:
    """+1 from night `first` to the night before `stop` (None: to the end), within the period."""
    begin = max(first, start)
    finish = end + DAY if stop is None else min(stop, end + DAY)
    if begin < finish:
        changes[(begin - start).days] += 1
        changes[(finish - start).days] -= 1


def _running(changes: Sequence[int], size: int) -> list[int]:
    total, out = 0, []
    for change in changes[:size]:
        total += change
        out.append(total)
    return out


# --- 2. length of stay --------------------------------------------------------------------------

LENGTH_METHOD = _l(
    "Stays whose exit falls in the period, wherever their entry was. A stay's length is its "
    "nights, from the entry to the night before the exit (a stay entered and left the same "
    "day counts 0). Mean and median are over those stays."
)


@dataclass(frozen=True)
class StayLengths:
    """Lengths in nights of the stays that ended in the period; `programme` None: all."""

    programme: ProgrammeInfo | None
    count: int
    mean: float | None
    median: float | None


def _lengths(programme: ProgrammeInfo | None, nights: list[int]) -> StayLengths:
    if not nights:
        return StayLengths(programme, 0, None, None)
    return StayLengths(programme, len(nights), statistics.fmean(nights), statistics.median(nights))


# --- 3. exits -----------------------------------------------------------------------------------

EXITS_METHOD = _l(
    "Stays whose exit falls in the period, counted by where the person went, grouped as the "
    "HMIS data standard groups destinations (homeless situations, institutional, temporary, "
    "permanent, other)."
)


@dataclass(frozen=True)
class Exits:
    total: int
    by_group: tuple[tuple[DestinationGroup, int], ...]  # every group, in the standard's order
    by_destination: tuple[tuple[Destination, int], ...]  # those with exits, most first


def _exits(destinations: Counter[Destination]) -> Exits:
    groups: Counter[DestinationGroup] = Counter()
    for destination, count in destinations.items():
        groups[DESTINATION_GROUPS[destination]] += count
    return Exits(
        total=sum(destinations.values()),
        by_group=tuple((group, groups[group]) for group in DestinationGroup),
        by_destination=tuple(
            sorted(
                destinations.items(), key=lambda item: (-item[1], list(Destination).index(item[0]))
            )
        ),
    )


# --- 4. retention -------------------------------------------------------------------------------

RETENTION_METHOD = _l(
    "Housing First and supervised housing only, as the HUD System Performance Measure 7b.2 "
    "counts it. Each person's anchor is their first entry into one of these programmes. At "
    "6, 12 and 24 months after it, counted for everyone who entered at least that long "
    "before the end of the period: retained if still in one of these programmes that day, or "
    "if their last exit from them by that day went to permanent housing. People who died "
    "by that day are left out of the count, as HUD leaves them out."
)


@dataclass(frozen=True)
class Horizon:
    """A measure read `months` after each person's start: `count` of `cohort` (a share)."""

    months: int
    cohort: int
    count: int
    left_out: int = 0  # deceased, for retention

    @property
    def rate(self) -> float | None:
        return _share(self.count, self.cohort)


@dataclass(frozen=True)
class _SupportedStay:
    entry_on: date
    exit_on: date | None
    destination: Destination | None


def retention(
    session: Session,
    *,
    as_of: date,
    programme_ids: Collection[int] | None = None,
    known: dict[int, ProgrammeInfo] | None = None,
) -> tuple[Horizon, ...]:
    """Retention at each horizon, as of `as_of` (the period's end)."""
    known = programmes(session) if known is None else known
    supported = [
        p.id
        for p in known.values()
        if p.type in PERMANENT_SUPPORTED and (programme_ids is None or p.id in programme_ids)
    ]
    by_person: dict[int, list[_SupportedStay]] = defaultdict(list)
    if supported:
        rows = session.execute(
            select(Stay.person_id, Stay.entry_on, Stay.exit_on, Stay.destination).where(
                Stay.programme_id.in_(supported), Stay.entry_on <= as_of
            )
        )
        for person_id, entry_on, exit_on, destination in rows:
            by_person[person_id].append(_SupportedStay(entry_on, exit_on, destination))
    return tuple(_retention_at(months, as_of, by_person.values()) for months in HORIZONS)


def _retention_at(months: int, as_of: date, people: Iterable[list[_SupportedStay]]) -> Horizon:
    cohort = retained = deceased = 0
    for stays in people:
        day = add_months(min(s.entry_on for s in stays), months)
        if day > as_of:
            continue  # entered less than `months` ago
        ended = [s for s in stays if s.exit_on is not None and s.exit_on <= day]
        # A death recorded on the day itself counts too: the person was not there that day.
        if any(s.destination is Destination.DECEASED for s in ended):
            deceased += 1
            continue
        cohort += 1
        inside = any(s.entry_on <= day and (s.exit_on is None or s.exit_on > day) for s in stays)
        if inside:
            retained += 1
        elif ended:
            last = max(ended, key=lambda s: (s.exit_on, s.entry_on))
            retained += (
                last.destination is not None and last.destination.value in PERMANENT_DESTINATIONS
            )
    return Horizon(months, cohort, retained, deceased)


# --- 5. returns to homelessness -----------------------------------------------------------------

RETURNS_METHOD = _l(
    "Everyone whose first exit to permanent housing (from the programmes shown) was at least "
    "6, 12 or 24 months before the end of the period. Returned: within that many months after "
    "the exit, they entered an emergency or night shelter (any programme), or a stay of "
    "theirs ended with the street or a shelter recorded as the destination."
)


# Persons per statement when a list of them is sent (well under SQLite's bound parameters).
PERSONS_PER_QUERY = 2000


def returns(
    session: Session,
    *,
    as_of: date,
    programme_ids: Collection[int] | None = None,
    known: dict[int, ProgrammeInfo] | None = None,
) -> tuple[Horizon, ...]:
    """Returns to homelessness at each horizon, as of `as_of` (the period's end).

    The first sign of homelessness after a person's first exit to permanent housing decides
    every horizon at once. A shelter entry after it is one step forward on the index by
    person and entry date. A homeless exit has no such index (a stay running across the exit
    may end later), so it is only looked for where it could still change the answer: no
    shelter entry within the shortest horizon. Those persons seldom have many stays.
    """
    known = programmes(session) if known is None else known
    shelters = sorted(p.id for p in known.values() if p.type in NIGHT_BY_NIGHT)
    later = aliased(Stay, name="later")
    back_in_shelter = (
        select(later.entry_on)
        .where(
            later.person_id == Stay.person_id,
            later.entry_on > Stay.exit_on,
            later.programme_id.in_(shelters or [0]),
        )
        .order_by(later.entry_on)
        .limit(1)
        .scalar_subquery()
    )
    # No GROUP BY person here: SQLite would walk the whole table in person order (a random
    # read per stay, ten times slower than this scan); the first exit is kept in Python.
    rows = _read(
        session,
        select(Stay.person_id, Stay.exit_on, back_in_shelter).where(
            type_coerce(Stay.destination, String).in_(sorted(PERMANENT_DESTINATIONS)),
            Stay.exit_on <= add_months(as_of, -HORIZONS[0]),
            *_in_programmes(Stay.programme_id, programme_ids),
        ),
    )
    first: dict[int, tuple[date, date | None]] = {}
    for person_id, exit_on, shelter_on in rows:
        if exit_on is not None and (person_id not in first or exit_on < first[person_id][0]):
            first[person_id] = (exit_on, shelter_on)

    undecided = [
        person_id
        for person_id, (exit_on, shelter_on) in first.items()
        if shelter_on is None or shelter_on > add_months(exit_on, HORIZONS[0])
    ]
    sign = {person_id: shelter_on for person_id, (_, shelter_on) in first.items()}
    for offset in range(0, len(undecided), PERSONS_PER_QUERY):
        street = _read(
            session,
            select(Stay.person_id, Stay.exit_on).where(
                Stay.person_id.in_(undecided[offset : offset + PERSONS_PER_QUERY]),
                type_coerce(Stay.destination, String).in_(sorted(HOMELESS_DESTINATIONS)),
            ),
        )
        for person_id, exit_on in street:
            earliest = sign[person_id]
            if exit_on is None or exit_on <= first[person_id][0]:
                continue
            if earliest is None or exit_on < earliest:
                sign[person_id] = exit_on

    out = []
    for months in HORIZONS:
        cohort = returned = 0
        last_exit = add_months(as_of, -months)
        for person_id, (exit_on, _) in first.items():
            if exit_on > last_exit:
                continue
            cohort += 1
            back = sign[person_id]
            returned += back is not None and back <= add_months(exit_on, months)
        out.append(Horizon(months, cohort, returned))
    return tuple(out)


# --- 6. moves on the ladder ---------------------------------------------------------------------

MOVES_METHOD = _l(
    "Each stay entered in the period is compared with the same person's previous stay (the "
    "one entered last before it, in any programme): a higher step of the ladder is a move "
    "up, a lower one a move down, the same step the same level, and no previous stay a first "
    "entry."
)


class Move(enum.StrEnum):
    UP = "up"
    SAME = "same"
    DOWN = "down"
    FIRST = "first"


@dataclass(frozen=True)
class StepMove:
    """Stays entered at step `to` whose previous stay was at step `from_` (None: none)."""

    from_: StepInfo | None
    to: StepInfo
    move: Move
    count: int


@dataclass(frozen=True)
class LadderMoves:
    total: int
    by_move: tuple[tuple[Move, int], ...]  # every kind, up first
    by_steps: tuple[StepMove, ...]  # ordered by the steps' heights, from then to


def _classify(before: StepInfo | None, after: StepInfo) -> Move:
    if before is None:
        return Move.FIRST
    if after.sort_order > before.sort_order:
        return Move.UP
    if after.sort_order < before.sort_order:
        return Move.DOWN
    return Move.SAME


# (person id, entry day as an ordinal, stay id, programme id) of a stay entered in the period
Entry = tuple[int, int, int, int]


def ladder_moves(
    session: Session,
    *,
    start: date,
    end: date,
    programme_ids: Collection[int] | None = None,
    known: dict[int, ProgrammeInfo] | None = None,
) -> LadderMoves:
    """The moves of the stays entered in the period into the programmes given (None: all)."""
    known = programmes(session) if known is None else known
    entered = _read(
        session,
        select(Stay.person_id, Stay.entry_on, Stay.id, Stay.programme_id).where(
            Stay.entry_on >= start, Stay.entry_on <= end
        ),
    )
    return _moves(
        session,
        start,
        end,
        programme_ids,
        known,
        [(p, e.toordinal(), i, g) for p, e, i, g in entered],
    )


def _moves(
    session: Session,
    start: date,
    end: date,
    programme_ids: Collection[int] | None,
    known: dict[int, ProgrammeInfo],
    entered: list[Entry],
) -> LadderMoves:
    """Moves from every stay entered in the period (in any programme: one may be the
    previous stay of another); the previous stay of a person's first entry is looked up."""
    before_start = _previous_before(session, start, end, programme_ids)
    pairs: Counter[tuple[int | None, int]] = Counter()
    person = previous = None
    for person_id, _, _, programme_id in sorted(entered):  # by person, entry, then id
        if person_id != person:
            person, previous = person_id, before_start.get(person_id)
        if programme_ids is None or programme_id in programme_ids:
            pairs[(previous, programme_id)] += 1
        previous = programme_id

    steps: Counter[tuple[StepInfo | None, StepInfo]] = Counter()
    for (previous_id, programme_id), count in pairs.items():
        before = known[previous_id].step if previous_id is not None else None
        steps[(before, known[programme_id].step)] += count
    by_move: Counter[Move] = Counter()
    moves = []
    for (before, after), count in steps.items():
        move = _classify(before, after)
        by_move[move] += count
        moves.append(StepMove(before, after, move, count))
    moves.sort(
        key=lambda m: (
            -1 if m.from_ is None else m.from_.sort_order,
            m.from_.id if m.from_ else 0,
            m.to.sort_order,
            m.to.id,
        )
    )
    return LadderMoves(
        total=sum(by_move.values()),
        by_move=tuple((move, by_move[move]) for move in Move),
        by_steps=tuple(moves),
    )


def _previous_before(
    session: Session, start: date, end: date, programme_ids: Collection[int] | None
) -> dict[int, int]:
    """For each person who entered a stay (of the programmes given) in the period, the
    programme of their last stay entered before it began: one step back on the index by
    person and entry date, once per person rather than once per stay."""
    persons = (
        select(Stay.person_id)
        .where(
            Stay.entry_on >= start,
            Stay.entry_on <= end,
            *_in_programmes(Stay.programme_id, programme_ids),
        )
        .distinct()
        .subquery("persons")
    )
    earlier = aliased(Stay, name="earlier")
    previous = (
        select(earlier.programme_id)
        .where(earlier.person_id == persons.c.person_id, earlier.entry_on < start)
        .order_by(earlier.entry_on.desc(), earlier.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = _read(session, select(persons.c.person_id, previous))
    return {person_id: programme_id for person_id, programme_id in rows if programme_id}


# --- all of them --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HousingMeasures:
    start: date
    end: date
    programme_ids: frozenset[int] | None  # None: every programme
    occupancy: tuple[Occupancy, ...]
    used_nights: int
    available_nights: int
    lengths: tuple[StayLengths, ...]  # per programme with exits, then all (programme None)
    exits: Exits
    retention: tuple[Horizon, ...]
    returns: tuple[Horizon, ...]
    moves: LadderMoves
    has_supported: bool  # a Housing First or supervised programme is among those measured

    @property
    def occupancy_rate(self) -> float | None:
        return _share(self.used_nights, self.available_nights)

    @property
    def nights(self) -> int:
        return (self.end - self.start).days + 1


def housing_measures(
    session: Session,
    *,
    start: date,
    end: date,
    programme_ids: Collection[int] | None = None,
    known: dict[int, ProgrammeInfo] | None = None,
) -> HousingMeasures:
    """Every measure for the period [start, end] (both included) and the programmes given
    (None: all); `known` is `programmes(session)` when the caller has read it already."""
    if end < start:
        raise PeriodError("the period ends before it starts")
    known = programmes(session) if known is None else known
    chosen = frozenset(programme_ids) if programme_ids is not None else None
    size = (end - start).days + 1

    # One read of the stays that touch the period serves occupancy, lengths, exits and the
    # moves. Every programme's: a stay elsewhere can be the previous one of a stay measured.
    # Days are ordinals here: 26,000 stays a year are counted in Python.
    first, stop = start.toordinal(), end.toordinal() + 1
    used: dict[int, list[int]] = {}
    nights_by_programme: dict[int, list[int]] = defaultdict(list)
    destinations: Counter[str] = Counter()
    entered: list[Entry] = []
    rows = _read(
        session,
        select(
            Stay.id,
            Stay.person_id,
            Stay.programme_id,
            Stay.entry_on,
            Stay.move_in_on,
            Stay.exit_on,
            type_coerce(Stay.destination, String),  # counted as text, made enums once
        ).where(Stay.entry_on <= end, or_(Stay.exit_on.is_(None), Stay.exit_on >= start)),
    )
    for stay_id, person_id, programme_id, entry_on, move_in_on, exit_on, destination in rows:
        entry = entry_on.toordinal()
        if entry >= first:
            entered.append((person_id, entry, stay_id, programme_id))
        if chosen is not None and programme_id not in chosen:
            continue
        changes = used.get(programme_id)
        if changes is None:
            changes = used[programme_id] = [0] * (size + 1)
        # Housing First enrols first and counts the unit used from moving in.
        housed = max(entry, move_in_on.toordinal()) if move_in_on else entry
        leave = exit_on.toordinal() if exit_on else stop
        begin, finish = max(housed, first), min(leave, stop)
        if begin < finish:
            changes[begin - first] += 1
            changes[finish - first] -= 1
        if leave < stop:  # left during the period
            nights_by_programme[programme_id].append(leave - entry)
            destinations[destination] += 1

    # Programmes shown: those chosen, or every active one and any other that had stays.
    shown = [
        p
        for p in known.values()
        if (p.id in chosen if chosen is not None else p.active or p.id in used)
    ]
    blocked = _blocked_nights(session, start, end, [p.id for p in shown if p.run_by_centre])
    occupancy = []
    for p in shown:
        nights_used = _running(used[p.id], size) if p.id in used else [0] * size
        off = _running(blocked[p.id], size) if p.id in blocked else [0] * size
        occupancy.append(
            Occupancy(
                programme=p,
                first_night=start,
                used=tuple(nights_used),
                available=tuple(max(p.capacity - n, 0) for n in off),
            )
        )

    lengths = [_lengths(p, nights_by_programme[p.id]) for p in shown if nights_by_programme[p.id]]
    lengths.append(_lengths(None, [n for p in shown for n in nights_by_programme[p.id]]))

    return HousingMeasures(
        start=start,
        end=end,
        programme_ids=chosen,
        occupancy=tuple(occupancy),
        used_nights=sum(o.used_nights for o in occupancy),
        available_nights=sum(o.available_nights for o in occupancy),
        lengths=tuple(lengths),
        exits=_exits(Counter({Destination(d): n for d, n in destinations.items()})),
        retention=retention(session, as_of=end, programme_ids=chosen, known=known),
        returns=returns(session, as_of=end, programme_ids=chosen, known=known),
        moves=_moves(session, start, end, chosen, known, entered),
        has_supported=any(p.type in PERMANENT_SUPPORTED for p in shown),
    )
