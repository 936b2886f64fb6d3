"""Catalogue models' own rules: a label per language, the women's space, the supply limit."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from centre.catalogues.models import CatalogueItem, Service, Site, SiteKind, Supply
from tests import factories
from tests.conftest import refused_by

LABELS = {"label_fr": "Douche", "label_nl": "Douche (nl)", "label_en": "Shower"}


def items(**labels: str) -> list[CatalogueItem]:
    return [
        Site(key="site", kind=SiteKind.CENTRE, **labels),
        Service(key="service", **labels),
        Supply(key="supply", max_per_visit=10, **labels),
    ]


@pytest.mark.parametrize(
    ("locale", "label"), [("fr", "Douche"), ("nl", "Douche (nl)"), ("en", "Shower")]
)
def test_each_item_is_labelled_in_the_language_asked(locale: str, label: str) -> None:
    for item in items(**LABELS):
        assert item.label(locale) == label, type(item).__name__


def test_a_language_without_a_label_falls_back_to_french() -> None:
    for item in items(**{**LABELS, "label_en": ""}):
        assert item.label("en") == "Douche", type(item).__name__
        assert item.label("de") == "Douche", type(item).__name__  # no such column


@pytest.mark.parametrize("kind", list(SiteKind))
def test_only_a_womens_space_site_is_one(kind: SiteKind) -> None:
    site = Site(key="site", kind=kind, **LABELS)
    assert site.is_womens_space is (kind is SiteKind.WOMENS_SPACE)


@pytest.mark.parametrize("max_per_visit", [0, -1])
def test_a_supply_limit_must_be_positive(session: Session, max_per_visit: int) -> None:
    with refused_by(session, "ck_supplies_max_per_visit_positive"):
        factories.supply(session, key="condom", max_per_visit=max_per_visit)


def test_a_supply_limit_of_one_is_kept(session: Session) -> None:
    supply = factories.supply(session, key="naloxone_kit", max_per_visit=1)
    session.commit()
    session.expire_all()
    assert session.get_one(Supply, supply.id).max_per_visit == 1
