"""Reception: log, correct and delete visits; incidents; the handover log; shift totals.

Pure: a session, the acting user and plain values come in; results or named errors go out.
Validation problems are collected per field as codes (`VisitInvalid.errors`), so the page
can show every message next to its input at once and keep everything that was typed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import Select, bindparam, func, insert, select
from sqlalchemy.orm import Session, selectinload

from centre.audit.services import Action, record
from centre.catalogues.models import Service, Site, Supply
from centre.db import table_of, utcnow
from centre.people.models import Gender, Person
from centre.privacy.codes import normalise_code
from centre.privacy.errors import InvalidCodeError

from .models import (
    AgeBand,
    DeletionReason,
    HandoverEntry,
    Incident,
    IncidentKind,
    IncidentOutcome,
    ReturnMethod,
    Visit,
    VisitService,
    VisitSupply,
)
from .shifts import Shift, shift_at

# Above any per-item maximum, even an explicit override cannot go: surely a typo.
ABSOLUTE_MAX_QUANTITY = 10_000
MAX_SHARPS_LITRES = 100
MAX_RETURNED = 100_000
# Staff may correct or delete their own entries for this long.
CORRECTION_WINDOW = timedelta(hours=12)
MAX_NALOXONE_DOSES = 20


class IntakeError(Exception):
    pass


class VisitInvalid(IntakeError):
    """Field name -> error codes; the route turns each into a message beside the field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


class NotCorrectable(IntakeError):
    """Only one's own entries, not deleted, within the correction window."""


class IncidentInvalid(VisitInvalid):
    pass


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


@dataclass(frozen=True)
class ReceptionSettings:
    shift_starts: Sequence[time]
    syringes_per_litre: int


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


_PERSON_BY_CODE = select(Person).where(Person.code == bindparam("code"))


def find_person_code(
    session: Session, code: str, errors: dict[str, list[str]], field_name: str = "code"
) -> Person | None:
    """The person behind a typed code, or None for anonymous; problems go into `errors`."""
    if not code.strip():
        return None
    try:
        canonical = normalise_code(code)
    except InvalidCodeError as error:
        errors.setdefault(field_name, []).append(f"code_{error.reason}")
        return None
    person = session.scalar(_PERSON_BY_CODE, {"code": canonical})
    if person is None:
        errors.setdefault(field_name, []).append("code_unknown")
    return person


@dataclass(frozen=True)
class _Checked:
    site: Site
    person: Person | None
    services: list[Service]
    given: dict[Supply, int]
    returned: int | None
    method: ReturnMethod | None


_SERVICES_BY_ID = select(Service).where(Service.id.in_(bindparam("ids", expanding=True)))
_SUPPLIES_BY_ID = select(Supply).where(Supply.id.in_(bindparam("ids", expanding=True)))


def _validate(session: Session, data: VisitInput, settings: ReceptionSettings) -> _Checked:
    """Everything wrong with `data` at once (VisitInvalid), or the checked values."""
    errors: dict[str, list[str]] = {}
    site = session.get(Site, data.site_id)
    if site is None or not site.active:
        errors.setdefault("site", []).append("inactive")
    person = find_person_code(session, data.code, errors)

    services = (
        list(session.scalars(_SERVICES_BY_ID, {"ids": list(data.service_ids)}))
        if data.service_ids
        else []
    )
    if len(services) != len(data.service_ids) or any(not s.active for s in services):
        errors.setdefault("services", []).append("inactive")

    wanted = {sid: qty for sid, qty in data.supplies.items() if qty != 0}
    supplies = (
        {s.id: s for s in session.scalars(_SUPPLIES_BY_ID, {"ids": list(wanted)})} if wanted else {}
    )
    given: dict[Supply, int] = {}
    for supply_id, quantity in wanted.items():
        name = f"supply-{supply_id}"
        supply = supplies.get(supply_id)
        if supply is None or not supply.active:
            errors.setdefault(name, []).append("inactive")
        elif quantity < 0:
            errors.setdefault(name, []).append("negative")
        elif quantity > ABSOLUTE_MAX_QUANTITY:
            errors.setdefault(name, []).append("absurd")
        elif quantity > supply.max_per_visit and not data.override_max:
            errors.setdefault(name, []).append("above_max")
        else:
            given[supply] = quantity

    returned, method = None, None
    if data.returned_count is not None and data.sharps_litres is not None:
        errors.setdefault("returned_count", []).append("return_both")
    elif data.returned_count is not None:
        if not 0 <= data.returned_count <= MAX_RETURNED:
            errors.setdefault("returned_count", []).append(
                "negative" if data.returned_count < 0 else "absurd"
            )
        elif data.returned_count > 0:
            returned, method = data.returned_count, ReturnMethod.COUNTED
    elif data.sharps_litres is not None:
        if not 0 < data.sharps_litres <= MAX_SHARPS_LITRES:
            errors.setdefault("sharps_litres", []).append("litres_range")
        else:
            returned = round(data.sharps_litres * settings.syringes_per_litre)
            method = ReturnMethod.ESTIMATED
    if len(data.remark) > 200:
        errors.setdefault("remark", []).append("too_long")
    if not (data.code.strip() or data.service_ids or wanted or returned):
        # Neither who came nor what for: a blank visit would only inflate the counts.
        errors.setdefault("visit", []).append("empty")
    if errors or site is None:
        raise VisitInvalid(errors)
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
        Action.VISIT_LOGGED,
        actor_id=actor_id,
        object_type="visit",
        object_id=visit_id,
        person_id=checked.person.id if checked.person else None,
    )
    return visit_id


def _check_correctable(visit: Visit, actor_id: int, now: datetime) -> None:
    if (
        visit.created_by_id != actor_id
        or visit.deleted_at is not None
        or now - visit.created_at > CORRECTION_WINDOW
    ):
        raise NotCorrectable()


def is_correctable(visit: Visit, actor_id: int, now: datetime | None = None) -> bool:
    try:
        _check_correctable(visit, actor_id, now or utcnow())
    except NotCorrectable:
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
    record(
        session,
        Action.VISIT_CORRECTED,
        actor_id=actor_id,
        object_type="visit",
        object_id=visit.id,
        person_id=visit.person_id,
    )
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
        Action.VISIT_DELETED,
        actor_id=actor_id,
        object_type=f"visit:{reason.value}",
        object_id=visit.id,
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


# --- incidents --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentInput:
    site_id: int
    kind: IncidentKind
    code: str = ""
    occurred_at: datetime | None = None
    naloxone_doses: int = 0
    ambulance_called: bool = False
    outcome: IncidentOutcome = IncidentOutcome.UNKNOWN
    description: str = ""
    closed: bool = False


def _validate_incident(
    session: Session, data: IncidentInput, now: datetime
) -> tuple[Person | None, datetime]:
    errors: dict[str, list[str]] = {}
    site = session.get(Site, data.site_id)
    if site is None or not site.active:
        errors.setdefault("site", []).append("inactive")
    person = find_person_code(session, data.code, errors)
    if not 0 <= data.naloxone_doses <= MAX_NALOXONE_DOSES:
        errors.setdefault("naloxone_doses", []).append("naloxone_range")
    if (
        data.naloxone_doses
        and data.kind is not IncidentKind.OVERDOSE
        and data.kind is not IncidentKind.MEDICAL_EMERGENCY
    ):
        errors.setdefault("naloxone_doses", []).append("naloxone_kind")
    occurred = data.occurred_at or now
    if occurred > now + timedelta(minutes=5) or occurred < now - timedelta(days=7):
        errors.setdefault("occurred_at", []).append("time_range")
    if len(data.description) > 300:
        errors.setdefault("description", []).append("too_long")
    if errors:
        raise IncidentInvalid(errors)
    return person, occurred


def log_incident(
    session: Session,
    settings: ReceptionSettings,
    *,
    actor_id: int,
    data: IncidentInput,
    now: datetime | None = None,
) -> Incident:
    now = now or utcnow()
    person, occurred = _validate_incident(session, data, now)
    shift = shift_at(occurred, settings.shift_starts)
    incident = Incident(created_by_id=actor_id, shift_day=shift.day, shift_index=shift.index)
    _apply_incident(incident, data, person, occurred, now)
    session.add(incident)
    session.flush()
    record(
        session,
        Action.INCIDENT_LOGGED,
        actor_id=actor_id,
        object_type="incident",
        object_id=incident.id,
        person_id=incident.person_id,
    )
    return incident


def _apply_incident(
    incident: Incident,
    data: IncidentInput,
    person: Person | None,
    occurred: datetime,
    now: datetime,
) -> None:
    incident.site_id = data.site_id
    incident.kind = data.kind
    incident.person_id = person.id if person else None
    incident.occurred_at = occurred
    incident.naloxone_doses = data.naloxone_doses
    incident.ambulance_called = data.ambulance_called
    # Asked once, as the outcome; kept as its own column for the figures.
    incident.hospital_transfer = data.outcome is IncidentOutcome.HOSPITAL
    incident.outcome = data.outcome
    incident.description = data.description.strip() or None
    incident.closed_at = (incident.closed_at or now) if data.closed else None
    if person is not None:
        person.last_activity_at = max(person.last_activity_at, occurred)


def update_incident(
    session: Session,
    settings: ReceptionSettings,
    *,
    actor_id: int,
    incident: Incident,
    data: IncidentInput,
) -> Incident:
    now = utcnow()
    person, occurred = _validate_incident(session, data, now)
    shift = shift_at(occurred, settings.shift_starts)
    incident.shift_day, incident.shift_index = shift.day, shift.index
    _apply_incident(incident, data, person, occurred, now)
    session.flush()
    record(
        session,
        Action.INCIDENT_UPDATED,
        actor_id=actor_id,
        object_type="incident",
        object_id=incident.id,
        person_id=incident.person_id,
    )
    return incident


def shift_incidents(session: Session, *, site_id: int, shift: Shift) -> list[Incident]:
    return list(
        session.scalars(
            select(Incident)
            .where(
                Incident.site_id == site_id,
                Incident.shift_day == shift.day,
                Incident.shift_index == shift.index,
            )
            .options(selectinload(Incident.person))
            .order_by(Incident.occurred_at.desc())
        )
    )


def open_incidents_before(
    session: Session, *, site_id: int, shift: Shift, since: datetime, limit: int = 50
) -> list[Incident]:
    """Incidents still open from shifts before `shift` (back to `since`), newest first."""
    return list(
        session.scalars(
            select(Incident)
            .where(
                Incident.site_id == site_id,
                Incident.closed_at.is_(None),
                Incident.occurred_at >= since,
                Incident.occurred_at < shift.starts_at,
            )
            .options(selectinload(Incident.person))
            .order_by(Incident.occurred_at.desc())
            .limit(limit)
        )
    )


# --- handover log -----------------------------------------------------------------------------


def write_handover(
    session: Session,
    settings: ReceptionSettings,
    *,
    actor_id: int,
    site_id: int,
    body: str,
    now: datetime | None = None,
) -> HandoverEntry:
    body = body.strip()
    if not body:
        raise VisitInvalid({"body": ["required"]})
    if len(body) > 2000:
        raise VisitInvalid({"body": ["too_long"]})
    now = now or utcnow()
    shift = shift_at(now, settings.shift_starts)
    entry = HandoverEntry(
        site_id=site_id,
        author_id=actor_id,
        body=body,
        created_at=now,
        shift_day=shift.day,
        shift_index=shift.index,
    )
    session.add(entry)
    session.flush()
    record(
        session,
        Action.HANDOVER_WRITTEN,
        actor_id=actor_id,
        object_type="handover",
        object_id=entry.id,
    )
    return entry


def mark_handover_read(session: Session, *, actor_id: int, entry: HandoverEntry) -> bool:
    """Mark read by someone other than the author; False when nothing changed."""
    if entry.read_at is not None or entry.author_id == actor_id:
        return False
    entry.read_at = utcnow()
    entry.read_by_id = actor_id
    return True


def handover_query(*, site_id: int, search: str = "") -> Select[HandoverEntry]:
    query = select(HandoverEntry).where(HandoverEntry.site_id == site_id)
    words = [w for w in search.split() if w][:5]
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(HandoverEntry.body.ilike(f"%{escaped}%", escape="\\"))
    return query.order_by(HandoverEntry.created_at.desc(), HandoverEntry.id.desc())


def unread_handover_count(session: Session, *, site_id: int, actor_id: int) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(HandoverEntry)
            .where(
                HandoverEntry.site_id == site_id,
                HandoverEntry.read_at.is_(None),
                HandoverEntry.author_id != actor_id,
            )
        )
        or 0
    )


# --- the person quick view --------------------------------------------------------------------


@dataclass(frozen=True)
class PersonActivity:
    visits: list[Visit]
    open_incidents: list[Incident]
    supplies_last_30_days: dict[int, int]


def person_activity(
    session: Session, *, person_id: int, now: datetime | None = None, limit: int = 10
) -> PersonActivity:
    now = now or utcnow()
    visits = list(
        session.scalars(
            select(Visit)
            .where(Visit.person_id == person_id, Visit.deleted_at.is_(None))
            .options(
                selectinload(Visit.services), selectinload(Visit.supplies), selectinload(Visit.site)
            )
            .order_by(Visit.occurred_at.desc())
            .limit(limit)
        )
    )
    incidents = list(
        session.scalars(
            select(Incident)
            .where(Incident.person_id == person_id, Incident.closed_at.is_(None))
            .order_by(Incident.occurred_at.desc())
        )
    )
    supplies: dict[int, int] = defaultdict(int)
    for supply_id, quantity in session.execute(
        select(VisitSupply.supply_id, func.sum(VisitSupply.quantity))
        .join(Visit)
        .where(
            Visit.person_id == person_id,
            Visit.deleted_at.is_(None),
            Visit.occurred_at >= now - timedelta(days=30),
        )
        .group_by(VisitSupply.supply_id)
    ):
        supplies[supply_id] = int(quantity)
    return PersonActivity(visits, incidents, dict(supplies))
