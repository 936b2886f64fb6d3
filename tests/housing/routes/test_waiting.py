"""Waiting-list pages: a person put on a list (once, however often the form is posted), the
list with computed places page after page, an offer recorded then answered, a place offered
and taken in one step from the list, mistakes told beside their field, two workers at once,
malformed addresses, and who may open them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.housing.models import (
    Application,
    ApplicationStatus,
    Priority,
    Programme,
    ProgrammeType,
    Stay,
)
from centre.housing.services import waiting as services
from centre.people.models import Person
from tests import factories
from tests.conftest import Browser, LoggedIn, reread
from tests.housing.conftest import programme, stay

S = ApplicationStatus
TOKEN_RE = re.compile(r'name="form_token"[^>]*value="([^"]+)"')
VERSION_RE = re.compile(r'name="version"[^>]*value="(\d+)"')


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


@pytest.fixture
def transit(session: Session) -> Programme:
    made = programme(session, name="Transit Home", type=ProgrammeType.TRANSIT_HOME, beds=3)
    session.commit()
    return made


def today() -> date:
    return services.today()


def page(client: Browser, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return str(response.get_data(as_text=True))


def token_on(html: str) -> str:
    found = TOKEN_RE.search(html)
    assert found, "no one-time token on the page"
    return found.group(1)


def version_on(html: str) -> str:
    found = VERSION_RE.search(html)
    assert found, "no version on the page"
    return found.group(1)


def apply_form(prog: Programme, token: str, **overrides: Any) -> dict[str, Any]:
    return {
        "form_token": token,
        "programme": str(prog.id),
        "applied_on": today().isoformat(),
        "priority": "normal",
        **overrides,
    }


def post_apply(client: LoggedIn, person: Person, prog: Programme, **overrides: Any) -> Any:
    """The apply form, as the page gives it, with `overrides` (the user is the worker)."""
    url = f"/housing/people/{person.code}/apply"
    html = page(client, url)
    data = apply_form(prog, token_on(html), **{"worker": str(client.user.id), **overrides})
    return client.post(url, data)


def an_application(
    session: Session,
    worker: LoggedIn,
    prog: Programme,
    *,
    person: Person | None = None,
    priority: Priority = Priority.NORMAL,
    applied_on: date | None = None,
) -> Application:
    made = services.apply(
        session,
        actor_id=worker.user.id,
        person=person or factories.person(session, actor_id=worker.user.id),
        programme=prog,
        applied_on=applied_on or today() - timedelta(days=10),
        worker_id=worker.user.id,
        priority=priority,
        today=today(),
    )
    session.commit()
    return made


def reread_application(session: Session, application_id: int) -> Application:
    reread(session)
    found = session.get(Application, application_id)
    assert found is not None
    return found


def admit_data(html: str, **overrides: Any) -> dict[str, Any]:
    return {
        "form_token": token_on(html),
        "version": version_on(html),
        "entry_on": today().isoformat(),
        "bed": "",
        "override_reason": "",
        **overrides,
    }


# --- applying ---------------------------------------------------------------------------------


def test_a_social_worker_puts_a_person_on_a_list_once_however_often_posted(
    session: Session, worker: LoggedIn, person: Person, transit: Programme
) -> None:
    programme(session, name="Night shelter", type=ProgrammeType.NIGHT_SHELTER)
    session.commit()
    url = f"/housing/people/{person.code}/apply"
    html = page(worker, url)
    # The worker is the user by default; shelters are not offered (no list).
    assert re.search(rf'<option selected value="{worker.user.id}">', html) or re.search(
        rf'<option[^>]*value="{worker.user.id}"[^>]*selected', html
    )
    assert "Transit Home" in html and "Night shelter" not in html
    data = apply_form(transit, token_on(html), worker=str(worker.user.id), priority="high")
    first = worker.post(url, data)
    assert first.status_code == 302
    again = worker.post(url, data)  # a double click, or the page sent again
    assert again.status_code == 302
    assert again.headers["Location"] == f"/housing/people/{person.code}"
    reread(session)
    made = session.scalars(select(Application)).one()
    assert first.headers["Location"] == f"/housing/applications/{made.id}"
    assert (made.priority, made.worker_id, made.status) == (
        Priority.HIGH,
        worker.user.id,
        S.WAITING,
    )
    shown = page(worker, first.headers["Location"])
    assert "This form was already saved; it was not saved a second time." in shown
    assert re.search(r'data-testid="application-position">1<', shown)


def test_a_second_application_to_the_same_list_is_told_beside_the_programme(
    session: Session, worker: LoggedIn, person: Person, transit: Programme
) -> None:
    assert post_apply(worker, person, transit).status_code == 302
    response = post_apply(worker, person, transit, priority="urgent")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "already on this programme&#39;s waiting list" in html
    assert re.search(r'<input checked[^>]*value="urgent"', html)  # the input is kept
    reread(session)
    assert session.scalar(select(func.count()).select_from(Application)) == 1


def test_mistakes_are_told_beside_their_field_keeping_the_input(
    session: Session, app: Any, worker: LoggedIn, person: Person, transit: Programme
) -> None:
    receptionist = factories.user(session, app, role=Role.RECEPTION)
    session.commit()
    future = (today() + timedelta(days=3)).isoformat()
    response = post_apply(
        worker, person, transit, applied_on=future, worker=str(receptionist.id), priority=""
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "This date is in the future." in html
    assert "Choose an active social worker." in html
    assert "This field is required." in html
    assert f'value="{future}"' in html
    reread(session)
    assert session.scalar(select(func.count()).select_from(Application)) == 0


# --- the lists --------------------------------------------------------------------------------


def test_the_list_shows_places_codes_and_the_offer_action_page_after_page(
    session: Session, worker: LoggedIn, transit: Programme
) -> None:
    made = [
        an_application(session, worker, transit, applied_on=today() - timedelta(days=40 - i))
        for i in range(26)
    ]
    urgent = an_application(session, worker, transit, priority=Priority.URGENT)
    html = page(worker, f"/housing/programmes/{transit.id}/waiting")
    rows = re.findall(r'id="application-(\d+)" data-position="(\d+)"', html)
    assert len(rows) == 25
    assert rows[0] == (str(urgent.id), "1") and rows[1] == (str(made[0].id), "2")
    urgent_code = session.get(Person, urgent.person_id).code  # type: ignore[union-attr]
    assert f'href="/housing/people/{urgent_code}"' in html
    assert html.count(">Offer a place</a>") == 25
    assert html.count(">Record an offer</button>") == 25
    assert "Days waiting" in html and "<td>40</td>" in html
    second = page(worker, f"/housing/programmes/{transit.id}/waiting?page=2")
    rows = re.findall(r'id="application-(\d+)" data-position="(\d+)"', second)
    assert rows == [(str(made[-2].id), "26"), (str(made[-1].id), "27")]
    assert "Page 2 of 2" in second
    # A page number that is not one shows the first page; one too far shows the last.
    assert "Page 1 of 2" in page(worker, f"/housing/programmes/{transit.id}/waiting?page=x")
    assert "Page 2 of 2" in page(worker, f"/housing/programmes/{transit.id}/waiting?page=99")


def test_an_empty_list_says_so_and_every_list_shows_its_counts(
    session: Session, worker: LoggedIn, transit: Programme
) -> None:
    html = page(worker, f"/housing/programmes/{transit.id}/waiting")
    assert "Nobody is waiting for this programme." in html
    programme(session, name="Night shelter", type=ProgrammeType.NIGHT_SHELTER)
    closed = programme(session, name="Old home", type=ProgrammeType.TRANSIT_HOME, active=False)
    session.commit()
    offered = an_application(session, worker, transit)
    an_application(session, worker, transit)
    services.change_status(
        session,
        actor_id=worker.user.id,
        application=offered,
        status=S.OFFERED,
        on=today(),
        version=offered.version,
        today=today(),
    )
    session.commit()
    overview = page(worker, "/housing/waiting")
    assert f'href="/housing/programmes/{transit.id}/waiting"' in overview
    assert "<td>1</td>\n    <td>1</td>" in overview
    assert "Night shelter" not in overview and "Old home" not in overview
    # A closed programme's list still shows (its applications must be closed), offering none.
    assert "no place can be offered" in page(worker, f"/housing/programmes/{closed.id}/waiting")


# --- an offer, then its answer ----------------------------------------------------------------


def test_record_an_offer_from_the_list_then_the_person_declines(
    session: Session, worker: LoggedIn, transit: Programme
) -> None:
    made = an_application(session, worker, transit)
    html = page(worker, f"/housing/programmes/{transit.id}/waiting")
    offered = worker.post(
        f"/housing/applications/{made.id}",
        {
            "action": "status",
            "status": "offered",
            "on": today().isoformat(),
            "version": version_on(html),
            "back": "list",
        },
    )
    assert offered.status_code == 302
    assert offered.headers["Location"] == f"/housing/programmes/{transit.id}/waiting"
    assert reread_application(session, made.id).status is S.OFFERED
    listed = page(worker, f"/housing/programmes/{transit.id}/waiting")
    assert ">Offer accepted: admit</a>" in listed and ">Record an offer</button>" not in listed
    detail = page(worker, f"/housing/applications/{made.id}")
    assert "Offer accepted: admit" in detail
    assert "The offer lapsed: back on the waiting list" in detail
    declined = worker.post(
        f"/housing/applications/{made.id}",
        {"action": "status", "status": "declined", "on": today().isoformat(),
         "version": version_on(detail)},
    )  # fmt: skip
    assert declined.status_code == 302
    assert declined.headers["Location"] == f"/housing/applications/{made.id}"
    found = reread_application(session, made.id)
    assert [e.status for e in found.events] == [S.WAITING, S.OFFERED, S.DECLINED]
    final = page(worker, f"/housing/applications/{made.id}")
    assert "Declined by the person" in final and "Record what happened" not in final
    # A page left open elsewhere still posts: the refusal is shown, not lost with the form.
    late = worker.post(
        f"/housing/applications/{made.id}",
        {"action": "status", "status": "withdrawn", "on": today().isoformat(),
         "version": str(found.version)},
    )  # fmt: skip
    assert late.status_code == 422
    assert "This application is closed" in late.get_data(as_text=True)
    # Closed: its admission page sends back to the application.
    closed = worker.get(f"/housing/applications/{made.id}/admit")
    assert closed.status_code == 302


def test_a_change_the_workflow_does_not_allow_is_told(
    session: Session, worker: LoggedIn, transit: Programme
) -> None:
    made = an_application(session, worker, transit)
    for status, words in (
        ("accepted", "This change cannot follow the application&#39;s current status."),
        ("bogus", "Choose one of the changes offered."),
    ):
        html = page(worker, f"/housing/applications/{made.id}")
        response = worker.post(
            f"/housing/applications/{made.id}",
            {"action": "status", "status": status, "on": today().isoformat(),
             "version": version_on(html)},
        )  # fmt: skip
        assert response.status_code == 422
        assert words in response.get_data(as_text=True)
    html = page(worker, f"/housing/applications/{made.id}")
    late = worker.post(
        f"/housing/applications/{made.id}",
        {"action": "status", "status": "withdrawn",
         "on": (today() - timedelta(days=30)).isoformat(), "version": version_on(html)},
    )  # fmt: skip
    assert late.status_code == 422
    assert "This date is before the application date." in late.get_data(as_text=True)
    assert worker.post(f"/housing/applications/{made.id}", {"action": "x"}).status_code == 400
    assert reread_application(session, made.id).status is S.WAITING


def test_a_stale_page_is_refused_and_shows_the_current_state(
    session: Session, worker: LoggedIn, transit: Programme
) -> None:
    made = an_application(session, worker, transit)
    html = page(worker, f"/housing/applications/{made.id}")
    stale = version_on(html)
    services.change_status(  # a colleague, meanwhile
        session,
        actor_id=worker.user.id,
        application=made,
        status=S.OFFERED,
        on=today(),
        version=made.version,
        today=today(),
    )
    session.commit()
    response = worker.post(
        f"/housing/applications/{made.id}",
        {"action": "status", "status": "withdrawn", "on": today().isoformat(), "version": stale},
    )
    assert response.status_code == 409
    body = response.get_data(as_text=True)
    assert "Someone else saved this since you opened it." in body
    assert version_on(body) == str(made.version)
    priority = worker.post(
        f"/housing/applications/{made.id}",
        {"action": "priority", "priority": "urgent", "version": stale},
    )
    assert priority.status_code == 409
    admission = worker.post(
        f"/housing/applications/{made.id}/admit",
        admit_data(page(worker, f"/housing/applications/{made.id}/admit"), version=stale),
    )
    assert admission.status_code == 409
    found = reread_application(session, made.id)
    assert (found.status, found.priority) == (S.OFFERED, Priority.NORMAL)


def test_the_priority_changes_on_the_application_page(
    session: Session, worker: LoggedIn, transit: Programme
) -> None:
    an_application(session, worker, transit)
    made = an_application(session, worker, transit)
    html = page(worker, f"/housing/applications/{made.id}")
    assert re.search(r'data-testid="application-position">2<', html)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "two forms on one page repeat an id"
    response = worker.post(
        f"/housing/applications/{made.id}",
        {"action": "priority", "priority": "urgent", "version": version_on(html)},
    )
    assert response.status_code == 302
    shown = page(worker, f"/housing/applications/{made.id}")
    assert re.search(r'data-testid="application-position">1<', shown)
    assert reread_application(session, made.id).priority is Priority.URGENT


# --- offering a place: admitted in one step ---------------------------------------------------


def test_a_social_worker_offers_a_place_from_the_list_and_the_stay_starts(
    session: Session, worker: LoggedIn, transit: Programme
) -> None:
    made = an_application(session, worker, transit)
    code = session.get(Person, made.person_id).code  # type: ignore[union-attr]
    listed = page(worker, f"/housing/programmes/{transit.id}/waiting")
    assert f'href="/housing/applications/{made.id}/admit"' in listed
    html = page(worker, f"/housing/applications/{made.id}/admit")
    assert f'value="{today().isoformat()}"' in html  # the entry date defaults to today
    beds = {bed.position: bed.id for bed in transit.beds}
    assert all(f'value="{bed_id}"' in html for bed_id in beds.values())
    response = worker.post(
        f"/housing/applications/{made.id}/admit", admit_data(html, bed=str(beds[2]))
    )
    assert response.status_code == 302
    assert response.headers["Location"] == f"/housing/people/{code}"
    found = reread_application(session, made.id)
    entered = session.scalars(select(Stay)).one()
    assert (found.status, found.stay_id, found.status_on) == (S.ACCEPTED, entered.id, today())
    assert (entered.bed_id, entered.entry_on) == (beds[2], today())
    assert "Nobody is waiting" in page(worker, f"/housing/programmes/{transit.id}/waiting")
    # The form posted again (a double click) saves nothing more.
    again = worker.post(
        f"/housing/applications/{made.id}/admit", admit_data(html, bed=str(beds[2]))
    )
    assert again.status_code == 302
    reread(session)
    assert session.scalar(select(func.count()).select_from(Stay)) == 1


def test_a_full_programme_is_told_and_nothing_changes(
    session: Session, worker: LoggedIn, person: Person
) -> None:
    small = programme(session, name="Small home", type=ProgrammeType.TRANSIT_HOME, beds=1)
    other = factories.person(session, actor_id=worker.user.id)
    stay(session, person_id=other.id, programme=small, actor_id=worker.user.id,
         entry_on=today() - timedelta(days=3), bed=small.beds[0])  # fmt: skip
    session.commit()
    made = an_application(session, worker, small, person=person)
    html = page(worker, f"/housing/applications/{made.id}/admit")
    entry = (today() - timedelta(days=1)).isoformat()
    response = worker.post(
        f"/housing/applications/{made.id}/admit", admit_data(html, entry_on=entry)
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "This programme is full on that date" in body
    assert f'value="{entry}"' in body  # the input is kept
    found = reread_application(session, made.id)
    assert (found.status, found.stay_id) == (S.WAITING, None)
    assert session.scalar(select(func.count()).select_from(Stay)) == 1


def test_a_person_already_in_a_stay_is_told(
    session: Session, worker: LoggedIn, person: Person, transit: Programme
) -> None:
    shelter = programme(session, name="Night shelter", type=ProgrammeType.NIGHT_SHELTER)
    stay(session, person_id=person.id, programme=shelter, actor_id=worker.user.id,
         entry_on=today() - timedelta(days=2), bed=shelter.beds[0])  # fmt: skip
    session.commit()
    made = an_application(session, worker, transit, person=person)
    html = page(worker, f"/housing/applications/{made.id}/admit")
    response = worker.post(f"/housing/applications/{made.id}/admit", admit_data(html))
    assert response.status_code == 422
    assert "already has a stay running on that date" in response.get_data(as_text=True)
    assert reread_application(session, made.id).status is S.WAITING


def test_a_bed_given_meanwhile_is_told_and_no_longer_offered(
    session: Session, worker: LoggedIn, transit: Programme
) -> None:
    made = an_application(session, worker, transit)
    html = page(worker, f"/housing/applications/{made.id}/admit")
    bed = transit.beds[0]
    other = factories.person(session, actor_id=worker.user.id)
    stay(session, person_id=other.id, programme=transit, actor_id=worker.user.id,
         entry_on=today(), bed=bed)  # fmt: skip
    session.commit()
    response = worker.post(
        f"/housing/applications/{made.id}/admit", admit_data(html, bed=str(bed.id))
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Someone already has this bed on that night" in body
    assert f'<option value="{bed.id}"' not in body
    assert reread_application(session, made.id).status is S.WAITING


def test_past_the_maximum_stay_the_page_warns_and_asks_a_reason(
    session: Session, worker: LoggedIn, person: Person
) -> None:
    short = programme(
        session, name="Short stay", type=ProgrammeType.TRANSIT_HOME, beds=2, max_nights=2
    )
    stay(session, person_id=person.id, programme=short, actor_id=worker.user.id,
         entry_on=today() - timedelta(days=2), exit_on=today())  # fmt: skip
    session.commit()
    made = an_application(session, worker, short, person=person, applied_on=today())
    html = page(worker, f"/housing/applications/{made.id}/admit")
    response = worker.post(f"/housing/applications/{made.id}/admit", admit_data(html))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'data-testid="max-stay-warning"' in body and 'name="override_reason"' in body
    again = worker.post(
        f"/housing/applications/{made.id}/admit", admit_data(body, override_reason="health")
    )
    assert again.status_code == 302
    assert reread_application(session, made.id).status is S.ACCEPTED


# --- addresses and roles ----------------------------------------------------------------------


def test_malformed_or_unknown_addresses_are_not_found(
    session: Session, worker: LoggedIn, transit: Programme
) -> None:
    shelter = programme(session, name="Night shelter", type=ProgrammeType.NIGHT_SHELTER)
    session.commit()
    for url in (
        "/housing/applications/999999",
        "/housing/applications/999999/admit",
        "/housing/applications/99999999999",
        "/housing/applications/-1",
        "/housing/applications/abc",
        "/housing/programmes/999999/waiting",
        f"/housing/programmes/{shelter.id}/waiting",
        "/housing/programmes/x/waiting",
        "/housing/people/NOPE/apply",
        "/housing/people/K7MQ-3XZ9/apply",
    ):
        assert worker.get(url).status_code == 404, url


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MANAGER, Role.ADMIN], ids=str)
def test_only_social_workers_manage_waiting_lists(
    session: Session,
    login_as: Callable[..., LoggedIn],
    worker: LoggedIn,
    person: Person,
    transit: Programme,
    role: Role,
) -> None:
    made = an_application(session, worker, transit)
    other = login_as(role)
    for url in (
        "/housing/waiting",
        f"/housing/programmes/{transit.id}/waiting",
        f"/housing/people/{person.code}/apply",
        f"/housing/applications/{made.id}",
        f"/housing/applications/{made.id}/admit",
    ):
        assert other.get(url).status_code == 403, url
    for url in (
        f"/housing/people/{person.code}/apply",
        f"/housing/applications/{made.id}",
        f"/housing/applications/{made.id}/admit",
    ):
        assert other.post(url, {"action": "status", "status": "withdrawn"}).status_code == 403
    found = reread_application(session, made.id)
    assert found.status is S.WAITING
    assert session.scalar(select(func.count()).select_from(Stay)) == 0
