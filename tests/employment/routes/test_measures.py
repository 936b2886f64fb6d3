"""The day-labour measures page: managers and social workers, no codes, bad filters told."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.cases.services.cases import today_in_brussels
from tests import factories
from tests.conftest import LoggedIn
from tests.employment.conftest import offer, signup


def test_managers_see_figures_never_codes(
    session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    manager = login_as(Role.MANAGER)
    manager.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    person = factories.person(session, actor_id=manager.user.id)
    day = today_in_brussels()
    job = offer(session, supervisor_id=manager.user.id, on=day)
    signup(session, offer=job, person_id=person.id, by_id=manager.user.id)
    session.commit()
    page = manager.get(f"/employment/measures?start={day.replace(day=1)}&end={day}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Distinct people" in html
    assert person.code not in html


@pytest.mark.parametrize(
    "query", ["start=garbage&end=2020-13-45", "start=2026-05-01&end=2026-01-01", "provider=abc"]
)
def test_bad_filters_fall_back_to_defaults(login_as: Callable[..., LoggedIn], query: str) -> None:
    worker = login_as(Role.SOCIAL_WORKER)
    page = worker.get(f"/employment/measures?{query}")
    assert page.status_code == 400
    assert 'data-testid="day-labour-measures"' in page.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.ADMIN])
def test_others_are_refused(login_as: Callable[..., LoggedIn], role: Role) -> None:
    assert login_as(role).get("/employment/measures").status_code == 403
