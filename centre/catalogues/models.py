"""Catalogues reception works from: sites, services and harm-reduction supplies.

Items carry their label in each language and are deactivated, never deleted, so past visits
keep pointing at what was really given.
"""

from __future__ import annotations

import enum

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from centre.db import Base, IntPK, string_enum


class CatalogueItem:
    """Columns and behaviour shared by every catalogue."""

    key: Mapped[str] = mapped_column(String(40), unique=True)
    label_fr: Mapped[str] = mapped_column(String(80))
    label_nl: Mapped[str] = mapped_column(String(80))
    label_en: Mapped[str] = mapped_column(String(80))
    active: Mapped[bool] = mapped_column(default=True)
    sort_order: Mapped[int] = mapped_column(default=0)

    def label(self, locale: str) -> str:
        return str(getattr(self, f"label_{locale}", None) or self.label_fr)


class SiteKind(enum.StrEnum):
    CENTRE = "centre"
    EXCHANGE_COUNTER = "exchange_counter"
    WOMENS_SPACE = "womens_space"
    OUTREACH = "outreach"


class Site(CatalogueItem, Base):
    __tablename__ = "sites"

    id: Mapped[IntPK]
    kind: Mapped[SiteKind] = mapped_column(string_enum(SiteKind, "site_kind"))

    @property
    def is_womens_space(self) -> bool:
        return self.kind is SiteKind.WOMENS_SPACE


class Service(CatalogueItem, Base):
    __tablename__ = "services"

    id: Mapped[IntPK]
    # One letter that toggles the service on the visit screen.
    shortcut: Mapped[str | None] = mapped_column(String(1))


class Supply(CatalogueItem, Base):
    """Harm-reduction material, counted in sets as the indicators count it."""

    __tablename__ = "supplies"
    __table_args__ = (CheckConstraint("max_per_visit > 0", name="max_per_visit_positive"),)

    id: Mapped[IntPK]
    # Above this, a quantity needs an explicit override: it is more likely a typo.
    max_per_visit: Mapped[int] = mapped_column(default=50)
    # Needle-and-syringe sets: what the return rate (returned / distributed) is computed on.
    is_syringe: Mapped[bool] = mapped_column(default=False)
