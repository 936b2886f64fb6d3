"""Day-labour test data: task types and phases made on first use, offers, sign-ups."""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.employment.models import Offer, OfferStatus, SignUp, TaskType, WorkPhase

# The migration's default progression; tests start with empty tables, so it is made here.
DEFAULT_PHASES = {
    "first_day_jobs": 0,
    "regular_day_jobs": 10,
    "longer_contract": 20,
    "training": 30,
    "regular_job": 40,
}


def task_type(session: Session, key: str = "cleaning") -> TaskType:
    found = session.scalars(select(TaskType).where(TaskType.key == key)).one_or_none()
    if found is None:
        found = TaskType(key=key, label_fr=f"{key} fr", label_nl=f"{key} nl", label_en=key)
        session.add(found)
        session.flush()
    return found


def phase(session: Session, key: str = "first_day_jobs") -> WorkPhase:
    found = session.scalars(select(WorkPhase).where(WorkPhase.key == key)).one_or_none()
    if found is None:
        found = WorkPhase(
            key=key,
            label_fr=f"{key} fr",
            label_nl=f"{key} nl",
            label_en=key,
            sort_order=DEFAULT_PHASES.get(key, 50),
        )
        session.add(found)
        session.flush()
    return found


def offer(
    session: Session,
    *,
    supervisor_id: int,
    on: date,
    starts_at: time = time(8, 0),
    ends_at: time = time(12, 0),
    places: int = 7,
    hourly_rate: str = "10.00",
    place: str = "Parc de la Porte de Hal",
    **extra: Any,
) -> Offer:
    made = Offer(
        on=on,
        starts_at=starts_at,
        ends_at=ends_at,
        task_type_id=task_type(session).id,
        place=place,
        places=places,
        hourly_rate=Decimal(hourly_rate),
        supervisor_id=supervisor_id,
        phase_id=phase(session).id,
        status=OfferStatus.OPEN,
        created_by_id=supervisor_id,
        **extra,
    )
    session.add(made)
    session.flush()
    return made


def signup(session: Session, *, offer: Offer, person_id: int, by_id: int) -> SignUp:
    made = SignUp(offer_id=offer.id, person_id=person_id, created_by_id=by_id)
    session.add(made)
    session.flush()
    return made
