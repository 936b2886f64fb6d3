"""Housing pathways: the ladder, programmes, the centre's beds, waiting lists and stays.

A person is a code here too: stays and applications carry the person's id, dates and closed
lists, never free text. A night belongs to the evening it starts (reception's shift rule), so
a stay covers the nights from `entry_on` up to the night before `exit_on`.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from centre.catalogues.models import CatalogueItem
from centre.db import Base, CreatedAt, IntPK, UTCDateTime, string_enum

# --- the ladder and programmes ----------------------------------------------------------------


class LadderStep(CatalogueItem, Base):
    """A step of the centre's housing ladder; `sort_order` is its height (street lowest)."""

    __tablename__ = "ladder_steps"

    id: Mapped[IntPK]


class ProgrammeType(enum.StrEnum):
    EMERGENCY_SHELTER = "emergency_shelter"
    NIGHT_SHELTER = "night_shelter"
    TRANSIT_HOME = "transit_home"
    HOUSING_FIRST = "housing_first"
    SUPERVISED_HOUSING = "supervised_housing"
    SOCIAL_RENTAL_AGENCY = "social_rental_agency"  # AIS / SVK
    OTHER = "other"


# Reception allocates these night by night on the bed board; social workers admit to the rest.
NIGHT_BY_NIGHT = frozenset({ProgrammeType.EMERGENCY_SHELTER, ProgrammeType.NIGHT_SHELTER})
# The programmes judged on retention (HUD System Performance Measure 7b.2).
PERMANENT_SUPPORTED = frozenset({ProgrammeType.HOUSING_FIRST, ProgrammeType.SUPERVISED_HOUSING})


class CapacityUnit(enum.StrEnum):
    BEDS = "beds"
    UNITS = "units"  # flats or rooms (Housing First, social rental agencies)


class Programme(Base):
    """A housing programme, run by the centre at one of its sites or by a partner service."""

    __tablename__ = "housing_programmes"
    __table_args__ = (
        CheckConstraint(
            "(site_id IS NULL) != (partner_id IS NULL)", name="run_by_centre_or_partner"
        ),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("max_nights IS NULL OR max_nights > 0", name="max_nights_positive"),
        CheckConstraint(
            "window_days IS NULL OR (max_nights IS NOT NULL AND window_days >= max_nights)",
            name="window_holds_max_nights",
        ),
    )

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(80), unique=True)
    type: Mapped[ProgrammeType] = mapped_column(string_enum(ProgrammeType, "programme_type"))
    site_id: Mapped[int | None] = mapped_column(ForeignKey("sites.id"))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    capacity: Mapped[int]
    capacity_unit: Mapped[CapacityUnit] = mapped_column(
        string_enum(CapacityUnit, "capacity_unit", 8)
    )
    # The maximum stay: `max_nights` per stay, or, with `window_days`, in any such window.
    max_nights: Mapped[int | None]
    window_days: Mapped[int | None]
    ladder_step_id: Mapped[int] = mapped_column(ForeignKey("ladder_steps.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]
    version: Mapped[int] = mapped_column(default=1)

    ladder_step: Mapped[LadderStep] = relationship(lazy="joined")
    beds: Mapped[list[Bed]] = relationship(back_populates="programme", order_by="Bed.position")

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict

    @property
    def run_by_centre(self) -> bool:
        return self.site_id is not None

    @property
    def night_by_night(self) -> bool:
        return self.type in NIGHT_BY_NIGHT


class Bed(Base):
    """One of the centre's own beds (or units): a place on the bed board."""

    __tablename__ = "beds"
    __table_args__ = (Index("uq_beds_programme_position", "programme_id", "position", unique=True),)

    id: Mapped[IntPK]
    programme_id: Mapped[int] = mapped_column(ForeignKey("housing_programmes.id"))
    position: Mapped[int]  # 1, 2, 3…: its number on the board
    active: Mapped[bool] = mapped_column(default=True)

    programme: Mapped[Programme] = relationship(back_populates="beds")


class BlockReason(enum.StrEnum):
    CLEANING = "cleaning"
    REPAIR = "repair"
    PEST_CONTROL = "pest_control"
    SAFETY = "safety"
    OTHER = "other"


class BedBlock(Base):
    """A bed out of use from one night until it is released (the night it is usable again)."""

    __tablename__ = "bed_blocks"
    __table_args__ = (
        Index("ix_bed_blocks_bed_id", "bed_id"),
        # At most one block still running per bed: two staff blocking at once, one wins.
        Index(
            "uq_bed_blocks_one_running_per_bed",
            "bed_id",
            unique=True,
            sqlite_where=text("until_night IS NULL"),
            postgresql_where=text("until_night IS NULL"),
        ),
        CheckConstraint("until_night IS NULL OR until_night > from_night", name="until_after"),
    )

    id: Mapped[IntPK]
    bed_id: Mapped[int] = mapped_column(ForeignKey("beds.id"))
    from_night: Mapped[date] = mapped_column(Date)
    until_night: Mapped[date | None] = mapped_column(Date)  # first night usable again
    reason: Mapped[BlockReason] = mapped_column(string_enum(BlockReason, "block_reason"))
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]


# --- stays ------------------------------------------------------------------------------------


class DestinationGroup(enum.StrEnum):
    """The HMIS grouping of exit destinations (../shared/reference/housing.md)."""

    HOMELESS = "homeless"
    INSTITUTIONAL = "institutional"
    TEMPORARY = "temporary"
    PERMANENT = "permanent"
    OTHER = "other"


class Destination(enum.StrEnum):
    STREET = "street"
    EMERGENCY_SHELTER = "emergency_shelter"
    NIGHT_SHELTER = "night_shelter"
    PSYCHIATRIC_HOSPITAL = "psychiatric_hospital"
    TREATMENT_DETOX = "treatment_detox"
    HOSPITAL = "hospital"
    PRISON = "prison"
    LONG_TERM_CARE = "long_term_care"
    TRANSITIONAL_HOUSING = "transitional_housing"
    FAMILY_FRIENDS_TEMPORARY = "family_friends_temporary"
    HOTEL_HOSTEL = "hotel_hostel"
    HOST_HOME = "host_home"
    OWN_RENTAL = "own_rental"
    OWNED = "owned"
    FAMILY_FRIENDS_PERMANENT = "family_friends_permanent"
    RENTAL_WITH_SUPPORT = "rental_with_support"
    DECEASED = "deceased"
    OTHER = "other"
    NO_EXIT_INTERVIEW = "no_exit_interview"
    NOT_KNOWN = "not_known"
    NOT_COLLECTED = "not_collected"


DESTINATION_GROUPS: dict[Destination, DestinationGroup] = {
    Destination.STREET: DestinationGroup.HOMELESS,
    Destination.EMERGENCY_SHELTER: DestinationGroup.HOMELESS,
    Destination.NIGHT_SHELTER: DestinationGroup.HOMELESS,
    Destination.PSYCHIATRIC_HOSPITAL: DestinationGroup.INSTITUTIONAL,
    Destination.TREATMENT_DETOX: DestinationGroup.INSTITUTIONAL,
    Destination.HOSPITAL: DestinationGroup.INSTITUTIONAL,
    Destination.PRISON: DestinationGroup.INSTITUTIONAL,
    Destination.LONG_TERM_CARE: DestinationGroup.INSTITUTIONAL,
    Destination.TRANSITIONAL_HOUSING: DestinationGroup.TEMPORARY,
    Destination.FAMILY_FRIENDS_TEMPORARY: DestinationGroup.TEMPORARY,
    Destination.HOTEL_HOSTEL: DestinationGroup.TEMPORARY,
    Destination.HOST_HOME: DestinationGroup.TEMPORARY,
    Destination.OWN_RENTAL: DestinationGroup.PERMANENT,
    Destination.OWNED: DestinationGroup.PERMANENT,
    Destination.FAMILY_FRIENDS_PERMANENT: DestinationGroup.PERMANENT,
    Destination.RENTAL_WITH_SUPPORT: DestinationGroup.PERMANENT,
    Destination.DECEASED: DestinationGroup.OTHER,
    Destination.OTHER: DestinationGroup.OTHER,
    Destination.NO_EXIT_INTERVIEW: DestinationGroup.OTHER,
    Destination.NOT_KNOWN: DestinationGroup.OTHER,
    Destination.NOT_COLLECTED: DestinationGroup.OTHER,
}


class ExitReason(enum.StrEnum):
    MOVED_ON = "moved_on"
    OWN_CHOICE = "own_choice"
    EXCLUSION = "exclusion"
    HOSPITAL = "hospital"
    PRISON = "prison"
    DECEASED = "deceased"
    LOST_CONTACT = "lost_contact"
    OTHER = "other"


class OverrideReason(enum.StrEnum):
    """Why a bed was given past the programme's maximum stay (a closed list: no free text)."""

    COLD_WEATHER = "cold_weather"
    HEALTH = "health"
    MOVE_ON_ARRANGED = "move_on_arranged"
    SAFETY = "safety"
    OTHER = "other"


class Stay(Base):
    """A person's stay in a programme: entered, perhaps moved in later, exited."""

    __tablename__ = "stays"
    __table_args__ = (
        Index("ix_stays_person_entry", "person_id", "entry_on"),
        Index("ix_stays_programme_entry", "programme_id", "entry_on"),
        # Tonight's guests and this morning's departures: a few rows of years of stays.
        Index("ix_stays_exit_on", "exit_on"),
        # The last bed: two staff allocating it at the same moment, the database lets one win.
        Index(
            "uq_stays_one_open_per_bed",
            "bed_id",
            unique=True,
            sqlite_where=text("exit_on IS NULL AND bed_id IS NOT NULL"),
            postgresql_where=text("exit_on IS NULL AND bed_id IS NOT NULL"),
        ),
        # One bed a night per person, even when two terminals allocate at once.
        Index(
            "uq_stays_one_open_bed_per_person",
            "person_id",
            unique=True,
            sqlite_where=text("exit_on IS NULL AND bed_id IS NOT NULL"),
            postgresql_where=text("exit_on IS NULL AND bed_id IS NOT NULL"),
        ),
        CheckConstraint("exit_on IS NULL OR exit_on >= entry_on", name="exit_after_entry"),
        CheckConstraint("move_in_on IS NULL OR move_in_on >= entry_on", name="move_in_after_entry"),
        CheckConstraint("(exit_on IS NULL) = (destination IS NULL)", name="exit_has_destination"),
    )

    id: Mapped[IntPK]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("housing_programmes.id"))
    bed_id: Mapped[int | None] = mapped_column(ForeignKey("beds.id"))
    entry_on: Mapped[date] = mapped_column(Date)
    # Housing First enrols first and finds the flat later; NULL: housed from entry.
    move_in_on: Mapped[date | None] = mapped_column(Date)
    exit_on: Mapped[date | None] = mapped_column(Date)  # the morning of leaving
    destination: Mapped[Destination | None] = mapped_column(
        string_enum(Destination, "destination", 32)
    )
    exit_reason: Mapped[ExitReason | None] = mapped_column(string_enum(ExitReason, "exit_reason"))
    override_reason: Mapped[OverrideReason | None] = mapped_column(
        string_enum(OverrideReason, "override_reason")
    )
    created_at: Mapped[CreatedAt]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    programme: Mapped[Programme] = relationship(lazy="joined")
    bed: Mapped[Bed | None] = relationship()
    events: Mapped[list[StayEvent]] = relationship(
        back_populates="stay", order_by="StayEvent.at", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict

    @property
    def housed_from(self) -> date:
        return self.move_in_on or self.entry_on


class StayEventKind(enum.StrEnum):
    ENTERED = "entered"
    MOVED_IN = "moved_in"
    EXITED = "exited"
    OVERRIDDEN = "overridden"  # given past the maximum stay


class StayEvent(Base):
    """A stay's history, one row per step: what the pathway page shows."""

    __tablename__ = "stay_events"
    __table_args__ = (Index("ix_stay_events_stay_id", "stay_id"),)

    id: Mapped[IntPK]
    stay_id: Mapped[int] = mapped_column(ForeignKey("stays.id", ondelete="CASCADE"))
    kind: Mapped[StayEventKind] = mapped_column(string_enum(StayEventKind, "stay_event_kind"))
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The exit destination, or the override reason: a code of a closed list.
    detail: Mapped[str | None] = mapped_column(String(32))

    stay: Mapped[Stay] = relationship(back_populates="events")


# --- waiting lists ----------------------------------------------------------------------------


class Priority(enum.StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"


# Rank in the list: urgent first; the application date breaks ties.
PRIORITY_RANK = {Priority.URGENT: 0, Priority.HIGH: 1, Priority.NORMAL: 2}


class ApplicationStatus(enum.StrEnum):
    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"  # by the person
    REFUSED = "refused"  # by the programme
    WITHDRAWN = "withdrawn"


PENDING = frozenset({ApplicationStatus.WAITING, ApplicationStatus.OFFERED})


class Application(Base):
    """A person's place on a programme's waiting list. The position is computed, never stored."""

    __tablename__ = "housing_applications"
    __table_args__ = (
        Index("ix_housing_applications_programme_status", "programme_id", "status"),
        Index("ix_housing_applications_person_id", "person_id"),
        # One pending application per person and programme.
        Index(
            "uq_housing_applications_one_pending",
            "programme_id",
            "person_id",
            unique=True,
            sqlite_where=text("status IN ('waiting', 'offered')"),
            postgresql_where=text("status IN ('waiting', 'offered')"),
        ),
    )

    id: Mapped[IntPK]
    programme_id: Mapped[int] = mapped_column(ForeignKey("housing_programmes.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    applied_on: Mapped[date] = mapped_column(Date)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    priority: Mapped[Priority] = mapped_column(string_enum(Priority, "priority", 8))
    status: Mapped[ApplicationStatus] = mapped_column(
        string_enum(ApplicationStatus, "application_status")
    )
    status_on: Mapped[date] = mapped_column(Date)
    stay_id: Mapped[int | None] = mapped_column(ForeignKey("stays.id"))
    created_at: Mapped[CreatedAt]
    version: Mapped[int] = mapped_column(default=1)

    programme: Mapped[Programme] = relationship(lazy="joined")
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application",
        order_by="ApplicationEvent.at",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict


class ApplicationEvent(Base):
    """Each status an application took, dated: the list's history."""

    __tablename__ = "housing_application_events"
    __table_args__ = (Index("ix_housing_application_events_application_id", "application_id"),)

    id: Mapped[IntPK]
    application_id: Mapped[int] = mapped_column(
        ForeignKey("housing_applications.id", ondelete="CASCADE")
    )
    status: Mapped[ApplicationStatus] = mapped_column(
        string_enum(ApplicationStatus, "application_status")
    )
    priority: Mapped[Priority] = mapped_column(string_enum(Priority, "priority", 8))
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    application: Mapped[Application] = relationship(back_populates="events")
