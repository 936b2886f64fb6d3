"""Programme pages: managers and admins maintain programmes; every rule is told by its field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role
from centre.directory.models import Partner, PartnerKind
from centre.housing.models import Bed, CapacityUnit, Programme, ProgrammeType
from centre.once import new_token
from tests import factories
from tests.conftest import LoggedIn, reread
from tests.housing.conftest import centre_site, programme, stay, step

EN = {"Accept-Language": "en"}
NIGHT = date(2026, 11, 20)


@pytest.fixture
def manager(login_as: Callable[..., LoggedIn]) -> LoggedIn:
    return login_as(Role.MANAGER)


def form(session: Session, **overrides: Any) -> dict[str, Any]:
    """A valid new programme as the form posts it: a centre-run shelter of 3 beds."""
    data = {
        "name": "Crisis beds",
        "type": ProgrammeType.EMERGENCY_SHELTER.value,
        "partner_id": "",
        "site_id": str(centre_site(session).id),
        "capacity": "3",
        "capacity_unit": CapacityUnit.BEDS.value,
        "max_nights": "",
        "window_days": "",
        "ladder_step_id": str(step(session, "emergency").id),
        **overrides,
    }
    session.commit()
    return data


def beds(session: Session, programme_id: int) -> dict[int, bool]:
    rows = session.execute(
        select(Bed.position, Bed.active)
        .where(Bed.programme_id == programme_id)
        .order_by(Bed.position)
    )
    return {position: active for position, active in rows}


def the_programme(session: Session) -> Programme:
    reread(session)
    return session.scalars(select(Programme)).one()


def count(session: Session) -> int:
    reread(session)
    return session.scalar(select(func.count()).select_from(Programme)) or 0


# --- the list ---------------------------------------------------------------------------------


def test_the_list_shows_programmes_and_the_ladder(manager: LoggedIn, session: Session) -> None:
    housing = Partner(name="Housing First Brussels", kind=PartnerKind.HOUSING)
    session.add(housing)
    session.flush()
    programme(session, name="Crisis beds", max_nights=13)
    programme(
        session,
        name="HF",
        type=ProgrammeType.HOUSING_FIRST,
        partner_id=housing.id,
        capacity=40,
        max_nights=20,
        window_days=30,
    )
    step(session, "street")
    session.commit()
    page = manager.get("/housing/programmes", headers=EN)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Crisis beds" in html and "13 nights per stay" in html
    assert "Housing First Brussels" in html and "20 nights in any 30 days" in html
    assert "street en" in html and 'href="/catalogues/ladder"' in html
    assert html.index("Crisis beds") < html.index("Housing First Brussels")


def test_the_list_has_pages_past_fifty(manager: LoggedIn, session: Session) -> None:
    for number in range(51):
        programme(session, name=f"Programme {number:02d}", beds=1)
    session.commit()
    first = manager.get("/housing/programmes", headers=EN).get_data(as_text=True)
    assert "Page 1 of 2" in first and "Programme 49" in first and "Programme 50" not in first
    second = manager.get("/housing/programmes?page=2", headers=EN).get_data(as_text=True)
    assert "Programme 50" in second and "Programme 00" not in second


# --- creating ---------------------------------------------------------------------------------


def test_manager_creates_a_programme_with_its_beds(manager: LoggedIn, session: Session) -> None:
    page = manager.get("/housing/programmes/new", headers=EN).get_data(as_text=True)
    assert "Run by" in page and "13 nights per stay" in page and "in any 30 days" in page
    response = manager.post("/housing/programmes/new", form(session, max_nights="13"), headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/housing/programmes")
    made = the_programme(session)
    assert made.name == "Crisis beds" and made.max_nights == 13 and made.active
    assert beds(session, made.id) == {1: True, 2: True, 3: True}
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "programme.created"))
    assert event.one().actor_id == manager.user.id
    listing = manager.get("/housing/programmes", headers=EN).get_data(as_text=True)
    assert "was added" in listing


def test_a_partner_runs_a_programme(manager: LoggedIn, session: Session) -> None:
    housing = Partner(name="AIS Quartiers", kind=PartnerKind.HOUSING)
    session.add(housing)
    session.commit()
    page = manager.get("/housing/programmes/new", headers=EN).get_data(as_text=True)
    assert "AIS Quartiers" in page
    data = form(
        session,
        name="AIS flats",
        type=ProgrammeType.SOCIAL_RENTAL_AGENCY.value,
        partner_id=str(housing.id),
        site_id="",
        capacity="12",
        capacity_unit=CapacityUnit.UNITS.value,
    )
    assert manager.post("/housing/programmes/new", data).status_code == 302
    made = the_programme(session)
    assert made.partner_id == housing.id and made.site_id is None and beds(session, made.id) == {}


def test_a_form_posted_twice_saves_once(manager: LoggedIn, session: Session) -> None:
    data = form(session, form_token=new_token())
    # Refused for a mistake first: its token is not spent.
    assert manager.post("/housing/programmes/new", {**data, "capacity": "0"}).status_code == 422
    assert manager.post("/housing/programmes/new", data).status_code == 302
    again = manager.post("/housing/programmes/new", data, follow_redirects=True, headers=EN)
    assert "already saved" in again.get_data(as_text=True)
    assert count(session) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"name": "x" * 81}, "name", "At most 80 characters."),
        ({"type": ""}, "type", "This field is required."),
        ({"type": "castle"}, "type", "Not a valid choice"),
        ({"site_id": ""}, "site_id", "Choose the site where the centre runs it"),
        ({"site_id": "999999"}, "site_id", "Choose one of the centre&#39;s active sites."),
        ({"partner_id": "999999", "site_id": ""}, "partner_id", "Choose an active partner"),
        ({"capacity": ""}, "capacity", "This field is required."),
        ({"capacity": "0"}, "capacity", "Between 1 and 500."),
        ({"capacity": "501"}, "capacity", "Between 1 and 500."),
        ({"capacity": "three"}, "capacity", "Not a valid integer value."),
        ({"capacity_unit": "rooms"}, "capacity_unit", "Not a valid choice"),
        ({"max_nights": "0"}, "max_nights", "Between 1 and 365."),
        ({"max_nights": "366"}, "max_nights", "Between 1 and 365."),
        ({"window_days": "30"}, "window_days", "Give the number of nights first"),
        ({"max_nights": "20", "window_days": "10"}, "window_days", "at least as long"),
        ({"max_nights": "20", "window_days": "400"}, "window_days", "Between 20 and 365."),
        ({"ladder_step_id": "", "type": "other"}, "ladder_step_id", "This field is required."),
        ({"ladder_step_id": "999999"}, "ladder_step_id", "Choose an active step of the ladder."),
    ],
)
def test_each_rule_is_told_beside_its_field(
    manager: LoggedIn, session: Session, overrides: dict[str, str], field: str, text: str
) -> None:
    response = manager.post("/housing/programmes/new", form(session, **overrides), headers=EN)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    error = html[html.index(f'id="{field}-error"') :]
    assert text in error[: error.index("</p>")]
    assert count(session) == 0


def test_both_centre_and_partner_is_refused(manager: LoggedIn, session: Session) -> None:
    housing = Partner(name="Both", kind=PartnerKind.HOUSING)
    session.add(housing)
    session.commit()
    response = manager.post(
        "/housing/programmes/new", form(session, partner_id=str(housing.id)), headers=EN
    )
    assert response.status_code == 422
    assert "not both" in response.get_data(as_text=True)


def test_a_name_already_taken_is_told(manager: LoggedIn, session: Session) -> None:
    programme(session, name="Crisis beds")
    response = manager.post("/housing/programmes/new", form(session), headers=EN)
    assert response.status_code == 422
    assert "already has this name" in response.get_data(as_text=True)


# --- editing ----------------------------------------------------------------------------------


def edit_form(session: Session, made: Programme, **overrides: Any) -> dict[str, Any]:
    current = {
        "name": made.name,
        "site_id": str(made.site_id),
        "capacity": str(made.capacity),
        "ladder_step_id": str(made.ladder_step_id),
        "version": str(made.version),
    }
    return form(session, **{**current, **overrides})


def test_manager_raises_and_lowers_the_capacity(manager: LoggedIn, session: Session) -> None:
    made = programme(session, beds=3, capacity=3)
    session.commit()
    url = f"/housing/programmes/{made.id}/edit"
    page = manager.get(url, headers=EN).get_data(as_text=True)
    assert 'value="Crisis beds"' in page and 'name="version" type="hidden" value="1"' in page
    assert manager.post(url, edit_form(session, made, capacity="5")).status_code == 302
    assert beds(session, made.id) == {1: True, 2: True, 3: True, 4: True, 5: True}
    made = the_programme(session)
    assert manager.post(url, edit_form(session, made, capacity="2")).status_code == 302
    assert beds(session, made.id) == {1: True, 2: True, 3: False, 4: False, 5: False}


def test_lowering_below_the_occupied_beds_is_told(
    manager: LoggedIn, session: Session, make_user: Callable[..., Any]
) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    made = programme(session, beds=2, capacity=2)
    for bed in session.scalars(select(Bed)).all():
        guest = factories.person(session, actor_id=worker.id)
        stay(
            session, person_id=guest.id, programme=made, actor_id=worker.id, entry_on=NIGHT, bed=bed
        )
    url = f"/housing/programmes/{made.id}/edit"
    response = manager.post(url, edit_form(session, made, capacity="1"), headers=EN)
    assert response.status_code == 422
    assert "cannot go below 2" in response.get_data(as_text=True)
    assert the_programme(session).capacity == 2


def test_an_edit_on_a_stale_page_is_refused_and_kept(manager: LoggedIn, session: Session) -> None:
    made = programme(session)
    data = edit_form(session, made, name="Mine")
    made.name = "Theirs"
    session.commit()
    url = f"/housing/programmes/{made.id}/edit"
    response = manager.post(url, data, headers=EN)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Someone else saved this since you opened it" in html and 'value="Mine"' in html
    assert 'name="version" type="hidden" value="2"' in html
    assert the_programme(session).name == "Theirs"
    # Saving again, knowingly, overwrites.
    assert manager.post(url, {**data, "version": "2"}).status_code == 302
    assert the_programme(session).name == "Mine"


def test_an_unchanged_edit_says_so(manager: LoggedIn, session: Session) -> None:
    made = programme(session)
    url = f"/housing/programmes/{made.id}/edit"
    response = manager.post(url, edit_form(session, made), follow_redirects=True, headers=EN)
    assert "Nothing was changed." in response.get_data(as_text=True)


# --- deactivating -----------------------------------------------------------------------------


def test_deactivate_after_confirming(manager: LoggedIn, session: Session) -> None:
    made = programme(session)
    session.commit()
    url = f"/housing/programmes/{made.id}/deactivate"
    page = manager.get(url, headers=EN).get_data(as_text=True)
    assert "Deactivate “Crisis beds”?" in page
    response = manager.post(url, follow_redirects=True, headers=EN)
    assert "is deactivated" in response.get_data(as_text=True)
    assert the_programme(session).active is False
    again = manager.get(url, follow_redirects=True, headers=EN).get_data(as_text=True)
    assert "already inactive" in again


def test_deactivate_waits_for_the_last_exit(
    manager: LoggedIn, session: Session, make_user: Callable[..., Any]
) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    made = programme(session)
    guest = factories.person(session, actor_id=worker.id)
    stay(session, person_id=guest.id, programme=made, actor_id=worker.id, entry_on=NIGHT)
    session.commit()
    url = f"/housing/programmes/{made.id}/deactivate"
    page = manager.get(url, headers=EN).get_data(as_text=True)
    assert "1 person is still staying" in page and 'class="danger"' not in page
    response = manager.post(url, headers=EN)
    assert response.status_code == 200 and "1 person is still staying" in response.get_data(
        as_text=True
    )
    assert the_programme(session).active is True


# --- who may --------------------------------------------------------------------------------


def test_admin_may_maintain_programmes(login_as: Callable[..., LoggedIn], session: Session) -> None:
    admin = login_as(Role.ADMIN)
    assert admin.get("/housing/programmes").status_code == 200
    assert admin.post("/housing/programmes/new", form(session)).status_code == 302
    made = the_programme(session)
    assert admin.get(f"/housing/programmes/{made.id}/edit").status_code == 200
    assert admin.get(f"/housing/programmes/{made.id}/deactivate").status_code == 200


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.SOCIAL_WORKER])
def test_front_line_roles_are_refused(
    role: Role, login_as: Callable[..., LoggedIn], session: Session
) -> None:
    made = programme(session)
    session.commit()
    staff = login_as(role)
    for url in (
        "/housing/programmes",
        "/housing/programmes/new",
        f"/housing/programmes/{made.id}/edit",
        f"/housing/programmes/{made.id}/deactivate",
    ):
        assert staff.get(url).status_code == 403, url
        if url != "/housing/programmes":
            assert staff.post(url, form(session, name="Sneaky")).status_code == 403, url
    reread(session)
    assert session.scalars(select(Programme.name)).all() == ["Crisis beds"]
    assert session.get_one(Programme, made.id).active


@pytest.mark.parametrize(
    "url",
    [
        "/housing/programmes/abc/edit",
        "/housing/programmes/-1/edit",
        "/housing/programmes/99999999999/edit",
        "/housing/programmes/999999/edit",
        "/housing/programmes/999999/deactivate",
        "/housing/programmes/1.5/deactivate",
    ],
)
def test_malformed_or_unknown_ids_are_404(manager: LoggedIn, url: str) -> None:
    assert manager.get(url).status_code == 404
    assert manager.post(url).status_code == 404


def test_managers_find_programmes_in_the_menu_admins_on_the_catalogues_page(
    login_as: Callable[..., LoggedIn],
) -> None:
    menu = 'href="/housing/programmes"'
    manager = login_as(Role.MANAGER)
    assert menu in manager.get("/directory").get_data(as_text=True)
    admin = login_as(Role.ADMIN)
    # The administrator's menu fills the header at 1024 px: one click away instead.
    assert menu not in admin.get("/directory").get_data(as_text=True)
    assert menu in admin.get("/catalogues").get_data(as_text=True)
