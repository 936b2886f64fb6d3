"""The morning's pages: creating offers, today's sign-up, an offer's page."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import time
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.cases.services.cases import today_in_brussels
from centre.employment.models import Offer, SignUp
from centre.people.models import Person
from tests import factories
from tests.conftest import LoggedIn, reread
from tests.employment.conftest import offer, phase, task_type

TOKEN_RE = re.compile(r'name="(o\d+-)?form_token"[^>]*value="([^"]+)"')


@pytest.fixture
def desk(login_as: Callable[..., LoggedIn]) -> LoggedIn:
    return login_as(Role.RECEPTION).in_english()


def people(session: Session, by: LoggedIn, n: int) -> list[Person]:
    made = [factories.person(session, actor_id=by.user.id) for _ in range(n)]
    session.commit()
    return made


def sign(as_user: LoggedIn, offer_id: int, **fields: Any) -> Any:
    page = as_user.get("/employment/").get_data(as_text=True)
    tokens = {prefix: token for prefix, token in TOKEN_RE.findall(page)}
    data = {f"o{offer_id}-form_token": tokens.get(f"o{offer_id}-", ""), f"o{offer_id}-override": ""}
    data.update({f"o{offer_id}-{name}": value for name, value in fields.items()})
    return as_user.post(f"/employment/offers/{offer_id}/sign-up", data)


def test_a_morning_of_sign_ups(
    session: Session, desk: LoggedIn, make_user: Callable[..., Any]
) -> None:
    crew = make_user(Role.SOCIAL_WORKER)
    job = offer(session, supervisor_id=crew.id, on=today_in_brussels(), places=2)
    first, second, third = people(session, desk, 3)
    assert sign(desk, job.id, code=first.code).status_code == 302
    assert sign(desk, job.id, code=second.code).status_code == 302
    full = sign(desk, job.id, code=third.code)
    assert full.status_code == 422
    page = full.get_data(as_text=True)
    assert "This job is full." in page and f'value="{third.code}"' in page
    assert sign(desk, job.id, code=third.code, wait_if_full="y").status_code == 302
    today = desk.get("/employment/").get_data(as_text=True)
    assert "2 of 2 places taken" in today and "1 waiting" in today
    listing = desk.get(f"/employment/offers/{job.id}").get_data(as_text=True)
    assert listing.index(first.code) < listing.index(second.code) < listing.index(third.code)


def test_a_ceiling_warns_and_a_reason_lets_the_sign_up_through(
    session: Session, desk: LoggedIn, make_user: Callable[..., Any]
) -> None:
    crew = make_user(Role.SOCIAL_WORKER)
    day = today_in_brussels()
    morning = offer(session, supervisor_id=crew.id, on=day)
    afternoon = offer(
        session, supervisor_id=crew.id, on=day, starts_at=time(13, 0), ends_at=time(15, 0)
    )
    (person,) = people(session, desk, 1)
    assert sign(desk, morning.id, code=person.code).status_code == 302
    warned = sign(desk, afternoon.id, code=person.code)
    assert warned.status_code == 422
    page = warned.get_data(as_text=True)
    assert 'data-testid="ceiling-warning"' in page and "Hours a day" in page
    reread(session)
    assert session.scalar(select(func.count()).select_from(SignUp)) == 1
    assert sign(desk, afternoon.id, code=person.code, override="no_benefits").status_code == 302
    reread(session)
    assert session.scalar(select(func.count()).select_from(SignUp)) == 2


def test_a_mistyped_code_is_told(
    session: Session, desk: LoggedIn, make_user: Callable[..., Any]
) -> None:
    job = offer(session, supervisor_id=make_user(Role.SOCIAL_WORKER).id, on=today_in_brussels())
    session.commit()
    response = sign(desk, job.id, code="K7MQ")
    assert response.status_code == 422
    assert "A code has 8 characters" in response.get_data(as_text=True)


def test_a_social_worker_creates_an_offer_once(
    session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    crew = login_as(Role.SOCIAL_WORKER).in_english()
    kind, step = task_type(session, "gardening"), phase(session)
    session.commit()
    page = crew.get("/employment/offers/new").get_data(as_text=True)
    token = TOKEN_RE.search(page)
    assert token
    data = {
        "form_token": token.group(2),
        "on": today_in_brussels().isoformat(),
        "starts_at": "08:00",
        "ends_at": "11:45",
        "task_type_id": kind.id,
        "place": "Parc Josaphat",
        "places": "7",
        "hourly_rate": "10.25",
        "supervisor_id": crew.user.id,
        "phase_id": step.id,
        "provider_id": "",
    }
    assert crew.post("/employment/offers/new", data).status_code == 302
    assert crew.post("/employment/offers/new", data).status_code in (302, 422)
    reread(session)
    assert session.scalar(select(func.count()).select_from(Offer)) == 1
    bad = crew.post("/employment/offers/new", {**data, "form_token": "", "ends_at": "07:00"})
    assert bad.status_code == 422
    assert "The end must be after the start." in bad.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_the_morning_is_the_front_lines(login_as: Callable[..., LoggedIn], role: Role) -> None:
    other = login_as(role)
    assert other.get("/employment/").status_code == 403
    assert other.get("/employment/offers/new").status_code == 403


def test_reception_signs_up_but_does_not_create_offers(desk: LoggedIn) -> None:
    assert desk.get("/employment/").status_code == 200
    assert desk.get("/employment/offers/new").status_code == 403
    assert desk.get("/employment/offers/99999999").status_code == 404


def test_a_cancelled_sign_up_frees_the_place_for_the_first_waiting(
    session: Session, desk: LoggedIn, make_user: Callable[..., Any]
) -> None:
    crew = make_user(Role.SOCIAL_WORKER)
    job = offer(session, supervisor_id=crew.id, on=today_in_brussels(), places=1)
    first, second = people(session, desk, 2)
    sign(desk, job.id, code=first.code)
    sign(desk, job.id, code=second.code, wait_if_full="y")
    reread(session)
    mine = session.scalars(select(SignUp).where(SignUp.person_id == first.id)).one()
    page = desk.get(f"/employment/offers/{job.id}").get_data(as_text=True)
    assert f'action="/employment/signups/{mine.id}/cancel"' in page and "data-confirm" in page
    assert desk.post(f"/employment/signups/{mine.id}/cancel", {}).status_code == 302
    after = desk.get(f"/employment/offers/{job.id}").get_data(as_text=True)
    assert first.code not in after and "Working" in after
    assert desk.post("/employment/signups/99999999/cancel", {}).status_code == 404


def test_a_job_cancelled_takes_nobody_and_a_paid_one_is_not_cancelled(
    session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    crew = login_as(Role.SOCIAL_WORKER).in_english()
    job = offer(session, supervisor_id=crew.user.id, on=today_in_brussels())
    (person,) = people(session, crew, 1)
    assert crew.post(f"/employment/offers/{job.id}/cancel", {}).status_code == 302
    page = crew.get(f"/employment/offers/{job.id}").get_data(as_text=True)
    assert 'data-testid="cancelled"' in page
    assert f"/employment/offers/{job.id}/sign-up" not in crew.get("/employment/").get_data(
        as_text=True
    )
    refused = crew.post(f"/employment/offers/{job.id}/sign-up", {f"o{job.id}-code": person.code,
                        f"o{job.id}-override": ""})  # fmt: skip
    assert refused.status_code == 422
    assert (
        login_as(Role.RECEPTION).post(f"/employment/offers/{job.id}/cancel", {}).status_code == 403
    )
