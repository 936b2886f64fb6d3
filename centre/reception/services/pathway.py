"""Reception's rows on a person's pathway: their visits and incidents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from centre.timeline import entry

from ..models import Incident, Visit


def pathway_entries(person_id: int) -> list[Select[Any]]:
    visits = select(
        *entry(
            "visit",
            Visit.id,
            Visit.occurred_at,
            by_id=Visit.created_by_id,
            about_id=Visit.site_id,
        )
    ).where(Visit.person_id == person_id, Visit.deleted_at.is_(None))
    incidents = select(
        *entry(
            "incident",
            Incident.id,
            Incident.occurred_at,
            what=Incident.kind,
            detail=Incident.outcome,
            by_id=Incident.created_by_id,
            about_id=Incident.site_id,
        )
    ).where(Incident.person_id == person_id)
    return [visits, incidents]
