"""Day labour: offers of a day's work, the morning sign-up, attendance, pay, progression.

A person is a code here too: a sign-up needs one (pay needs a record), never a name. Money
is `Numeric` in the database and `Decimal` in Python, never a float; paid lines are never
edited: a correction is a new line that points at the one it corrects.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Time, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from centre.catalogues.models import CatalogueItem
from centre.db import Base, CreatedAt, ExactDecimal, IntPK, UTCDateTime, string_enum


def Money() -> ExactDecimal:
    return ExactDecimal(10, 2)


def Hours() -> ExactDecimal:
    return ExactDecimal(5, 2)


class TaskType(CatalogueItem, Base):
    """A kind of day job (cleaning, gardening, removals…): a list the centre maintains."""

    __tablename__ = "task_types"

    id: Mapped[IntPK]


class WorkPhase(CatalogueItem, Base):
    """A phase of the progression to real work; `sort_order` is its height."""

    __tablename__ = "work_phases"

    id: Mapped[IntPK]


class OfferStatus(enum.StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class Offer(Base):
    """A day's job: when, what, where, how many places, at what hourly rate."""

    __tablename__ = "work_offers"
    __table_args__ = (
        Index("ix_work_offers_on", "on"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("places > 0", name="places_positive"),
        CheckConstraint("hourly_rate >= 0", name="rate_not_negative"),
    )

    id: Mapped[IntPK]
    # A partner of the directory, or the centre itself (NULL).
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    on: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[time] = mapped_column(Time)
    ends_at: Mapped[time] = mapped_column(Time)
    task_type_id: Mapped[int] = mapped_column(ForeignKey("task_types.id"))
    # Where the crew works (a park, a street, a partner's premises): never about a person.
    place: Mapped[str] = mapped_column(String(120))
    places: Mapped[int]
    hourly_rate: Mapped[Decimal] = mapped_column(Money())
    supervisor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    phase_id: Mapped[int] = mapped_column(ForeignKey("work_phases.id"))
    status: Mapped[OfferStatus] = mapped_column(string_enum(OfferStatus, "offer_status"))
    created_at: Mapped[CreatedAt]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    task_type: Mapped[TaskType] = relationship(lazy="joined")
    phase: Mapped[WorkPhase] = relationship(lazy="joined")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict


class Attendance(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"
    LEFT_EARLY = "left_early"


class CeilingOverride(enum.StrEnum):
    """Why a sign-up goes past a ceiling (a closed list: no free text)."""

    BENEFITS_CHECKED = "benefits_checked"
    NO_BENEFITS = "no_benefits"
    SOCIAL_WORKER_AGREED = "social_worker_agreed"
    OTHER = "other"


class SignUp(Base):
    """A person on an offer, in the order they came: the first `places` work, the rest wait."""

    __tablename__ = "work_signups"
    __table_args__ = (
        Index("uq_work_signups_offer_person", "offer_id", "person_id", unique=True),
        Index("ix_work_signups_person_id", "person_id"),
        # Only the sign: SQLite keeps hundredths of an hour, so bounds are the service's.
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
    )

    id: Mapped[IntPK]
    offer_id: Mapped[int] = mapped_column(ForeignKey("work_offers.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    # Set when a ceiling was passed knowingly, with who decided (the sign-up's author).
    override_reason: Mapped[CeilingOverride | None] = mapped_column(
        string_enum(CeilingOverride, "ceiling_override")
    )
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attendance: Mapped[Attendance | None] = mapped_column(string_enum(Attendance, "attendance"))
    hours: Mapped[Decimal | None] = mapped_column(Hours())
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    offer: Mapped[Offer] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict


class PayKind(enum.StrEnum):
    PAY = "pay"  # a day's pay, paid in cash at the end of the job
    CORRECTION = "correction"  # after payment: a new line, never an edit


class PayLine(Base):
    """The person's ledger: each amount paid (or corrected), by whom, when."""

    __tablename__ = "work_pay_lines"
    __table_args__ = (
        Index("ix_work_pay_lines_person_id", "person_id"),
        Index("ix_work_pay_lines_offer_id", "offer_id"),
        # Pay recorded twice for one sign-up: the database refuses the second.
        Index(
            "uq_work_pay_lines_one_pay_per_signup",
            "signup_id",
            unique=True,
            sqlite_where=text("kind = 'pay'"),
            postgresql_where=text("kind = 'pay'"),
        ),
        CheckConstraint(
            "(kind = 'correction') = (corrects_id IS NOT NULL)", name="correction_points_back"
        ),
    )

    id: Mapped[IntPK]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("work_offers.id"))
    signup_id: Mapped[int] = mapped_column(ForeignKey("work_signups.id"))
    kind: Mapped[PayKind] = mapped_column(string_enum(PayKind, "pay_kind"))
    hours: Mapped[Decimal] = mapped_column(Hours())
    hourly_rate: Mapped[Decimal] = mapped_column(Money())
    amount: Mapped[Decimal] = mapped_column(Money())  # a correction may be negative
    corrects_id: Mapped[int | None] = mapped_column(ForeignKey("work_pay_lines.id"))
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class PhaseStep(Base):
    """The date a person reached a phase of the progression, set by a social worker."""

    __tablename__ = "work_phase_steps"
    __table_args__ = (
        Index("ix_work_phase_steps_person_id", "person_id"),
        Index("uq_work_phase_steps_person_phase", "person_id", "phase_id", unique=True),
    )

    id: Mapped[IntPK]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    phase_id: Mapped[int] = mapped_column(ForeignKey("work_phases.id"))
    reached_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[CreatedAt]
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    phase: Mapped[WorkPhase] = relationship(lazy="joined")
