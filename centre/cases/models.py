"""Case files and care orientation: cases, goals, encrypted notes, referrals, rights, profile.

Everything hangs on the person's code. Free text about a person (a note's body, a
referral's remark) is sealed under the person's own data key, as the identity vault is, so
erasing the identity makes it unreadable too; the rest is closed lists, dates and ids.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from centre.db import Base, CreatedAt, IntPK, UTCDateTime, string_enum
from centre.directory.models import Partner, PartnerKind
from centre.privacy.fields import EncryptedValue

# --- case files -------------------------------------------------------------------------------


class CaseStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    REOPENED = "reopened"  # open again after a closure; the history keeps both


class ClosureReason(enum.StrEnum):
    GOALS_REACHED = "goals_reached"
    MOVED_AWAY = "moved_away"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    LOST_CONTACT = "lost_contact"
    DECEASED = "deceased"
    IMPRISONED = "imprisoned"
    PERSONS_CHOICE = "persons_choice"
    OTHER = "other"


class CaseEventKind(enum.StrEnum):
    OPENED = "opened"
    CLOSED = "closed"
    REOPENED = "reopened"
    WORKERS_CHANGED = "workers_changed"


class CaseFile(Base):
    __tablename__ = "case_files"
    __table_args__ = (
        # At most one open case per person, kept by the database itself.
        Index(
            "uq_case_files_one_open_per_person",
            "person_id",
            unique=True,
            sqlite_where=text("status != 'closed'"),
            postgresql_where=text("status != 'closed'"),
        ),
        Index("ix_case_files_key_worker_status", "key_worker_id", "status"),
        Index("ix_case_files_second_worker_status", "second_worker_id", "status"),
        CheckConstraint("closed_on IS NULL OR closed_on >= opened_on", name="closed_after_opened"),
    )

    id: Mapped[IntPK]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    status: Mapped[CaseStatus] = mapped_column(string_enum(CaseStatus, "case_status"))
    key_worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    second_worker_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    closure_reason: Mapped[ClosureReason | None] = mapped_column(
        string_enum(ClosureReason, "closure_reason")
    )
    created_at: Mapped[CreatedAt]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optimistic locking: two workers saving the same case, the second is told.
    version: Mapped[int] = mapped_column(default=1)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.at", cascade="all, delete-orphan"
    )
    goals: Mapped[list[Goal]] = relationship(
        back_populates="case", order_by="Goal.id", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict

    @property
    def is_open(self) -> bool:
        return self.status is not CaseStatus.CLOSED


class CaseEvent(Base):
    """A case's history: opened, closed (with its reason), reopened, workers changed."""

    __tablename__ = "case_events"
    __table_args__ = (Index("ix_case_events_case_id", "case_id"),)

    id: Mapped[IntPK]
    case_id: Mapped[int] = mapped_column(ForeignKey("case_files.id", ondelete="CASCADE"))
    kind: Mapped[CaseEventKind] = mapped_column(string_enum(CaseEventKind, "case_event_kind"))
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closure_reason: Mapped[ClosureReason | None] = mapped_column(
        string_enum(ClosureReason, "closure_reason")
    )

    case: Mapped[CaseFile] = relationship(back_populates="events")


# --- plan and goals ---------------------------------------------------------------------------


class LifeDomain(enum.StrEnum):
    HEALTH = "health"
    SUBSTANCE_USE = "substance_use"
    HOUSING = "housing"
    INCOME_RIGHTS = "income_rights"
    EMPLOYMENT_ACTIVITY = "employment_activity"
    SOCIAL_TIES = "social_ties"
    JUSTICE = "justice"
    OTHER = "other"


class GoalStatus(enum.StrEnum):
    PROPOSED = "proposed"
    IN_PROGRESS = "in_progress"
    REACHED = "reached"
    DROPPED = "dropped"


class Goal(Base):
    __tablename__ = "goals"
    __table_args__ = (
        Index("ix_goals_case_id", "case_id"),
        Index("ix_goals_next_review_on", "next_review_on"),
        CheckConstraint("target_on IS NULL OR target_on >= agreed_on", name="target_after_agreed"),
    )

    id: Mapped[IntPK]
    case_id: Mapped[int] = mapped_column(ForeignKey("case_files.id", ondelete="CASCADE"))
    domain: Mapped[LifeDomain] = mapped_column(string_enum(LifeDomain, "life_domain"))
    # Short and non-identifying ("Find a GP", never a name): help text says so.
    title: Mapped[str] = mapped_column(String(120))
    status: Mapped[GoalStatus] = mapped_column(string_enum(GoalStatus, "goal_status"))
    agreed_on: Mapped[date] = mapped_column(Date)
    target_on: Mapped[date | None] = mapped_column(Date)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[CreatedAt]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(default=1)

    case: Mapped[CaseFile] = relationship(back_populates="goals")
    changes: Mapped[list[GoalChange]] = relationship(
        back_populates="goal", order_by="GoalChange.at", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict


class GoalChange(Base):
    """A goal's history: each status, target or review date as it was set, when, by whom."""

    __tablename__ = "goal_changes"
    __table_args__ = (Index("ix_goal_changes_goal_id", "goal_id"),)

    id: Mapped[IntPK]
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"))
    status: Mapped[GoalStatus] = mapped_column(string_enum(GoalStatus, "goal_status"))
    target_on: Mapped[date | None] = mapped_column(Date)
    next_review_on: Mapped[date | None] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    goal: Mapped[Goal] = relationship(back_populates="changes")


# --- encrypted notes --------------------------------------------------------------------------


class NoteKind(enum.StrEnum):
    SOCIAL_INTERVIEW = "social_interview"
    MEDICAL_ORIENTATION = "medical_orientation"
    PHONE_CALL = "phone_call"
    HOME_VISIT = "home_visit"
    OUTREACH_CONTACT = "outreach_contact"
    PARTNER_MEETING = "partner_meeting"
    OTHER = "other"


class Note(Base):
    """A dated, typed note about a person; its body sealed under the person's data key.

    Lists read only the type, date and author; the body is decrypted one note at a time,
    each time audited. After 24 hours a note is no longer corrected: an addendum follows it.
    """

    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_person_written", "person_id", "written_on"),
        Index("ix_notes_case_id", "case_id"),
    )

    id: Mapped[IntPK]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_files.id"))
    kind: Mapped[NoteKind] = mapped_column(string_enum(NoteKind, "note_kind"))
    written_on: Mapped[date] = mapped_column(Date)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # Sealed, bound to (notes, body, note id); written right after the row gets its id.
    body: Mapped[bytes | None] = mapped_column(EncryptedValue())
    addendum_to_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id"))
    created_at: Mapped[CreatedAt]
    corrected_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- care-orientation referrals ---------------------------------------------------------------


class Urgency(enum.StrEnum):
    ROUTINE = "routine"
    SOON = "soon"
    URGENT = "urgent"


class ReferralStatus(enum.StrEnum):
    PROPOSED = "proposed"
    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    APPOINTMENT_SET = "appointment_set"
    ATTENDED = "attended"
    NOT_ATTENDED = "not_attended"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class DeclineReason(enum.StrEnum):
    NO_CAPACITY = "no_capacity"
    NOT_IN_SCOPE = "not_in_scope"
    NOT_ELIGIBLE = "not_eligible"
    OTHER = "other"


class CancelReason(enum.StrEnum):
    PERSON_DECLINED = "person_declined"
    NO_LONGER_NEEDED = "no_longer_needed"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    ENTERED_BY_MISTAKE = "entered_by_mistake"
    OTHER = "other"


class ReferralOutcome(enum.StrEnum):
    CARE_STARTED = "care_started"
    COMPLETED = "completed"
    DROPPED_OUT = "dropped_out"
    REFUSED_BY_PERSON = "refused_by_person"
    OTHER = "other"


class Referral(Base):
    """A person oriented to a partner service, followed until it ends."""

    __tablename__ = "referrals"
    __table_args__ = (
        Index("ix_referrals_person_id", "person_id"),
        Index("ix_referrals_worker_follow_up", "worker_id", "follow_up_on"),
        Index("ix_referrals_partner_id", "partner_id"),
    )

    id: Mapped[IntPK]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("case_files.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    # The type of help asked for, in the directory's own terms.
    help: Mapped[PartnerKind] = mapped_column(string_enum(PartnerKind, "partner_kind"))
    referred_on: Mapped[date] = mapped_column(Date)
    urgency: Mapped[Urgency] = mapped_column(string_enum(Urgency, "urgency"))
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[ReferralStatus] = mapped_column(string_enum(ReferralStatus, "referral_status"))
    appointment_on: Mapped[date | None] = mapped_column(Date)
    # Every open referral has its next follow-up; closed ones none.
    follow_up_on: Mapped[date | None] = mapped_column(Date)
    decline_reason: Mapped[DeclineReason | None] = mapped_column(
        string_enum(DeclineReason, "decline_reason")
    )
    cancel_reason: Mapped[CancelReason | None] = mapped_column(
        string_enum(CancelReason, "cancel_reason")
    )
    outcome: Mapped[ReferralOutcome | None] = mapped_column(
        string_enum(ReferralOutcome, "referral_outcome")
    )
    # Identity goes to the partner only under the person's "sharing with partners" consent.
    shares_identity: Mapped[bool] = mapped_column(default=False)
    # Sealed under the person's data key, bound to (referrals, remark, referral id).
    remark: Mapped[bytes | None] = mapped_column(EncryptedValue())
    created_at: Mapped[CreatedAt]
    version: Mapped[int] = mapped_column(default=1)

    partner: Mapped[Partner] = relationship()
    events: Mapped[list[ReferralEvent]] = relationship(
        back_populates="referral", order_by="ReferralEvent.at", cascade="all, delete-orphan"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict


class ReferralEvent(Base):
    """Each step of a referral, dated and by whom."""

    __tablename__ = "referral_events"
    __table_args__ = (Index("ix_referral_events_referral_id", "referral_id"),)

    id: Mapped[IntPK]
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"))
    status: Mapped[ReferralStatus] = mapped_column(string_enum(ReferralStatus, "referral_status"))
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    referral: Mapped[Referral] = relationship(back_populates="events")


# --- rights and health insurance (M3.8) -------------------------------------------------------


class InsuranceStatus(enum.StrEnum):
    INSURED = "insured"  # with a mutual fund (mutualité / ziekenfonds)
    NOT_IN_ORDER = "not_in_order"
    URGENT_MEDICAL_AID = "urgent_medical_aid"  # via a CPAS / OCMW
    IRREGULAR_STAY = "irregular_stay"
    UNKNOWN = "unknown"


class ReaffiliationStep(enum.StrEnum):
    DOCUMENTS_GATHERED = "documents_gathered"
    REQUEST_FILED = "request_filed"
    AFFILIATED = "affiliated"
    REFUSED = "refused"


class InsuranceRecord(Base):
    """The person's health-insurance status as recorded on a day; the latest is current."""

    __tablename__ = "insurance_records"
    __table_args__ = (Index("ix_insurance_records_person_on", "person_id", "recorded_on"),)

    id: Mapped[IntPK]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    status: Mapped[InsuranceStatus] = mapped_column(
        string_enum(InsuranceStatus, "insurance_status")
    )
    recorded_on: Mapped[date] = mapped_column(Date)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]


class ReaffiliationEvent(Base):
    """A dated step of a health-insurance re-affiliation."""

    __tablename__ = "reaffiliation_events"
    __table_args__ = (Index("ix_reaffiliation_events_person_on", "person_id", "on"),)

    id: Mapped[IntPK]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    step: Mapped[ReaffiliationStep] = mapped_column(
        string_enum(ReaffiliationStep, "reaffiliation_step")
    )
    on: Mapped[date] = mapped_column(Date)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[CreatedAt]


# --- substance-use profile (TDI 3.0 code lists, ../shared/reference/tdi.md) --------------------


class Drug(enum.StrEnum):
    HEROIN = "1.1"
    METHADONE = "1.2"
    BUPRENORPHINE = "1.3"
    FENTANYLS = "1.4"
    OPIOIDS_OTHER = "1.5"
    COCAINE_POWDER = "2.1"
    CRACK = "2.2"
    COCAINE_OTHER = "2.3"
    AMPHETAMINES = "3.1"
    METHAMPHETAMINE = "3.2"
    MDMA = "3.3"
    CATHINONES = "3.4"
    STIMULANTS_OTHER = "3.5"
    BARBITURATES = "4.1"
    BENZODIAZEPINES = "4.2"
    GHB = "4.3"
    SEDATIVES_OTHER = "4.4"
    LSD = "5.1"
    KETAMINE = "5.2"
    HALLUCINOGENS_OTHER = "5.3"
    INHALANTS = "6"
    CANNABIS = "7.1"
    SYNTHETIC_CANNABINOIDS = "7.2"
    CANNABIS_OTHER = "7.3"
    ALCOHOL = "8"  # secondary drug only
    OTHER = "9"
    NOT_KNOWN = "99"


class Route(enum.StrEnum):
    INJECT = "1"
    SMOKE = "2"
    EAT_DRINK = "3"
    SNIFF = "4"
    OTHER = "5"
    NOT_KNOWN = "99"


class Frequency(enum.StrEnum):
    DAILY = "1"
    FOUR_TO_SIX_DAYS = "2"
    TWO_TO_THREE_DAYS = "3"
    WEEKLY_OR_LESS = "4"
    NOT_USED = "5"
    NOT_KNOWN = "99"


class Injecting(enum.StrEnum):
    NEVER = "1"
    NOT_LAST_12_MONTHS = "2.1"
    LAST_12_MONTHS = "2.2"
    LAST_30_DAYS = "2.3"
    WONT_ANSWER = "3"
    NOT_KNOWN = "99"


class Substitution(enum.StrEnum):
    NEVER = "never"
    EVER_NOT_CURRENTLY = "ever"
    CURRENTLY = "current"
    NOT_KNOWN = "nk"


class Testing(enum.StrEnum):
    NEVER = "1"
    NOT_LAST_12_MONTHS = "2.1"
    LAST_12_MONTHS = "2.2"
    WONT_ANSWER = "3"
    NOT_KNOWN = "99"


class TreatmentStatus(enum.StrEnum):
    NEVER_TREATED = "1"
    PREVIOUSLY_TREATED = "2"
    NOT_KNOWN = "3"


class ReferralSource(enum.StrEnum):
    JUSTICE = "1"  # court, probation, police
    GP = "2"
    DRUG_TREATMENT = "3"
    HEALTH_SOCIAL = "4"
    EDUCATION = "5"
    SELF_FAMILY_FRIENDS = "6"
    OTHER = "7"
    NOT_KNOWN = "99"


class LivingWhere(enum.StrEnum):
    STABLE = "1"
    UNSTABLE_OR_HOMELESS = "2"
    DETENTION = "3"
    OTHER = "4"
    NOT_KNOWN = "99"


class LabourStatus(enum.StrEnum):
    OCCASIONALLY_EMPLOYED = "1"
    REGULARLY_EMPLOYED = "2"
    STUDENT = "3"
    UNEMPLOYED = "4"
    BENEFITS_PENSION_DISABLED = "5"
    OTHER = "6"
    NOT_KNOWN = "99"


class SubstanceAssessment(Base):
    """A dated, optional, non-identifying substance-use profile (TDI-shaped)."""

    __tablename__ = "substance_assessments"
    __table_args__ = (Index("ix_substance_assessments_person_on", "person_id", "assessed_on"),)

    id: Mapped[IntPK]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    assessed_on: Mapped[date] = mapped_column(Date)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    primary_drug: Mapped[Drug] = mapped_column(string_enum(Drug, "primary_drug", 8))
    secondary_drug: Mapped[Drug] = mapped_column(string_enum(Drug, "secondary_drug", 8))
    route: Mapped[Route] = mapped_column(string_enum(Route, "tdi_route", 8))
    frequency: Mapped[Frequency] = mapped_column(string_enum(Frequency, "tdi_frequency", 8))
    injecting: Mapped[Injecting] = mapped_column(string_enum(Injecting, "tdi_injecting", 8))
    substitution: Mapped[Substitution] = mapped_column(
        string_enum(Substitution, "tdi_substitution", 8)
    )
    hiv_testing: Mapped[Testing] = mapped_column(string_enum(Testing, "hiv_testing", 8))
    hcv_testing: Mapped[Testing] = mapped_column(string_enum(Testing, "hcv_testing", 8))
    treatment_status: Mapped[TreatmentStatus] = mapped_column(
        string_enum(TreatmentStatus, "tdi_treatment_status", 8)
    )
    referral_source: Mapped[ReferralSource] = mapped_column(
        string_enum(ReferralSource, "tdi_referral_source", 8)
    )
    living_where: Mapped[LivingWhere] = mapped_column(
        string_enum(LivingWhere, "tdi_living_where", 8)
    )
    labour_status: Mapped[LabourStatus] = mapped_column(
        string_enum(LabourStatus, "tdi_labour_status", 8)
    )
    created_at: Mapped[CreatedAt]


# --- duplicates -------------------------------------------------------------------------------


class PersonMerge(Base):
    """Two codes found to be one person: what moved from the merged to the kept record.

    `moved` lists, per table, the ids of the rows re-pointed from `merged_id` to `kept_id`,
    so the merge can be undone exactly within 30 days.
    """

    __tablename__ = "person_merges"
    __table_args__ = (Index("ix_person_merges_merged_id", "merged_id"),)

    id: Mapped[IntPK]
    kept_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    merged_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    moved: Mapped[str] = mapped_column(Text)  # JSON: {"visits": [ids], …}
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime())
    merged_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
