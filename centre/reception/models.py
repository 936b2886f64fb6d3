"""Reception records: visits with services and supplies, incidents, the shift handover log.

Every record carries the Brussels shift it belongs to (`shift_day`, `shift_index`), fixed
when it is written: the centre works around the clock, so lists and totals follow shifts,
and a night shift's visits after midnight still belong to the day it started.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from centre.catalogues.models import Service, Site, Supply
from centre.db import Base, CreatedAt, IntPK, UTCDateTime, string_enum
from centre.people.models import Gender, Person


class AgeBand(enum.StrEnum):
    """The TDI's five-year bands (../shared/reference/tdi.md), NK = not known."""

    UNDER_15 = "<15"
    B15_19 = "15-19"
    B20_24 = "20-24"
    B25_29 = "25-29"
    B30_34 = "30-34"
    B35_39 = "35-39"
    B40_44 = "40-44"
    B45_49 = "45-49"
    B50_54 = "50-54"
    B55_59 = "55-59"
    B60_64 = "60-64"
    FROM_65 = ">=65"
    NOT_KNOWN = "NK"


class ReturnMethod(enum.StrEnum):
    COUNTED = "counted"
    # From the volume of a sharps container and the syringes-per-litre factor.
    ESTIMATED = "estimated"


class DeletionReason(enum.StrEnum):
    MISTAKE = "mistake"
    DUPLICATE = "duplicate"
    WRONG_PERSON = "wrong_person"
    OTHER = "other"


class ShiftStamped:
    shift_day: Mapped[date] = mapped_column(Date)
    shift_index: Mapped[int]


class Visit(ShiftStamped, Base):
    __tablename__ = "visits"
    __table_args__ = (
        Index("ix_visits_site_shift", "site_id", "shift_day", "shift_index"),
        Index("ix_visits_person_occurred", "person_id", "occurred_at"),
        Index("ix_visits_occurred_at", "occurred_at"),
        CheckConstraint(
            "returned_syringes IS NULL OR returned_syringes >= 0", name="returned_not_negative"
        ),
        CheckConstraint(
            "sharps_litres IS NULL OR sharps_litres > 0", name="sharps_litres_positive"
        ),
    )

    id: Mapped[IntPK]
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    # No person: an anonymous visit. Gender and age band are snapshots for statistics.
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    gender: Mapped[Gender] = mapped_column(string_enum(Gender, "gender"), default=Gender.NOT_STATED)
    age_band: Mapped[AgeBand] = mapped_column(
        string_enum(AgeBand, "age_band"), default=AgeBand.NOT_KNOWN
    )
    womens_space: Mapped[bool] = mapped_column(default=False)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    returned_syringes: Mapped[int | None]
    return_method: Mapped[ReturnMethod | None] = mapped_column(
        string_enum(ReturnMethod, "return_method")
    )
    sharps_litres: Mapped[float | None] = mapped_column(Numeric(5, 2, asdecimal=False))
    remark: Mapped[str | None] = mapped_column(String(200))
    # The visit form's one-time token: the same form posted twice makes one visit.
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deletion_reason: Mapped[DeletionReason | None] = mapped_column(
        string_enum(DeletionReason, "deletion_reason")
    )

    site: Mapped[Site] = relationship()
    person: Mapped[Person | None] = relationship()
    services: Mapped[list[VisitService]] = relationship(
        back_populates="visit", cascade="all, delete-orphan"
    )
    supplies: Mapped[list[VisitSupply]] = relationship(
        back_populates="visit", cascade="all, delete-orphan"
    )


class VisitService(Base):
    __tablename__ = "visit_services"

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), primary_key=True)

    visit: Mapped[Visit] = relationship(back_populates="services")
    service: Mapped[Service] = relationship()


class VisitSupply(Base):
    __tablename__ = "visit_supplies"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    visit_id: Mapped[int] = mapped_column(
        ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True
    )
    supply_id: Mapped[int] = mapped_column(ForeignKey("supplies.id"), primary_key=True)
    quantity: Mapped[int]

    visit: Mapped[Visit] = relationship(back_populates="supplies")
    supply: Mapped[Supply] = relationship()


class IncidentKind(enum.StrEnum):
    OVERDOSE = "overdose"
    MEDICAL_EMERGENCY = "medical_emergency"
    AGGRESSION = "aggression"
    OTHER = "other"


class IncidentOutcome(enum.StrEnum):
    RECOVERED_ON_SITE = "recovered_on_site"
    HOSPITAL = "hospital"
    LEFT = "left"
    DIED = "died"
    UNKNOWN = "unknown"


class Incident(ShiftStamped, Base):
    __tablename__ = "incidents"
    __table_args__ = (
        Index("ix_incidents_site_shift", "site_id", "shift_day", "shift_index"),
        Index("ix_incidents_person_id", "person_id"),
        CheckConstraint(
            "naloxone_doses >= 0 AND naloxone_doses <= 20", name="naloxone_doses_range"
        ),
    )

    id: Mapped[IntPK]
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    kind: Mapped[IncidentKind] = mapped_column(string_enum(IncidentKind, "incident_kind"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    naloxone_doses: Mapped[int] = mapped_column(default=0)
    ambulance_called: Mapped[bool] = mapped_column(default=False)
    hospital_transfer: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[IncidentOutcome] = mapped_column(
        string_enum(IncidentOutcome, "incident_outcome"), default=IncidentOutcome.UNKNOWN
    )
    description: Mapped[str | None] = mapped_column(String(300))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]

    site: Mapped[Site] = relationship()
    person: Mapped[Person | None] = relationship()


class HandoverEntry(ShiftStamped, Base):
    """A note for the next shift. Never a place for names: the form says so."""

    __tablename__ = "handover_entries"
    __table_args__ = (
        Index("ix_handover_entries_site_shift", "site_id", "shift_day", "shift_index"),
    )

    id: Mapped[IntPK]
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[CreatedAt]
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    read_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    site: Mapped[Site] = relationship()
