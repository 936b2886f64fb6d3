"""A person's housing page: enter a stay, move in, exit; the pathway shows each step."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.cases.services.cases import today_in_brussels
from centre.directory.models import Partner, PartnerKind
from centre.housing.models import Destination, ProgrammeType, Stay
from centre.people.models import Person
from tests import factories
from tests.conftest import LoggedIn, reread
from tests.housing.conftest import programme

TOKEN_RE = re.compile(r'name="form_token"[^>]*value="([^"]+)"')


@pytest.fixture
def worker(login_as: Callable[..., LoggedIn]) -> LoggedIn:
    as_user = login_as(Role.SOCIAL_WORKER)
    as_user.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return as_user


@pytest.fixture
def person(session: Session, worker: LoggedIn) -> Person:
    made = factories.person(session, actor_id=worker.user.id)
    session.commit()
    return made


def enter(worker: LoggedIn, code: str, **fields: object) -> object:
    page = worker.get(f"/housing/people/{code}/stays/new").get_data(as_text=True)
    data = {"form_token": TOKEN_RE.search(page).group(1), "override_reason": "", "bed": "",  # type: ignore[union-attr]
            "entry_on": today_in_brussels().isoformat()}  # fmt: skip
    data.update({k: str(v) for k, v in fields.items()})
    return worker.post(f"/housing/people/{code}/stays/new", data)


def test_housing_first_entry_then_move_in_then_exit_shows_on_page_and_pathway(
    session: Session, worker: LoggedIn, person: Person
) -> None:
    partner = Partner(name="HF Brussels", kind=PartnerKind.HOUSING)
    session.add(partner)
    session.flush()
    hf = programme(
        session,
        name="Housing First",
        type=ProgrammeType.HOUSING_FIRST,
        partner_id=partner.id,
        capacity=10,
    )
    session.commit()
    today = today_in_brussels()
    entry_on = today - timedelta(days=40)
    response = enter(worker, person.code, programme=hf.id, entry_on=entry_on.isoformat())
    assert response.status_code == 302  # type: ignore[attr-defined]
    reread(session)
    made = session.scalars(select(Stay)).one()
    assert made.move_in_on is None and made.bed_id is None
    moved = worker.post(
        f"/housing/people/{person.code}/stays/{made.id}/move-in",
        {"move_in_on": (today - timedelta(days=10)).isoformat(), "version": made.version},
    )
    assert moved.status_code == 302
    reread(session)
    made = session.get(Stay, made.id)  # type: ignore[assignment]
    bad = worker.post(
        f"/housing/people/{person.code}/stays/{made.id}/exit",
        {"exit_on": (entry_on - timedelta(days=1)).isoformat(), "destination": "own_rental",
         "exit_reason": "", "version": made.version},
    )  # fmt: skip
    assert bad.status_code == 422
    assert "The exit cannot be before the entry date." in bad.get_data(as_text=True)
    exited = worker.post(
        f"/housing/people/{person.code}/stays/{made.id}/exit",
        {"exit_on": today.isoformat(), "destination": "rental_with_support",
         "exit_reason": "moved_on", "version": made.version},
    )  # fmt: skip
    assert exited.status_code == 302
    reread(session)
    made = session.get(Stay, made.id)  # type: ignore[assignment]
    assert made.destination is Destination.RENTAL_WITH_SUPPORT
    page = worker.get(f"/housing/people/{person.code}").get_data(as_text=True)
    assert "Housing First" in page and "Rental with support" in page
    pathway = worker.get(f"/cases/people/{person.code}/pathway").get_data(as_text=True)
    assert 'data-testid="ladder"' in pathway
    rows = re.findall(r'<tr data-source="stay">(.*?)</tr>', pathway, re.S)
    assert len(rows) == 3  # entered, moved in, exited
    assert "Rental with support" in rows[0] and "Permanent housing" in rows[0]


def test_the_entry_form_keeps_its_input_and_says_what_is_wrong(
    session: Session, worker: LoggedIn, person: Person
) -> None:
    crisis = programme(session, beds=1)
    session.commit()
    future = (today_in_brussels() + timedelta(days=3)).isoformat()
    response = enter(worker, person.code, programme=crisis.id, entry_on=future)
    assert response.status_code == 422  # type: ignore[attr-defined]
    page = response.get_data(as_text=True)  # type: ignore[attr-defined]
    assert "This date is in the future." in page and f'value="{future}"' in page
    assert enter(worker, person.code, programme="abc").status_code == 422  # type: ignore[attr-defined]
    reread(session)
    assert session.scalar(select(func.count()).select_from(Stay)) == 0


def test_the_entry_form_posted_twice_saves_once(
    session: Session, worker: LoggedIn, person: Person
) -> None:
    crisis = programme(session, beds=2)
    session.commit()
    page = worker.get(f"/housing/people/{person.code}/stays/new").get_data(as_text=True)
    token = TOKEN_RE.search(page)
    assert token
    data = {"form_token": token.group(1), "programme": crisis.id, "bed": "",
            "entry_on": today_in_brussels().isoformat(), "override_reason": ""}  # fmt: skip
    assert worker.post(f"/housing/people/{person.code}/stays/new", data).status_code == 302
    again = worker.post(f"/housing/people/{person.code}/stays/new", data)
    assert again.status_code in (302, 422)
    reread(session)
    assert session.scalar(select(func.count()).select_from(Stay)) == 1


def test_a_stay_of_someone_else_or_a_bad_code_is_not_found(
    session: Session, worker: LoggedIn, person: Person
) -> None:
    crisis = programme(session, beds=2)
    other = factories.person(session, actor_id=worker.user.id)
    session.commit()
    assert enter(worker, other.code, programme=crisis.id).status_code == 302  # type: ignore[attr-defined]
    reread(session)
    theirs = session.scalars(select(Stay)).one()
    assert worker.get(f"/housing/people/{person.code}/stays/{theirs.id}/exit").status_code == 404
    assert worker.get("/housing/people/NOPE/stays/new").status_code == 404
    assert worker.get(f"/housing/people/{person.code}/stays/99999999/move-in").status_code == 404


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MANAGER, Role.ADMIN])
def test_only_social_workers_manage_stays(
    session: Session, login_as: Callable[..., LoggedIn], role: Role, worker: LoggedIn
) -> None:
    person = factories.person(session, actor_id=worker.user.id)
    session.commit()
    other = login_as(role)
    assert other.get(f"/housing/people/{person.code}").status_code == 403
    assert other.get(f"/housing/people/{person.code}/stays/new").status_code == 403


def test_an_entry_on_a_date_in_the_past_counts_its_nights_on_the_ladder(
    session: Session, worker: LoggedIn, person: Person
) -> None:
    transit = programme(session, name="Transit Home", type=ProgrammeType.TRANSIT_HOME, beds=2)
    session.commit()
    entry_on = today_in_brussels() - timedelta(days=5)
    assert enter(worker, person.code, programme=transit.id, entry_on=entry_on).status_code == 302  # type: ignore[attr-defined]
    page = worker.get(f"/cases/people/{person.code}/pathway").get_data(as_text=True)
    assert 'data-step="transit_home"' in page
