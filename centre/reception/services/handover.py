"""The shift handover log: short notes for the next team, marked read by a colleague."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from centre.audit.services import record
from centre.db import utcnow
from centre.validation import single

from .. import actions
from ..models import HandoverEntry
from ..settings import ReceptionSettings
from ..shifts import shift_at

MAX_NOTE = 2000


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
        raise single("body", "required")
    if len(body) > MAX_NOTE:
        raise single("body", "too_long")
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
    record(session, actions.HANDOVER_WRITTEN, by=actor_id, on=entry.id)
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
