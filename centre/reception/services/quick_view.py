"""What reception sees of one person: the last visits, open incidents, recent material."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from centre.db import utcnow

from ..models import Incident, Visit, VisitSupply


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
