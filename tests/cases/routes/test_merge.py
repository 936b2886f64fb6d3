"""Merging two codes and undoing it, through the pages: each step confirmed, each refusal told."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.cases.models import CaseFile, CaseStatus, PersonMerge
from centre.people.models import Person
from centre.reception.models import Visit
from tests import factories
from tests.cases.conftest import Office
from tests.conftest import LoggedIn, reread

EN = {"Accept-Language": "en"}
TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def other_person(session: Session, office: Office, *, visits: int = 2) -> Person:
    other = factories.person(session, actor_id=office.worker.user.id)
    site = factories.site(session, key=f"site{other.id}")
    for _ in range(visits):
        session.add(
            Visit(
                site_id=site.id,
                person_id=other.id,
                occurred_at=other.created_at,
                created_by_id=office.worker.user.id,
                shift_day=other.created_at.date(),
                shift_index=0,
            )
        )
    session.commit()
    return other


def ask(office: Office, code: str) -> tuple[int, str]:
    response = office.worker.post(
        f"/cases/people/{office.person.code}/merge", {"code": code}, headers=EN
    )
    return response.status_code, response.get_data(as_text=True)


def confirm(office: Office, page: str, code: str) -> Any:
    token = TOKEN.search(page)
    assert token, "no one-time token on the confirmation"
    return office.worker.post(
        f"/cases/people/{office.person.code}/merge/confirm",
        {"code": code, "form_token": token.group(1)},
        headers=EN,
    )


def merged_through_the_pages(office: Office, session: Session, other: Person) -> PersonMerge:
    status, page = ask(office, other.code)
    assert status == 200
    response = confirm(office, page, other.code)
    assert response.status_code == 302
    reread(session)
    return session.scalars(select(PersonMerge)).one()


def test_a_code_merged_after_confirming_leads_to_the_kept_file(
    office: Office, session: Session
) -> None:
    other = other_person(session, office)
    file_page = office.worker.get(f"/cases/people/{office.person.code}", headers=EN)
    assert "This code is the same person as another code" in file_page.get_data(as_text=True)
    form = office.worker.get(f"/cases/people/{office.person.code}/merge", headers=EN)
    assert form.status_code == 200 and "Code of the other record" in form.get_data(as_text=True)

    status, page = ask(office, other.code.lower())
    # The confirmation names both codes and what would move, and nothing moved yet.
    assert status == 200
    assert f'data-testid="kept-code">{office.person.code}<' in page
    assert f'data-testid="merged-code">{other.code}<' in page
    assert re.search(r"<td>Visits</td><td>2</td>", page)
    reread(session)
    assert session.scalar(select(func.count()).select_from(PersonMerge)) == 0

    response = confirm(office, page, other.code)
    assert response.status_code == 302
    shown = office.worker.get(f"/cases/people/{other.code}", headers=EN).get_data(as_text=True)
    assert f'data-testid="person-code">{office.person.code}<' in shown
    assert f"{other.code} is now the same file as {office.person.code}" in shown
    assert 'data-testid="merges"' in shown and "Undo this merge" in shown
    reread(session)
    assert {v.person_id for v in session.scalars(select(Visit))} == {office.person.id}


def test_the_confirmation_posted_twice_merges_once(office: Office, session: Session) -> None:
    other = other_person(session, office)
    _status, page = ask(office, other.code)
    assert confirm(office, page, other.code).status_code == 302
    again = confirm(office, page, other.code)
    assert again.status_code == 422
    assert "was already merged into" in again.get_data(as_text=True)
    reread(session)
    assert session.scalar(select(func.count()).select_from(PersonMerge)) == 1


def test_each_refusal_is_told_beside_the_code(office: Office, session: Session) -> None:
    merged_before = other_person(session, office, visits=0)
    merged_through_the_pages(office, session, merged_before)
    cases = {
        office.person.code: "This is this person&#39;s own code.",
        "K7MQ-3XZ": "A code has 8 characters",
        merged_before.code: f"Code {merged_before.code} was already merged into "
        f"{office.person.code}",
        "": "This field is required.",
    }
    code = office.person.code
    cases[code[:-1] + ("0" if code[-1] != "0" else "1")] = "This code is mistyped"
    for typed, told in cases.items():
        status, page = ask(office, typed)
        assert status == 422, typed
        assert told in page, typed


def test_two_open_cases_are_refused(office: Office, session: Session) -> None:
    other = other_person(session, office, visits=0)
    for person in (office.person, other):
        session.add(
            CaseFile(
                person_id=person.id,
                status=CaseStatus.OPEN,
                key_worker_id=office.worker.user.id,
                opened_on=person.created_at.date(),
                created_by_id=office.worker.user.id,
            )
        )
    session.commit()
    status, page = ask(office, other.code)
    assert status == 422 and "Both persons have an open case" in page


def test_a_merge_undone_after_confirming(office: Office, session: Session) -> None:
    other = other_person(session, office)
    done = merged_through_the_pages(office, session, other)
    url = f"/cases/people/{office.person.code}/merges/{done.id}/undo"
    page = office.worker.get(url, headers=EN).get_data(as_text=True)
    assert f"Undo the merge of {other.code} into {office.person.code}?" in page
    assert re.search(r"<td>Visits</td><td>2</td>", page)
    response = office.worker.post(url, headers=EN)
    assert response.status_code == 302
    shown = office.worker.get(f"/cases/people/{office.person.code}", headers=EN)
    html = shown.get_data(as_text=True)
    assert f"Merge undone: {other.code} is a person of its own again" in html
    assert "undone on" in html and "Undo this merge" not in html
    reread(session)
    assert {v.person_id for v in session.scalars(select(Visit))} == {other.id}
    # Undone already: told, nothing changes.
    again = office.worker.post(url, headers=EN)
    assert again.status_code == 409
    assert "This merge was already undone." in again.get_data(as_text=True)


def test_an_undo_after_30_days_is_told(office: Office, session: Session) -> None:
    other = other_person(session, office)
    done = merged_through_the_pages(office, session, other)
    done.merged_at -= timedelta(days=31)
    session.commit()
    url = f"/cases/people/{office.person.code}/merges/{done.id}/undo"
    page = office.worker.get(url, headers=EN).get_data(as_text=True)
    told = "A merge can be undone within 30 days of it only: this one is final."
    assert told in page and "Undo the merge</button>" not in page
    response = office.worker.post(url, headers=EN)
    assert response.status_code == 409 and told in response.get_data(as_text=True)
    shown = office.worker.get(f"/cases/people/{office.person.code}", headers=EN)
    assert "Undo this merge" not in shown.get_data(as_text=True)
    reread(session)
    assert {v.person_id for v in session.scalars(select(Visit))} == {office.person.id}


def test_a_merge_is_undone_only_from_the_kept_persons_file(
    office: Office, session: Session
) -> None:
    other = other_person(session, office)
    third = other_person(session, office, visits=0)
    done = merged_through_the_pages(office, session, other)
    assert office.worker.get(f"/cases/people/{third.code}/merges/{done.id}/undo").status_code == 404
    assert (
        office.worker.get(f"/cases/people/{office.person.code}/merges/999999/undo").status_code
        == 404
    )


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MANAGER, Role.ADMIN])
def test_only_social_workers_merge_and_undo(
    role: Role, office: Office, session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    other = other_person(session, office, visits=0)
    done = merged_through_the_pages(office, session, other)
    someone = login_as(role)
    code = office.person.code
    assert someone.get(f"/cases/people/{code}/merge").status_code == 403
    assert someone.post(f"/cases/people/{code}/merge", {"code": other.code}).status_code == 403
    assert (
        someone.post(f"/cases/people/{code}/merge/confirm", {"code": other.code}).status_code == 403
    )
    assert someone.get(f"/cases/people/{code}/merges/{done.id}/undo").status_code == 403
    assert someone.post(f"/cases/people/{code}/merges/{done.id}/undo").status_code == 403
    reread(session)
    assert session.get_one(PersonMerge, done.id).undone_at is None
