"""Programmes: create, edit, deactivate; their beds follow the capacity. Pure: no request.

Rules of a programme (every problem is reported at once, by field, in a FieldErrors):
- a name, at most 80 characters, that no other programme has (inactive ones included: the
  database keeps names unique, and statistics name programmes);
- a type, and a step of the ladder that is active;
- run either by the centre at one of its active sites, or by an active partner of the
  directory, never both; once a programme has stays it stays on its side (its stays are on
  the centre's beds, or not), though it may change site or partner;
- a capacity of 1 to 500 beds or units;
- an optional maximum stay: 1 to 365 nights per stay, or with a window, that many nights in
  any window of up to 365 days, never shorter than the nights.

A site, partner or step that was deactivated since may be kept when an edit leaves it
unchanged (a programme's other settings stay editable); choosing it anew is refused.

A programme run by the centre has one Bed per place, numbered 1, 2, 3… on the bed board.
Raising the capacity reactivates its inactive beds first (lowest numbers first), then adds
beds after the highest number; lowering it deactivates the highest-numbered beds nobody is
in, and is refused when too few are free. Beds are never deleted: past stays point at them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Exists, Select, exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from centre.audit.services import record
from centre.catalogues.models import Site
from centre.directory.models import Partner
from centre.pagination import Page, paginate
from centre.validation import ChangedSinceOpenedError, FieldErrors, check_version, single

from .. import actions
from ..models import (
    PENDING,
    Application,
    Bed,
    CapacityUnit,
    LadderStep,
    Programme,
    ProgrammeType,
    Stay,
)

MAX_NAME_LENGTH = 80
MIN_CAPACITY, MAX_CAPACITY = 1, 500
MIN_NIGHTS, MAX_NIGHTS = 1, 365
MAX_WINDOW_DAYS = 365


class ProgrammeOccupiedError(Exception):
    """People still stay in the programme: they exit before it closes."""

    def __init__(self, open_stays: int) -> None:
        super().__init__()
        self.open_stays = open_stays


@dataclass(frozen=True)
class ProgrammeValues:
    """What a manager sets on a programme: the form's fields, None where left empty."""

    name: str
    type: ProgrammeType | None
    site_id: int | None
    partner_id: int | None
    capacity: int | None
    capacity_unit: CapacityUnit | None
    ladder_step_id: int | None
    max_nights: int | None = None
    window_days: int | None = None


@dataclass(frozen=True)
class Usage:
    """What stands in the way of closing a programme, or is worth knowing before."""

    open_stays: int
    pending_applications: int


# --- reading ----------------------------------------------------------------------------------


def programme_or_none(session: Session, programme_id: int) -> Programme | None:
    return session.get(Programme, programme_id)


def _by_ladder(query: Select[Programme]) -> Select[Programme]:
    """Up the ladder, then by name: the order every list of programmes follows."""
    return query.join(LadderStep, LadderStep.id == Programme.ladder_step_id).order_by(
        LadderStep.sort_order, func.lower(Programme.name), Programme.id
    )


def active_programmes(
    session: Session,
    *,
    run_by_centre: bool | None = None,
    types: frozenset[ProgrammeType] | None = None,
) -> list[Programme]:
    """The active programmes, up the ladder; only the centre's (True) or the partners'
    (False) when asked, and only of these types when given."""
    query = select(Programme).where(Programme.active.is_(True))
    if run_by_centre is not None:
        column = Programme.site_id if run_by_centre else Programme.partner_id
        query = query.where(column.is_not(None))
    if types is not None:
        query = query.where(Programme.type.in_(types))
    return list(session.scalars(_by_ladder(query)))


def programmes_page(session: Session, *, page: int, per_page: int) -> Page[Programme]:
    """Every programme, the active ones first, each group up the ladder."""
    query = (
        select(Programme)
        .join(LadderStep, LadderStep.id == Programme.ladder_step_id)
        .order_by(
            Programme.active.desc(),
            LadderStep.sort_order,
            func.lower(Programme.name),
            Programme.id,
        )
    )
    return paginate(session, query, page=page, per_page=per_page)


def partner_names(session: Session, programmes: Iterable[Programme]) -> dict[int, str]:
    """The names of the partners running these programmes, by partner id."""
    ids = {p.partner_id for p in programmes if p.partner_id is not None}
    if not ids:
        return {}
    rows = session.execute(select(Partner.id, Partner.name).where(Partner.id.in_(ids)))
    return {row.id: row.name for row in rows}


def sites_by_id(session: Session, programmes: Iterable[Programme]) -> dict[int, Site]:
    """The sites of these programmes run by the centre, by site id."""
    ids = {p.site_id for p in programmes if p.site_id is not None}
    if not ids:
        return {}
    return {site.id: site for site in session.scalars(select(Site).where(Site.id.in_(ids)))}


def site_choices(session: Session, keep: int | None = None) -> list[Site]:
    """The active sites in screen order, and the one a programme keeps even if inactive."""
    query = select(Site).where((Site.active.is_(True)) | (Site.id == keep))
    return list(session.scalars(query.order_by(Site.active.desc(), Site.sort_order, Site.id)))


def partner_choices(session: Session, keep: int | None = None) -> list[tuple[int, str, bool]]:
    """(id, name, active) of the active partners by name, and the one a programme keeps."""
    query = select(Partner.id, Partner.name, Partner.active).where(
        (Partner.active.is_(True)) | (Partner.id == keep)
    )
    rows = session.execute(query.order_by(func.lower(Partner.name), Partner.id)).all()
    return [(row.id, row.name, row.active) for row in rows]


def step_choices(session: Session, keep: int | None = None) -> list[LadderStep]:
    """The active steps of the ladder, lowest first, and the one a programme keeps."""
    query = select(LadderStep).where((LadderStep.active.is_(True)) | (LadderStep.id == keep))
    return list(session.scalars(query.order_by(LadderStep.sort_order, LadderStep.id)))


def has_stays(session: Session, programme: Programme) -> bool:
    return bool(session.scalar(select(exists().where(Stay.programme_id == programme.id))))


def usage(session: Session, programme: Programme) -> Usage:
    open_stays = session.scalar(
        select(func.count())
        .select_from(Stay)
        .where(Stay.programme_id == programme.id, Stay.exit_on.is_(None))
    )
    pending = session.scalar(
        select(func.count())
        .select_from(Application)
        .where(Application.programme_id == programme.id, Application.status.in_(PENDING))
    )
    return Usage(open_stays=int(open_stays or 0), pending_applications=int(pending or 0))


# --- validation -------------------------------------------------------------------------------


def _check_range(
    problems: FieldErrors, name: str, value: int | None, low: int, high: int, *, required: bool
) -> None:
    if value is None:
        if required:
            problems.add(name, "required")
    elif not low <= value <= high:
        problems.add(name, "range", low=low, high=high)


def _check_name(
    session: Session, problems: FieldErrors, name: str, programme: Programme | None
) -> str:
    name = " ".join(name.split())  # no stray or doubled spaces: names are compared
    if not name:
        problems.add("name", "required")
    elif len(name) > MAX_NAME_LENGTH:
        problems.add("name", "length", n=MAX_NAME_LENGTH)
    else:
        # Case aside, so "Night shelter" and "night shelter" are not two programmes.
        query = select(Programme.id).where(func.lower(Programme.name) == name.lower())
        if programme is not None:
            query = query.where(Programme.id != programme.id)
        if session.scalar(query.limit(1)) is not None:
            problems.add("name", "programme_name_taken")
    return name


def _check_run_by(
    session: Session, problems: FieldErrors, values: ProgrammeValues, programme: Programme | None
) -> None:
    site_id, partner_id = values.site_id, values.partner_id
    if site_id is None and partner_id is None:
        problems.add("site_id", "run_by_none")
        return
    if site_id is not None and partner_id is not None:
        problems.add("partner_id", "run_by_both")
        return
    kept = programme is not None and (site_id, partner_id) == (
        programme.site_id,
        programme.partner_id,
    )
    if site_id is not None and not kept:
        site = session.get(Site, site_id)
        if site is None or not site.active:
            problems.add("site_id", "site_inactive")
    if partner_id is not None and not kept:
        partner = session.get(Partner, partner_id)
        if partner is None or not partner.active:
            problems.add("partner_id", "partner_inactive")
    switching = programme is not None and (site_id is not None) != programme.run_by_centre
    if switching and programme is not None and has_stays(session, programme):
        problems.add("site_id" if site_id is not None else "partner_id", "run_by_locked")


# The default ladder's step for each type, taken when a manager leaves the step empty.
USUAL_STEP = {
    ProgrammeType.EMERGENCY_SHELTER: "emergency",
    ProgrammeType.NIGHT_SHELTER: "emergency",
    ProgrammeType.TRANSIT_HOME: "transit_home",
    ProgrammeType.HOUSING_FIRST: "supported",
    ProgrammeType.SUPERVISED_HOUSING: "supported",
    ProgrammeType.SOCIAL_RENTAL_AGENCY: "independent",
}


def usual_step(session: Session, kind: ProgrammeType | None) -> int | None:
    """The active step of the default ladder a programme of this type stands on, if any."""
    key = USUAL_STEP.get(kind) if kind is not None else None
    if key is None:
        return None
    return session.scalar(
        select(LadderStep.id).where(LadderStep.key == key, LadderStep.active.is_(True))
    )


def _check_step(
    session: Session, problems: FieldErrors, step_id: int | None, programme: Programme | None
) -> None:
    if step_id is None:
        problems.add("ladder_step_id", "required")
        return
    if programme is not None and step_id == programme.ladder_step_id:
        return
    step = session.get(LadderStep, step_id)
    if step is None or not step.active:
        problems.add("ladder_step_id", "ladder_step_inactive")


def _check_max_stay(problems: FieldErrors, values: ProgrammeValues) -> None:
    nights, window = values.max_nights, values.window_days
    _check_range(problems, "max_nights", nights, MIN_NIGHTS, MAX_NIGHTS, required=False)
    if window is None:
        return
    if nights is None:
        problems.add("window_days", "window_without_max")
    elif window > MAX_WINDOW_DAYS:
        problems.add("window_days", "range", low=max(nights, MIN_NIGHTS), high=MAX_WINDOW_DAYS)
    elif window < nights:
        problems.add("window_days", "window_shorter_than_max", nights=nights)


def check(
    session: Session, values: ProgrammeValues, programme: Programme | None = None
) -> dict[str, Any]:
    """The programme's new attributes from the values; FieldErrors with every problem.

    `programme` is the one being edited (None when creating)."""
    problems = FieldErrors()
    name = _check_name(session, problems, values.name, programme)
    if values.type is None:
        problems.add("type", "required")
    _check_run_by(session, problems, values, programme)
    _check_range(problems, "capacity", values.capacity, MIN_CAPACITY, MAX_CAPACITY, required=True)
    if values.capacity_unit is None:
        problems.add("capacity_unit", "required")
    _check_max_stay(problems, values)
    step_id = values.ladder_step_id or usual_step(session, values.type)
    _check_step(session, problems, step_id, programme)
    problems.raise_if_any()
    return {
        "name": name,
        "type": values.type,
        "site_id": values.site_id,
        "partner_id": values.partner_id,
        "capacity": values.capacity,
        "capacity_unit": values.capacity_unit,
        "max_nights": values.max_nights,
        "window_days": values.window_days,
        "ladder_step_id": step_id,
    }


# --- beds -------------------------------------------------------------------------------------


def _occupied() -> Exists:
    """A bed somebody is in: an open stay on it."""
    return exists().where(Stay.bed_id == Bed.id, Stay.exit_on.is_(None))


def _fit_beds(session: Session, programme: Programme, wanted: int) -> None:
    """Make the programme's active beds `wanted` in number (see the module docstring).

    FieldErrors (capacity) when fewer beds than needed are free. The beds' rows are locked
    (PostgreSQL) so a bed given away meanwhile is seen given."""
    beds = list(
        session.scalars(
            select(Bed)
            .where(Bed.programme_id == programme.id)
            .order_by(Bed.position)
            .with_for_update()
        )
    )
    active = [bed for bed in beds if bed.active]
    if wanted > len(active):
        missing = wanted - len(active)
        for bed in [bed for bed in beds if not bed.active][:missing]:
            bed.active = True
            missing -= 1
        last = beds[-1].position if beds else 0
        for position in range(last + 1, last + 1 + missing):
            session.add(Bed(programme_id=programme.id, position=position))
    elif wanted < len(active):
        taken = set(
            session.scalars(
                select(Bed.id).where(Bed.programme_id == programme.id, Bed.active, _occupied())
            )
        )
        free = [bed for bed in reversed(active) if bed.id not in taken]
        surplus = len(active) - wanted
        if len(free) < surplus:
            raise single("capacity", "capacity_beds_occupied", occupied=len(taken))
        for bed in free[:surplus]:
            bed.active = False
    session.flush()


# --- changes ----------------------------------------------------------------------------------


def create_programme(session: Session, *, actor_id: int, values: ProgrammeValues) -> Programme:
    """A new, active programme; the centre's get their beds. FieldErrors if invalid."""
    changes = check(session, values)
    programme = Programme(active=True, **changes)
    try:
        # A savepoint: a name taken at the same moment is told, not a 500.
        with session.begin_nested():
            session.add(programme)
            session.flush()
    except IntegrityError:
        raise single("name", "programme_name_taken") from None
    if programme.run_by_centre:
        _fit_beds(session, programme, programme.capacity)
    record(session, actions.PROGRAMME_CREATED, by=actor_id, on=programme.id)
    return programme


def update_programme(
    session: Session,
    *,
    actor_id: int,
    programme: Programme,
    values: ProgrammeValues,
    version: int | None,
) -> bool:
    """Save an edit made on the form opened at `version`; True if anything changed.

    ChangedSinceOpenedError if someone saved the programme since (checked first, and again
    by the UPDATE itself for two saves at once); FieldErrors for the values, the capacity
    included when too few beds are free to lower it."""
    check_version(programme.version, version)
    changes = check(session, values, programme)
    if all(getattr(programme, name) == value for name, value in changes.items()):
        return False
    try:
        with session.begin_nested():
            for name, value in changes.items():
                setattr(programme, name, value)
            session.flush()
            # Beds follow: the capacity for the centre's, none for a partner's.
            _fit_beds(session, programme, programme.capacity if programme.run_by_centre else 0)
    except StaleDataError:
        raise ChangedSinceOpenedError() from None
    except IntegrityError:
        raise single("name", "programme_name_taken") from None
    record(session, actions.PROGRAMME_UPDATED, by=actor_id, on=programme.id)
    return True


def deactivate_programme(session: Session, *, actor_id: int, programme: Programme) -> bool:
    """Close the programme: no new stays or applications; past ones keep it. False if it
    was already inactive; ProgrammeOccupiedError while people still stay in it."""
    if not programme.active:
        return False
    open_stays = usage(session, programme).open_stays
    if open_stays:
        raise ProgrammeOccupiedError(open_stays)
    programme.active = False
    session.flush()
    record(session, actions.PROGRAMME_DEACTIVATED, by=actor_id, on=programme.id)
    return True
