"""Append-only audit events, each chained to the previous one by a keyed hash (HMAC)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from centre.db import Base, IntPK, UTCDateTime

if TYPE_CHECKING:
    # Named, not imported, at run time: accounts record audit events, so the audit package
    # must not import them back.
    from centre.auth.models import User


class AuditEvent(Base):
    """Who did what to which object, and how it ended. Ids only, never a value."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_person_id", "person_id"),
        Index("ix_audit_events_actor_id", "actor_id"),
    )

    id: Mapped[IntPK]
    # Contiguous from 1, assigned under the chain lock: a deleted event leaves a hole.
    seq: Mapped[int] = mapped_column(unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64))
    person_id: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(String(16))
    prev_hash: Mapped[str] = mapped_column(String(64))
    # The keyring's audit key that `hash` is an HMAC under: a label, never key material.
    key_id: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    # Who acted, for the audit page; loaded only when asked for (selectinload).
    actor: Mapped[User | None] = relationship("User", lazy="raise")
