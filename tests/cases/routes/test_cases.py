"""The person's file, a case's pages and the caseload, through the web pages."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.cases.models import CaseFile, CaseStatus
from tests import factories
from tests.cases.conftest import Office
from tests.conftest import LoggedIn, reread

EN = {"Accept-Language": "en"}
TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


def open_through_the_page(office: Office) -> None:
    code = office.person.code
    page = office.worker.get(f"/cases/people/{code}/open").get_data(as_text=True)
    token = TOKEN.search(page)
    assert token
    form = {"form_token": token.group(1), "key_worker": str(office.worker.user.id)}
    response = office.worker.post(f"/cases/people/{code}/open", form)
    assert response.status_code == 302
    again = office.worker.post(
        f"/cases/people/{code}/open", form, headers=EN, follow_redirects=True
    )
    # The one-open-case rule answers before the form's token: told, and nothing doubled.
    assert "This person already has an open case." in again.get_data(as_text=True)


def test_a_case_opened_once_shows_on_the_persons_file(office: Office, session: Session) -> None:
    html = office.worker.get(f"/cases/people/{office.person.code}", headers=EN).get_data(
        as_text=True
    )
    assert "No open case." in html and "Open a case" in html
    open_through_the_page(office)
    reread(session)
    assert session.scalar(select(func.count()).select_from(CaseFile)) == 1
    html = office.worker.get(f"/cases/people/{office.person.code}", headers=EN).get_data(
        as_text=True
    )
    assert 'data-testid="current-case"' in html and office.worker.user.username in html


def test_closing_with_a_bad_date_keeps_the_input(office: Office, session: Session) -> None:
    open_through_the_page(office)
    reread(session)
    case_file = session.scalars(select(CaseFile)).one()
    page = office.worker.get(f"/cases/{case_file.id}/close").get_data(as_text=True)
    version = VERSION.search(page)
    assert version
    response = office.worker.post(
        f"/cases/{case_file.id}/close",
        {"closed_on": "2001-01-01", "reason": "moved_away", "version": version.group(1)},
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "cannot close before the day it was opened" in html
    assert 'value="2001-01-01"' in html and '<option selected value="moved_away">' in html
    response = office.worker.post(
        f"/cases/{case_file.id}/close",
        {"reason": "moved_away", "version": version.group(1), "closed_on": ""},
        headers=EN,
    )
    assert response.status_code == 422 and "This field is required." in response.get_data(
        as_text=True
    )


def test_two_workers_changing_the_same_case_the_second_is_told(
    office: Office, session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    open_through_the_page(office)
    reread(session)
    case_file = session.scalars(select(CaseFile)).one()
    other = login_as(Role.SOCIAL_WORKER)
    page = office.worker.get(f"/cases/{case_file.id}/workers").get_data(as_text=True)
    other.get(f"/cases/{case_file.id}/workers")
    version = VERSION.search(page)
    assert version
    first = other.post(
        f"/cases/{case_file.id}/workers",
        {"key_worker": str(office.colleague.id), "second_worker": "", "version": version.group(1)},
    )
    assert first.status_code == 302
    second = office.worker.post(
        f"/cases/{case_file.id}/workers",
        {"key_worker": str(other.user.id), "second_worker": "", "version": version.group(1)},
        headers=EN,
    )
    html = second.get_data(as_text=True)
    assert second.status_code == 422
    assert "Someone else saved this since you opened it" in html
    assert f'<option selected value="{other.user.id}">' in html  # the input is kept
    reread(session)
    assert session.get_one(CaseFile, case_file.id).key_worker_id == office.colleague.id


def test_the_caseload_past_its_first_page(office: Office, session: Session) -> None:
    actor = office.worker.user.id
    for _ in range(27):
        person = factories.person(session, actor_id=actor)
        session.add(
            CaseFile(
                person_id=person.id,
                status=CaseStatus.OPEN,
                key_worker_id=actor,
                opened_on=person.created_at.date(),
                created_by_id=actor,
            )
        )
    session.commit()
    first = office.worker.get("/cases?sort=code", headers=EN).get_data(as_text=True)
    assert first.count('class="code" href="/cases/people/') == 25
    assert 'rel="next"' in first
    second = office.worker.get("/cases?sort=code&page=2", headers=EN).get_data(as_text=True)
    assert second.count('class="code" href="/cases/people/') == 2
    assert "Page 2 of 2" in second
    odd = office.worker.get("/cases?sort=nonsense", headers=EN)
    assert odd.status_code == 200


def test_other_roles_cannot_open_a_persons_file(
    office: Office, login_as: Callable[..., LoggedIn]
) -> None:
    for role in (Role.RECEPTION, Role.MANAGER, Role.ADMIN):
        assert login_as(role).get(f"/cases/people/{office.person.code}").status_code == 403
