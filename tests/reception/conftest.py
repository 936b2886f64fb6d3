"""A reception desk: one site, a few services and supplies, a receptionist."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session

from centre.auth.models import Role
from tests import factories
from tests.conftest import LoggedIn


@dataclass
class Desk:
    site: Any
    shower: Any
    meal: Any
    inactive_service: Any
    injection_set: Any
    condom: Any
    naloxone: Any
    inactive_supply: Any
    person: Any
    staff: LoggedIn

    def visit_form(self, **fields: Any) -> dict[str, Any]:
        """The visit screen's form, with a fresh one-time token like a newly loaded page."""
        page = self.staff.get("/reception").get_data(as_text=True)
        import re

        token = re.search(r'name="form_token" type="hidden" value="([^"]+)"', page)
        assert token, "the visit form carries a one-time token"
        # What the page posts even when left empty: the code box and the age band.
        return {"form_token": token.group(1), "code": "", "age_band": "NK", **fields}


@pytest.fixture
def desk(session: Session, login_as: Callable[..., LoggedIn]) -> Desk:
    staff = login_as(Role.RECEPTION)
    site = factories.site(session, key="centre")
    desk = Desk(
        site=site,
        shower=factories.service(session, key="shower", shortcut="s"),
        meal=factories.service(session, key="drink_meal", shortcut="d"),
        inactive_service=factories.service(session, key="old_service", active=False),
        injection_set=factories.supply(
            session, key="injection_set", is_syringe=True, max_per_visit=50
        ),
        condom=factories.supply(session, key="condom", max_per_visit=50),
        naloxone=factories.supply(session, key="naloxone_kit", max_per_visit=2),
        inactive_supply=factories.supply(session, key="old_supply", active=False),
        person=factories.person(
            session,
            actor_id=staff.user.id,
            birth_year=1980,
        ),
        staff=staff,
    )
    session.commit()
    return desk
