"""Catalogue pages: managers and admins maintain the lists; front-line roles are refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role
from centre.catalogues import services
from centre.catalogues.models import Service, Site, SiteKind, Supply
from centre.catalogues.services import ItemValues, Kind
from centre.housing.models import CapacityUnit, LadderStep, Programme, ProgrammeType
from tests.conftest import LoggedIn, reread

EN = {"Accept-Language": "en"}


@pytest.fixture
def manager(login_as: Callable[..., LoggedIn]) -> LoggedIn:
    return login_as(Role.MANAGER)


def make_service(session: Session, actor_id: int, key: str, shortcut: str | None) -> Service:
    item = services.create_item(
        session,
        actor_id=actor_id,
        kind=Kind.SERVICES,
        key=key,
        values=ItemValues("Écoute", "Luisteren", "Listening", shortcut=shortcut),
    )
    session.commit()
    assert isinstance(item, Service)
    return item


def actions(session: Session, object_type: str, object_id: int) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.seq)
        )
    )


def test_overview_lists_the_three_catalogues(manager: LoggedIn) -> None:
    html = manager.get("/catalogues", headers=EN).get_data(as_text=True)
    for kind in ("sites", "services", "supplies"):
        assert f'href="/catalogues/{kind}"' in html
    assert "Harm-reduction supplies" in html and "active of" in html


def test_manager_creates_a_supply_through_the_page(manager: LoggedIn, session: Session) -> None:
    page = manager.get("/catalogues/supplies/new", headers=EN).get_data(as_text=True)
    assert "reception must confirm it is not a typo" in page
    assert "Counts toward syringes distributed, for the return rate" in page
    assert '<label for="label_nl">' in page
    response = manager.post(
        "/catalogues/supplies/new",
        {
            "key": "t_foil",
            "label_fr": "Feuilles d'alu",
            "label_nl": "Aluminiumfolie",
            "label_en": "Foil sheets",
            "max_per_visit": "30",
            "is_syringe": "",
            "sort_order": "4",
        },
        headers=EN,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/catalogues/supplies")
    listing = manager.get("/catalogues/supplies", headers=EN).get_data(as_text=True)
    assert "Foil sheets" in listing and "was added" in listing
    reread(session)
    supply = session.scalar(select(Supply).where(Supply.key == "t_foil"))
    assert supply is not None and supply.active and supply.max_per_visit == 30
    assert not supply.is_syringe and supply.sort_order == 4
    assert actions(session, "supply", supply.id) == ["catalogue.created"]
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "catalogue.created"))
    assert event is not None and event.actor_id == manager.user.id


def test_list_shows_labels_in_the_current_language(manager: LoggedIn, session: Session) -> None:
    make_service(session, manager.user.id, "t_listen", "x")
    dutch = manager.get("/catalogues/services", headers={"Accept-Language": "nl"})
    assert "Luisteren" in dutch.get_data(as_text=True)
    french = manager.get("/catalogues/services", headers={"Accept-Language": "fr"})
    assert "Écoute" in french.get_data(as_text=True)


def test_manager_edits_a_service_but_not_its_key(manager: LoggedIn, session: Session) -> None:
    service = make_service(session, manager.user.id, "t_edit", "x")
    url = f"/catalogues/services/{service.id}"
    form = manager.get(url, headers=EN).get_data(as_text=True)
    assert 'value="Luisteren"' in form and 'value="x"' in form and "t_edit" in form
    assert 'name="key"' not in form
    response = manager.post(
        url,
        {
            "key": "t_hacked",
            "label_fr": "Écoute active",
            "label_nl": "Actief luisteren",
            "label_en": "Active listening",
            "shortcut": "Q",
            "sort_order": "2",
        },
    )
    assert response.status_code == 302
    reread(session)
    edited = session.get(Service, service.id)
    assert edited is not None
    assert (edited.key, edited.label_en, edited.shortcut, edited.sort_order) == (
        "t_edit",
        "Active listening",
        "q",
        2,
    )
    assert actions(session, "service", service.id) == ["catalogue.created", "catalogue.updated"]


def test_edit_a_site_kind(manager: LoggedIn, session: Session) -> None:
    site = services.create_item(
        session,
        actor_id=manager.user.id,
        kind=Kind.SITES,
        key="t_van",
        values=ItemValues("Camionnette", "Bus", "Van", site_kind=SiteKind.CENTRE),
    )
    session.commit()
    url = f"/catalogues/sites/{site.id}"
    assert '<option selected value="centre">' in manager.get(url).get_data(as_text=True)
    response = manager.post(
        url,
        {"label_fr": "Camionnette", "label_nl": "Bus", "label_en": "Van", "kind": "outreach"},
    )
    assert response.status_code == 302
    reread(session)
    assert session.get_one(Site, site.id).kind is SiteKind.OUTREACH


def test_deactivate_and_reactivate_from_the_list(manager: LoggedIn, session: Session) -> None:
    service = make_service(session, manager.user.id, "t_toggle", None)
    listing = manager.get("/catalogues/services", headers=EN).get_data(as_text=True)
    action = f'action="/catalogues/services/{service.id}/active"'
    assert action in listing
    form_tag = listing[listing.index(action) - 200 : listing.index(action) + 300]
    assert "data-confirm=" in form_tag and "Deactivate" in form_tag

    response = manager.post(f"/catalogues/services/{service.id}/active", {"active": "0"})
    assert response.status_code == 302
    reread(session)
    assert session.get_one(Service, service.id).active is False
    listing = manager.get("/catalogues/services", headers=EN).get_data(as_text=True)
    assert "Reactivate" in listing and "Inactive" in listing

    manager.post(f"/catalogues/services/{service.id}/active", {"active": "1"})
    reread(session)
    assert session.get_one(Service, service.id).active is True
    assert actions(session, "service", service.id) == [
        "catalogue.created",
        "catalogue.deactivated",
        "catalogue.reactivated",
    ]


def test_toggle_without_csrf_token_is_refused(manager: LoggedIn, session: Session) -> None:
    service = make_service(session, manager.user.id, "t_csrf", None)
    response = manager.client.post(f"/catalogues/services/{service.id}/active", data={})
    assert response.status_code == 400
    reread(session)
    assert session.get_one(Service, service.id).active is True


def test_duplicate_key_is_explained_next_to_the_field(manager: LoggedIn, session: Session) -> None:
    make_service(session, manager.user.id, "t_twice", None)
    manager.get("/catalogues/services/new")
    response = manager.post(
        "/catalogues/services/new",
        {
            "key": "t_twice",
            "label_fr": "Garde-le",
            "label_nl": "Houd het",
            "label_en": "Keep it",
            "sort_order": "0",
        },
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="key-error"' in html and "already used in this catalogue" in html
    assert 'value="t_twice"' in html and 'value="Garde-le"' in html and 'value="Keep it"' in html
    reread(session)
    assert len(session.scalars(select(Service).where(Service.key == "t_twice")).all()) == 1


def test_malformed_key_is_explained(manager: LoggedIn) -> None:
    response = manager.post(
        "/catalogues/sites/new",
        {"key": "Bad Key!", "label_fr": "a", "label_nl": "b", "label_en": "c", "kind": "centre"},
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="key-error"' in html and "lower-case letters, digits or underscores" in html
    assert 'value="Bad Key!"' in html


def test_taken_shortcut_is_explained_next_to_the_field(manager: LoggedIn, session: Session) -> None:
    make_service(session, manager.user.id, "t_owner", "z")
    response = manager.post(
        "/catalogues/services/new",
        {
            "key": "t_wants_z",
            "label_fr": "Autre chose",
            "label_nl": "Iets anders",
            "label_en": "Something else",
            "shortcut": "z",
            "sort_order": "1",
        },
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="shortcut-error"' in html and "already used by the active service" in html
    assert "Listening" in html  # which service has the letter
    assert 'value="t_wants_z"' in html and 'value="Iets anders"' in html and 'value="z"' in html
    reread(session)
    assert session.scalar(select(Service).where(Service.key == "t_wants_z")) is None


def test_missing_label_keeps_the_rest(manager: LoggedIn) -> None:
    response = manager.post(
        "/catalogues/supplies/new",
        {"key": "t_half", "label_fr": "Pipe", "label_nl": "", "label_en": "Pipe"},
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="label_nl-error"' in html and 'value="t_half"' in html


@pytest.mark.parametrize(
    "url",
    [
        "/catalogues/drugs",
        "/catalogues/drugs/new",
        "/catalogues/drugs/1",
        "/catalogues/sites/999999",
    ],
)
def test_unknown_kind_or_item_is_404(manager: LoggedIn, url: str) -> None:
    assert manager.get(url).status_code == 404


def test_toggle_on_unknown_kind_or_item_is_404(manager: LoggedIn) -> None:
    assert manager.post("/catalogues/drugs/1/active", {"active": "0"}).status_code == 404
    assert manager.post("/catalogues/sites/999999/active", {"active": "0"}).status_code == 404


def test_admin_may_use_the_catalogues(login_as: Callable[..., LoggedIn]) -> None:
    admin = login_as(Role.ADMIN)
    assert admin.get("/catalogues").status_code == 200
    assert admin.get("/catalogues/sites/new").status_code == 200


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.SOCIAL_WORKER])
def test_front_line_roles_are_refused(
    role: Role, login_as: Callable[..., LoggedIn], session: Session
) -> None:
    owner = login_as(Role.MANAGER)
    service = make_service(session, owner.user.id, "t_refused", None)
    staff = login_as(role)
    for url in (
        "/catalogues",
        "/catalogues/services",
        "/catalogues/services/new",
        f"/catalogues/services/{service.id}",
    ):
        assert staff.get(url).status_code == 403, url
    data = {"key": "t_sneaky", "label_fr": "a", "label_nl": "b", "label_en": "c"}
    assert staff.post("/catalogues/services/new", data).status_code == 403
    assert (
        staff.post(f"/catalogues/services/{service.id}/active", {"active": "0"}).status_code == 403
    )
    reread(session)
    assert session.get_one(Service, service.id).active is True
    assert session.scalar(select(Service).where(Service.key == "t_sneaky")) is None


def test_anonymous_is_sent_to_login(client: FlaskClient) -> None:
    response = client.get("/catalogues")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the housing ladder -----------------------------------------------------------------------


def test_overview_lists_the_ladder(manager: LoggedIn) -> None:
    html = manager.get("/catalogues", headers=EN).get_data(as_text=True)
    assert 'href="/catalogues/ladder"' in html and "Housing ladder" in html


def test_manager_adds_a_step_and_raises_it(manager: LoggedIn, session: Session) -> None:
    page = manager.get("/catalogues/ladder/new", headers=EN).get_data(as_text=True)
    assert "New step" in page and "Height on the ladder" in page
    data = {"key": "t_hostel", "label_fr": "Foyer", "label_nl": "Tehuis", "label_en": "Hostel"}
    response = manager.post("/catalogues/ladder/new", {**data, "sort_order": "15"}, headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/catalogues/ladder")
    reread(session)
    step = session.scalars(select(LadderStep).where(LadderStep.key == "t_hostel")).one()
    assert step.active and step.sort_order == 15
    assert actions(session, "ladder_step", step.id) == ["catalogue.created"]

    edit = {"label_fr": "Foyer", "label_nl": "Tehuis", "label_en": "Hostel", "sort_order": "35"}
    assert manager.post(f"/catalogues/ladder/{step.id}", edit).status_code == 302
    listing = manager.get("/catalogues/ladder", headers=EN).get_data(as_text=True)
    assert "Hostel" in listing and "Height on the ladder" in listing
    reread(session)
    assert session.get_one(LadderStep, step.id).sort_order == 35


def test_a_step_in_use_is_not_deactivated(manager: LoggedIn, session: Session) -> None:
    step = services.create_item(
        session,
        actor_id=manager.user.id,
        kind=Kind.LADDER,
        key="t_in_use",
        values=ItemValues("Urgence", "Nood", "Emergency", sort_order=10),
    )
    site = services.create_item(
        session,
        actor_id=manager.user.id,
        kind=Kind.SITES,
        key="t_beds",
        values=ItemValues("Centre", "Centrum", "Centre"),
    )
    session.add(
        Programme(
            name="Crisis beds",
            type=ProgrammeType.EMERGENCY_SHELTER,
            site_id=site.id,
            capacity=3,
            capacity_unit=CapacityUnit.BEDS,
            ladder_step_id=step.id,
        )
    )
    session.commit()
    listing = manager.get("/catalogues/ladder", headers=EN).get_data(as_text=True)
    assert "New programmes can no longer be placed on it" in listing
    response = manager.post(
        f"/catalogues/ladder/{step.id}/active", {"active": "0"}, follow_redirects=True, headers=EN
    )
    page = response.get_data(as_text=True)
    assert "cannot be deactivated" in page and "Crisis beds" in page
    reread(session)
    assert session.get_one(LadderStep, step.id).active is True
    assert actions(session, "ladder_step", step.id) == ["catalogue.created"]


@pytest.mark.parametrize(
    ("kind", "model", "height"),
    [("task-types", "TaskType", None), ("work-phases", "WorkPhase", "Height in the progression")],
)
def test_day_labour_lists_are_catalogues_too(
    manager: LoggedIn, session: Session, kind: str, model: str, height: str | None
) -> None:
    from centre.employment import models as employment

    overview = manager.get("/catalogues", headers=EN).get_data(as_text=True)
    assert f'href="/catalogues/{kind}"' in overview
    page = manager.get(f"/catalogues/{kind}/new", headers=EN).get_data(as_text=True)
    assert height is None or height in page
    data = {"key": "t_mural", "label_fr": "Fresque", "label_nl": "Muurschildering",
            "label_en": "Mural", "sort_order": "25"}  # fmt: skip
    assert manager.post(f"/catalogues/{kind}/new", data, headers=EN).status_code == 302
    reread(session)
    item_model = getattr(employment, model)
    item = session.scalars(select(item_model).where(item_model.key == "t_mural")).one()
    assert item.active and item.sort_order == 25
