"""Incidents: overdoses, medical emergencies, aggression; entered up to 7 days late.

Pure: a session, the acting user and plain values come in; results or FieldErrors go out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from centre.audit.services import record
from centre.catalogues import services as catalogues
from centre.db import utcnow
from centre.people.models import Person
from centre.validation import FieldErrors

from .. import actions
from ..models import Incident, IncidentKind, IncidentOutcome
from ..settings import ReceptionSettings
from ..shifts import Shift, shift_at
from .people import person_behind

MAX_NALOXONE_DOSES = 20
MAX_DESCRIPTION = 300
# Late entries: a night's incident written up the next days, never a future one.
MAX_DELAY = timedelta(days=7)
CLOCK_SLACK = timedelta(minutes=5)


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


NALOXONE_KINDS = frozenset({IncidentKind.OVERDOSE, IncidentKind.MEDICAL_EMERGENCY})


def _validate_incident(
    session: Session, data: IncidentInput, now: datetime
) -> tuple[Person | None, datetime]:
    problems = FieldErrors()
    if catalogues.active_site(session, data.site_id) is None:
        problems.add("site", "inactive")
    person = person_behind(session, data.code, problems)
    if not 0 <= data.naloxone_doses <= MAX_NALOXONE_DOSES:
        problems.add("naloxone_doses", "naloxone_range")
    if data.naloxone_doses and data.kind not in NALOXONE_KINDS:
        problems.add("naloxone_doses", "naloxone_kind")
    occurred = data.occurred_at or now
    if occurred > now + CLOCK_SLACK or occurred < now - MAX_DELAY:
        problems.add("occurred_at", "time_range")
    if len(data.description) > MAX_DESCRIPTION:
        problems.add("description", "too_long")
    problems.raise_if_any()
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
        session, actions.INCIDENT_LOGGED, by=actor_id, on=incident.id, person_id=incident.person_id
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
        session, actions.INCIDENT_UPDATED, by=actor_id, on=incident.id, person_id=incident.person_id
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
