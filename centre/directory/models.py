"""The partner directory (regional plan measure M3.1): services people can be oriented to.

Organisations and their services, never the people who use them. Contact details are the
service's own. Which fields the public page may show is fixed here (`PUBLISHED`).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from centre.db import Base, CreatedAt, IntPK, UTCDateTime, string_enum


class PartnerKind(enum.StrEnum):
    DRUG_TREATMENT = "drug_treatment"
    OPIOID_SUBSTITUTION = "opioid_substitution"
    HOSPITAL = "hospital"
    MENTAL_HEALTH = "mental_health"
    GENERAL_PRACTICE = "general_practice"
    SOCIAL_WELFARE = "social_welfare"  # CPAS / OCMW
    HOUSING = "housing"
    EMPLOYMENT = "employment"
    LEGAL_AID = "legal_aid"
    TESTING = "testing"  # HIV / HCV
    OTHER = "other"


class Commune(enum.StrEnum):
    """The 19 communes of the Brussels-Capital Region (stable keys, labels in labels.py)."""

    ANDERLECHT = "anderlecht"
    AUDERGHEM = "auderghem"
    BERCHEM_SAINTE_AGATHE = "berchem_sainte_agathe"
    BRUXELLES = "bruxelles"
    ETTERBEEK = "etterbeek"
    EVERE = "evere"
    FOREST = "forest"
    GANSHOREN = "ganshoren"
    IXELLES = "ixelles"
    JETTE = "jette"
    KOEKELBERG = "koekelberg"
    MOLENBEEK = "molenbeek"
    SAINT_GILLES = "saint_gilles"
    SAINT_JOSSE = "saint_josse"
    SCHAERBEEK = "schaerbeek"
    UCCLE = "uccle"
    WATERMAEL_BOITSFORT = "watermael_boitsfort"
    WOLUWE_SAINT_LAMBERT = "woluwe_saint_lambert"
    WOLUWE_SAINT_PIERRE = "woluwe_saint_pierre"


class Language(enum.StrEnum):
    FR = "fr"
    NL = "nl"
    EN = "en"
    OTHER = "other"  # the others are named in `other_languages`


class Partner(Base):
    __tablename__ = "partners"
    __table_args__ = (Index("ix_partners_kind_active", "kind", "active"),)

    id: Mapped[IntPK]
    name: Mapped[str] = mapped_column(String(120))
    # The organisation it belongs to, when a service is one of several of an organisation.
    organisation: Mapped[str | None] = mapped_column(String(120))
    kind: Mapped[PartnerKind] = mapped_column(string_enum(PartnerKind, "partner_kind"))
    description: Mapped[str | None] = mapped_column(Text)
    opening_hours: Mapped[str | None] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    email: Mapped[str | None] = mapped_column(String(120))
    website: Mapped[str | None] = mapped_column(String(200))
    other_languages: Mapped[str | None] = mapped_column(String(120))
    accepts_uninsured: Mapped[bool] = mapped_column(default=False)
    low_threshold: Mapped[bool] = mapped_column(default=False)
    # For staff only, never on the public page: how to reach the team, practical tips.
    internal_notes: Mapped[str | None] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[CreatedAt]
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Optimistic locking: a manager's edit made on a stale page is refused, not lost.
    version: Mapped[int] = mapped_column(default=1)

    communes: Mapped[list[PartnerCommune]] = relationship(
        cascade="all, delete-orphan", order_by="PartnerCommune.commune"
    )
    languages: Mapped[list[PartnerLanguage]] = relationship(
        cascade="all, delete-orphan", order_by="PartnerLanguage.language"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own dict


class PartnerCommune(Base):
    """A commune the service serves (one row each: searchable with an index)."""

    __tablename__ = "partner_communes"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    commune: Mapped[Commune] = mapped_column(string_enum(Commune, "commune", 32), primary_key=True)


class PartnerLanguage(Base):
    __tablename__ = "partner_languages"

    partner_id: Mapped[int] = mapped_column(
        ForeignKey("partners.id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[Language] = mapped_column(
        string_enum(Language, "language", 8), primary_key=True
    )


# What the public page shows of a partner; the rest (internal notes) stays inside.
PUBLISHED = (
    "name",
    "organisation",
    "kind",
    "description",
    "opening_hours",
    "address",
    "phone",
    "email",
    "website",
    "other_languages",
    "accepts_uninsured",
    "low_threshold",
)
