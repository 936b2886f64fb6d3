"""Housing's rows on a person's pathway: each step of a stay and of a waiting-list application."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from centre.timeline import entry

from ..models import Application, ApplicationEvent, Stay, StayEvent


def pathway_entries(person_id: int) -> list[Select[Any]]:
    stays = (
        select(
            *entry(
                "stay",
                StayEvent.id,
                StayEvent.at,
                on=StayEvent.on,
                what=StayEvent.kind,
                detail=StayEvent.detail,
                by_id=StayEvent.by_id,
                about_id=StayEvent.stay_id,
            )
        )
        .join(Stay, Stay.id == StayEvent.stay_id)
        .where(Stay.person_id == person_id)
    )
    applications = (
        select(
            *entry(
                "application",
                ApplicationEvent.id,
                ApplicationEvent.at,
                on=ApplicationEvent.on,
                what=ApplicationEvent.status,
                detail=ApplicationEvent.priority,
                by_id=ApplicationEvent.by_id,
                about_id=ApplicationEvent.application_id,
            )
        )
        .join(Application, Application.id == ApplicationEvent.application_id)
        .where(Application.person_id == person_id)
    )
    return [stays, applications]


def stays_by_id(session: Session, ids: set[int]) -> dict[int, Stay]:
    """The stays a page of the pathway names, with their programme and its ladder step."""
    if not ids:
        return {}
    return {s.id: s for s in session.scalars(select(Stay).where(Stay.id.in_(ids)))}


def applications_by_id(session: Session, ids: set[int]) -> dict[int, Application]:
    if not ids:
        return {}
    return {a.id: a for a in session.scalars(select(Application).where(Application.id.in_(ids)))}
