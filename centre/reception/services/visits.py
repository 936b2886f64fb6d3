"""Visits: log, correct and delete them; the shift's list and totals.

Pure: a session, the acting user and plain values come in; results or FieldErrors go out.
Every problem of a visit is found at once, one check per field, so the page can show each
message beside its input and keep everything that was typed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session, selectinload

from centre.audit.services import record
from centre.catalogues import services as catalogues
from centre.catalogues.models import Service, Site, Supply
from centre.catalogues.services import Kind
from centre.db import table_of, utcnow
from centre.people.models import Gender, Person
from centre.validation import FieldErrors

from .. import actions
from ..models import (
    AgeBand,
    DeletionReason,
    Incident,
    ReturnMethod,
    Visit,
    VisitService,
    VisitSupply,
)
from ..settings import ReceptionSettings
from ..shifts import Shift, shift_at
from .people import person_behind

# Above any per-item maximum, even an explicit override cannot go: surely a typo.
ABSOLUTE_MAX_QUANTITY = 10_000
MAX_SHARPS_LITRES = 100
MAX_RETURNED = 100_000
MAX_REMARK = 200
# Staff may correct or delete their own entries for this long.
CORRECTION_WINDOW = timedelta(hours=12)


class NotCorrectableError(Exception):
    """Only one's own entries, not deleted, within the correction window."""


@dataclass(frozen=True)
class VisitInput:
    site_id: int
    code: str = ""
    gender: Gender | None = None
    age_band: AgeBand = AgeBand.NOT_KNOWN
    service_ids: frozenset[int] = frozenset()
    supplies: dict[int, int] = field(default_factory=dict)
    override_max: bool = False
    returned_count: int | None = None
    sharps_litres: float | None = None
    remark: str = ""
    womens_space: bool = False


def age_band_for(birth_year: int | None, today_year: int) -> AgeBand:
    if birth_year is None:
        return AgeBand.NOT_KNOWN
    age = today_year - birth_year
    if age < 15:
        return AgeBand.UNDER_15
    if age >= 65:
        return AgeBand.FROM_65
    low = age - age % 5
    return AgeBand(f"{low}-{low + 4}")


@dataclass(frozen=True)
class _Checked:
    site: Site
    person: Person | None
    services: list[Service]
    given: dict[Supply, int]
    returned: int | None
    method: ReturnMethod | None


# --- one check per field --------------------------------------------------------------------


def _check_site(session: Session, site_id: int, problems: FieldErrors) -> Site | None:
    site = session.get(Site, site_id)
    if site is None or not site.active:
        problems.add("site", "inactive")
        return None
    return site


def _check_services(
    session: Session, service_ids: frozenset[int], problems: FieldErrors
) -> list[Service]:
    found = catalogues.items_by_id(session, Kind.SERVICES, service_ids)
    if len(found) != len(service_ids) or any(not s.active for s in found.values()):
        problems.add("services", "inactive")
    return [item for item in found.values() if isinstance(item, Service)]


def _supply_problem(supply: Supply | None, quantity: int, override_max: bool) -> str | None:
    if supply is None or not supply.active:
        return "inactive"
    if quantity < 0:
        return "negative"
    if quantity > ABSOLUTE_MAX_QUANTITY:
        return "absurd"
    if quantity > supply.max_per_visit and not override_max:
        return "above_max"
    return None


def _check_supplies(
    session: Session, wanted: dict[int, int], override_max: bool, problems: FieldErrors
) -> dict[Supply, int]:
    found = catalogues.items_by_id(session, Kind.SUPPLIES, wanted)
    given: dict[Supply, int] = {}
    for supply_id, quantity in wanted.items():
        supply = found.get(supply_id)
        assert supply is None or isinstance(supply, Supply)  # noqa: S101 - read as supplies
        problem = _supply_problem(supply, quantity, override_max)
        if problem is not None:
            problems.add(f"supply-{supply_id}", problem)
        elif supply is not None:
            given[supply] = quantity
    return given


def _check_returns(
    data: VisitInput, settings: ReceptionSettings, problems: FieldErrors
) -> tuple[int | None, ReturnMethod | None]:
    """Syringes returned: counted, or estimated from a sharps container's volume."""
    if data.returned_count is not None and data.sharps_litres is not None:
        problems.add("returned_count", "return_both")
    elif data.returned_count is not None:
        if not 0 <= data.returned_count <= MAX_RETURNED:
            problems.add("returned_count", "negative" if data.returned_count < 0 else "absurd")
        elif data.returned_count > 0:
            return data.returned_count, ReturnMethod.COUNTED
    elif data.sharps_litres is not None:
        if not 0 < data.sharps_litres <= MAX_SHARPS_LITRES:
            problems.add("sharps_litres", "litres_range")
        else:
            return round(data.sharps_litres * settings.syringes_per_litre), ReturnMethod.ESTIMATED
    return None, None


def _validate(session: Session, data: VisitInput, settings: ReceptionSettings) -> _Checked:
    """Everything wrong with `data` at once (FieldErrors), or the checked values."""
    problems = FieldErrors()
    site = _check_site(session, data.site_id, problems)
    person = person_behind(session, data.code, problems)
    services = _check_services(session, data.service_ids, problems)
    wanted = {sid: qty for sid, qty in data.supplies.items() if qty != 0}
    given = _check_supplies(session, wanted, data.override_max, problems)
    returned, method = _check_returns(data, settings, problems)
    if len(data.remark) > MAX_REMARK:
        problems.add("remark", "too_long")
    if not (data.code.strip() or data.service_ids or wanted or returned):
        # Neither who came nor what for: a blank visit would only inflate the counts.
        problems.add("visit", "empty")
    problems.raise_if_any()
    assert site is not None  # noqa: S101 - a missing site is a problem raised above
    return _Checked(site, person, services, given, returned, method)


def _visit_values(data: VisitInput, checked: _Checked, now: datetime) -> dict[str, object]:
    """The visit's columns from checked input (shared by logging and correcting)."""
    site, person = checked.site, checked.person
    if person is not None:
        # Statistics use what is known of the person; a typed value can only fill a gap.
        gender = (
            person.gender
            if person.gender is not Gender.NOT_STATED
            else (data.gender or Gender.NOT_STATED)
        )
        known = age_band_for(person.birth_year, now.year)
        age_band = known if known is not AgeBand.NOT_KNOWN else data.age_band
    else:
        gender = data.gender or Gender.NOT_STATED
        age_band = data.age_band
    return {
        "site_id": site.id,
        "person_id": person.id if person else None,
        "gender": gender,
        "age_band": age_band,
        "womens_space": site.is_womens_space or data.womens_space,
        "returned_syringes": checked.returned,
        "return_method": checked.method,
        "sharps_litres": (data.sharps_litres if checked.method is ReturnMethod.ESTIMATED else None),
        "remark": data.remark.strip() or None,
    }


# Built once: logging a visit is the busiest path, and building a statement costs more than
# running it on SQLite. Core tables, not the ORM's unit of work, for the same reason.
_INSERT_VISIT = insert(table_of(Visit)).returning(table_of(Visit).c.id)
_INSERT_SERVICE_LINES = insert(table_of(VisitService))
_INSERT_SUPPLY_LINES = insert(table_of(VisitSupply))


def _mark_active(person: Person | None, now: datetime) -> None:
    if person is not None:
        person.last_activity_at = now  # identity retention counts from the last activity


def log_visit(
    session: Session,
    settings: ReceptionSettings,
    *,
    actor_id: int,
    data: VisitInput,
    now: datetime | None = None,
) -> int:
    """Save one visit and its audit event; return the new visit's id.

    The busiest write of the centre: on SQLite every other writer waits while this
    transaction holds the lock, so its INSERTs go straight to the tables.
    """
    checked = _validate(session, data, settings)
    now = now or utcnow()
    shift = shift_at(now, settings.shift_starts)
    values = _visit_values(data, checked, now)
    _mark_active(checked.person, now)
    visit_id: int = session.execute(
        _INSERT_VISIT,
        {
            "occurred_at": now,
            "shift_day": shift.day,
            "shift_index": shift.index,
            "created_by_id": actor_id,
            **values,
        },
    ).scalar_one()
    if checked.services:
        session.execute(
            _INSERT_SERVICE_LINES,
            [{"visit_id": visit_id, "service_id": s.id} for s in checked.services],
        )
    if checked.given:
        session.execute(
            _INSERT_SUPPLY_LINES,
            [
                {"visit_id": visit_id, "supply_id": s.id, "quantity": q}
                for s, q in checked.given.items()
            ],
        )
    record(
        session,
        actions.VISIT_LOGGED,
        by=actor_id,
        on=visit_id,
        person_id=checked.person.id if checked.person else None,
    )
    return visit_id


def _check_correctable(visit: Visit, actor_id: int, now: datetime) -> None:
    if (
        visit.created_by_id != actor_id
        or visit.deleted_at is not None
        or now - visit.created_at > CORRECTION_WINDOW
    ):
        raise NotCorrectableError()


def is_correctable(visit: Visit, actor_id: int, now: datetime | None = None) -> bool:
    try:
        _check_correctable(visit, actor_id, now or utcnow())
    except NotCorrectableError:
        return False
    return True


def correct_visit(
    session: Session, settings: ReceptionSettings, *, actor_id: int, visit: Visit, data: VisitInput
) -> Visit:
    now = utcnow()
    _check_correctable(visit, actor_id, now)
    checked = _validate(session, data, settings)
    visit.services.clear()
    visit.supplies.clear()
    session.flush()
    for column, value in _visit_values(data, checked, now).items():
        setattr(visit, column, value)
    _mark_active(checked.person, now)
    visit.services = [VisitService(service_id=s.id) for s in checked.services]
    visit.supplies = [VisitSupply(supply_id=s.id, quantity=q) for s, q in checked.given.items()]
    visit.updated_at = now
    session.flush()
    record(session, actions.VISIT_CORRECTED, by=actor_id, on=visit.id, person_id=visit.person_id)
    return visit


def delete_visit(session: Session, *, actor_id: int, visit: Visit, reason: DeletionReason) -> None:
    """Soft delete: the row stays for the audit trail, out of every list and total."""
    now = utcnow()
    _check_correctable(visit, actor_id, now)
    visit.deleted_at = now
    visit.deleted_by_id = actor_id
    visit.deletion_reason = reason
    record(
        session,
        actions.VISIT_DELETED,
        by=actor_id,
        object_type=f"visit:{reason.value}",
        on=visit.id,
        person_id=visit.person_id,
    )


# --- lists and totals -------------------------------------------------------------------------


def shift_visits(
    session: Session, *, site_id: int, shift: Shift, limit: int | None = None
) -> list[Visit]:
    """The shift's visits, newest first; `limit` keeps the reception screen fast."""
    return list(
        session.scalars(
            select(Visit)
            .where(
                Visit.site_id == site_id,
                Visit.shift_day == shift.day,
                Visit.shift_index == shift.index,
                Visit.deleted_at.is_(None),
            )
            .options(
                selectinload(Visit.services),
                selectinload(Visit.supplies),
                selectinload(Visit.person),
            )
            .order_by(Visit.occurred_at.desc(), Visit.id.desc())
            .limit(limit)
        )
    )


@dataclass
class ShiftTotals:
    visits: int = 0
    anonymous: int = 0
    persons: int = 0
    womens_space: int = 0
    by_service: Counter[int] = field(default_factory=Counter)
    by_supply: Counter[int] = field(default_factory=Counter)
    syringes_given: int = 0
    syringes_returned: int = 0
    incidents: Counter[str] = field(default_factory=Counter)

    @property
    def return_rate(self) -> float | None:
        return self.syringes_returned / self.syringes_given if self.syringes_given else None


def shift_totals(session: Session, *, site_id: int, shift: Shift) -> ShiftTotals:
    """Totals computed in the database, so they stay right however long the shift is."""
    in_shift = (
        Visit.site_id == site_id,
        Visit.shift_day == shift.day,
        Visit.shift_index == shift.index,
        Visit.deleted_at.is_(None),
    )
    totals = ShiftTotals()
    row = session.execute(
        select(
            func.count(Visit.id),
            func.count(Visit.id).filter(Visit.person_id.is_(None)),
            func.count(func.distinct(Visit.person_id)),
            func.count(Visit.id).filter(Visit.womens_space.is_(True)),
            func.coalesce(func.sum(Visit.returned_syringes), 0),
        ).where(*in_shift)
    ).one()
    (
        totals.visits,
        totals.anonymous,
        totals.persons,
        totals.womens_space,
        totals.syringes_returned,
    ) = (int(v) for v in row)
    totals.by_service.update(
        dict(
            session.execute(
                select(VisitService.service_id, func.count())
                .join(Visit)
                .where(*in_shift)
                .group_by(VisitService.service_id)
            ).all()
        )
    )
    for supply_id, quantity, is_syringe in session.execute(
        select(VisitSupply.supply_id, func.sum(VisitSupply.quantity), Supply.is_syringe)
        .join(Visit)
        .join(Supply)
        .where(*in_shift)
        .group_by(VisitSupply.supply_id, Supply.is_syringe)
    ):
        totals.by_supply[supply_id] = int(quantity)
        if is_syringe:
            totals.syringes_given += int(quantity)
    totals.incidents.update(
        dict(
            session.execute(
                select(Incident.kind, func.count())
                .where(
                    Incident.site_id == site_id,
                    Incident.shift_day == shift.day,
                    Incident.shift_index == shift.index,
                )
                .group_by(Incident.kind)
            ).all()
        )
    )
    return totals


def recent_codes(session: Session, *, site_id: int, since: datetime, limit: int = 300) -> list[str]:
    """Codes seen at this site lately: the completion list of the code field."""
    return list(
        session.scalars(
            select(Person.code)
            .join(Visit, Visit.person_id == Person.id)
            .where(Visit.site_id == site_id, Visit.occurred_at >= since, Visit.deleted_at.is_(None))
            .group_by(Person.code)
            .order_by(func.max(Visit.occurred_at).desc())
            .limit(limit)
        )
    )
