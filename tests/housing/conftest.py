"""Housing test data: programmes with their beds, stays, a ladder step by key."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.catalogues.models import Site
from centre.housing.models import (
    Bed,
    CapacityUnit,
    Destination,
    ExitReason,
    LadderStep,
    Programme,
    ProgrammeType,
    Stay,
)
from tests import factories

# The default ladder's step for each programme type (the migration seeds the steps).
STEP_OF_TYPE = {
    ProgrammeType.EMERGENCY_SHELTER: "emergency",
    ProgrammeType.NIGHT_SHELTER: "emergency",
    ProgrammeType.TRANSIT_HOME: "transit_home",
    ProgrammeType.HOUSING_FIRST: "supported",
    ProgrammeType.SUPERVISED_HOUSING: "supported",
    ProgrammeType.SOCIAL_RENTAL_AGENCY: "independent",
    ProgrammeType.OTHER: "emergency",
}


# The migration's default ladder; each test starts with empty tables, so steps are made here.
DEFAULT_LADDER = {
    "street": 0,
    "emergency": 10,
    "transit_home": 20,
    "supported": 30,
    "independent": 40,
}


def step(session: Session, key: str) -> LadderStep:
    """The ladder step `key`, made (with the default ladder's height) on first use."""
    found = session.scalars(select(LadderStep).where(LadderStep.key == key)).one_or_none()
    if found is None:
        found = LadderStep(
            key=key,
            label_fr=f"{key} fr",
            label_nl=f"{key} nl",
            label_en=f"{key} en",
            sort_order=DEFAULT_LADDER.get(key, 50),
        )
        session.add(found)
        session.flush()
    return found


def centre_site(session: Session) -> Site:
    found = session.scalars(select(Site).order_by(Site.id)).first()
    return found or factories.site(session)


def programme(
    session: Session,
    *,
    name: str = "Crisis beds",
    type: ProgrammeType = ProgrammeType.EMERGENCY_SHELTER,
    beds: int | None = 3,
    capacity: int | None = None,
    partner_id: int | None = None,
    max_nights: int | None = None,
    window_days: int | None = None,
    step_key: str | None = None,
    **extra: Any,
) -> Programme:
    """A programme; run by the centre with `beds` numbered beds, or by `partner_id` with
    `capacity` units and no bed board."""
    run_by_partner = partner_id is not None
    made = Programme(
        name=name,
        type=type,
        site_id=None if run_by_partner else centre_site(session).id,
        partner_id=partner_id,
        capacity=capacity or beds or 1,
        capacity_unit=CapacityUnit.UNITS if run_by_partner else CapacityUnit.BEDS,
        max_nights=max_nights,
        window_days=window_days,
        ladder_step_id=step(session, step_key or STEP_OF_TYPE[type]).id,
        **extra,
    )
    session.add(made)
    session.flush()
    if not run_by_partner:
        for position in range(1, (beds or 0) + 1):
            session.add(Bed(programme_id=made.id, position=position))
        session.flush()
    return made


def stay(
    session: Session,
    *,
    person_id: int,
    programme: Programme,
    actor_id: int,
    entry_on: date,
    exit_on: date | None = None,
    destination: Destination | None = None,
    move_in_on: date | None = None,
    bed: Bed | None = None,
    exit_reason: ExitReason | None = None,
) -> Stay:
    """A stay written straight into the tables (measures tests build whole histories)."""
    made = Stay(
        person_id=person_id,
        programme_id=programme.id,
        bed_id=bed.id if bed else None,
        entry_on=entry_on,
        move_in_on=move_in_on,
        exit_on=exit_on,
        destination=destination or (Destination.NOT_KNOWN if exit_on else None),
        exit_reason=exit_reason,
        created_by_id=actor_id,
    )
    session.add(made)
    session.flush()
    return made
