"""Reception models' CHECK constraints: each refuses what it should and keeps a valid row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from centre.auth.models import Role, User
from centre.catalogues.models import Site, Supply
from centre.db import utcnow
from centre.reception.models import (
    Incident,
    IncidentKind,
    ReturnMethod,
    Visit,
    VisitSupply,
)
from tests import factories
from tests.conftest import refused_by


@dataclass
class Place:
    """A committed site, supply and user, which survive each refused flush's rollback."""

    site: Site
    supply: Supply
    user: User

    def visit(self, **columns: Any) -> Visit:
        now = utcnow()
        return Visit(
            site_id=self.site.id,
            created_by_id=self.user.id,
            occurred_at=now,
            shift_day=now.date(),
            shift_index=0,
            **columns,
        )

    def incident(self, **columns: Any) -> Incident:
        now = utcnow()
        return Incident(
            site_id=self.site.id,
            created_by_id=self.user.id,
            kind=IncidentKind.OVERDOSE,
            occurred_at=now,
            shift_day=now.date(),
            shift_index=0,
            **columns,
        )


@pytest.fixture
def place(session: Session, make_user: Callable[..., User]) -> Place:
    made = Place(
        site=factories.site(session, key="centre"),
        supply=factories.supply(session, key="condom"),
        user=make_user(Role.RECEPTION),
    )
    session.commit()
    return made


@pytest.mark.parametrize(
    ("columns", "constraint"),
    [
        ({"returned_syringes": -1}, "ck_visits_returned_not_negative"),
        ({"sharps_litres": 0}, "ck_visits_sharps_litres_positive"),
        ({"sharps_litres": -0.5}, "ck_visits_sharps_litres_positive"),
    ],
)
def test_a_visit_refuses_negative_returns_and_an_empty_container(
    session: Session, place: Place, columns: dict[str, Any], constraint: str
) -> None:
    with refused_by(session, constraint):
        session.add(place.visit(**columns))
        session.flush()


def test_a_visit_keeps_zero_returns_a_measured_container_or_neither(
    session: Session, place: Place
) -> None:
    counted = place.visit(returned_syringes=0, return_method=ReturnMethod.COUNTED)
    estimated = place.visit(
        returned_syringes=12, return_method=ReturnMethod.ESTIMATED, sharps_litres=0.5
    )
    neither = place.visit()
    session.add_all([counted, estimated, neither])
    session.commit()
    session.expire_all()
    rows = [session.get_one(Visit, v.id) for v in (counted, estimated, neither)]
    assert [(v.returned_syringes, v.sharps_litres) for v in rows] == [
        (0, None),
        (12, 0.5),
        (None, None),
    ]


@pytest.mark.parametrize("quantity", [0, -3])
def test_a_supply_given_at_a_visit_is_at_least_one(
    session: Session, place: Place, quantity: int
) -> None:
    visit = place.visit()
    session.add(visit)
    session.commit()
    with refused_by(session, "ck_visit_supplies_quantity_positive"):
        session.add(VisitSupply(visit_id=visit.id, supply_id=place.supply.id, quantity=quantity))
        session.flush()


def test_a_supply_given_once_is_kept(session: Session, place: Place) -> None:
    visit = place.visit()
    visit.supplies.append(VisitSupply(supply_id=place.supply.id, quantity=1))
    session.add(visit)
    session.commit()
    session.expire_all()
    assert [s.quantity for s in session.get_one(Visit, visit.id).supplies] == [1]


@pytest.mark.parametrize("doses", [-1, 21])
def test_naloxone_doses_outside_zero_to_twenty_are_refused(
    session: Session, place: Place, doses: int
) -> None:
    with refused_by(session, "ck_incidents_naloxone_doses_range"):
        session.add(place.incident(naloxone_doses=doses))
        session.flush()


def test_naloxone_doses_from_zero_to_twenty_are_kept(session: Session, place: Place) -> None:
    incidents = [place.incident(naloxone_doses=doses) for doses in (0, 20)]
    session.add_all(incidents)
    session.commit()
    session.expire_all()
    assert [session.get_one(Incident, i.id).naloxone_doses for i in incidents] == [0, 20]
