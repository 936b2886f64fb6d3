"""Every paginated list answers past its first page, in every language."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from centre.audit.services import record
from centre.auth.models import Role
from centre.people import actions as people_actions
from centre.reception.services import handover
from centre.reception.settings import ReceptionSettings
from centre.reception.shifts import parse_shift_starts
from tests import factories
from tests.conftest import Browser, LoggedIn

LANGUAGES = {"fr": "Page 2 sur 2", "nl": "Pagina 2 van 2", "en": "Page 2 of 2"}


def assert_second_page(staff: Browser, url: str, language: str, marker: str) -> None:
    response = staff.get(f"{url}?page=2", headers={"Accept-Language": language})
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html[:400]
    assert LANGUAGES[language] in html
    assert 'rel="prev"' in html and 'rel="next"' not in html
    assert marker in html
    first = staff.get(url, headers={"Accept-Language": language}).get_data(as_text=True)
    assert 'rel="next"' in first and "page=2" in first


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_users_second_page(
    language: str, login_as: Callable[..., LoggedIn], session: Session, app: Flask
) -> None:
    admin = login_as(Role.ADMIN)
    for number in range(51):
        factories.user(session, app, username=f"zz{number:03d}")
    session.commit()
    # Sorted by name, the last of 52 accounts is alone on page 2.
    assert_second_page(admin, "/admin/users", language, "zz050")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_audit_second_page(
    language: str, login_as: Callable[..., LoggedIn], session: Session
) -> None:
    admin = login_as(Role.ADMIN)
    for _number in range(101):
        record(session, people_actions.PERSON_UPDATED, by=None, object_type="person", on=1)
    session.commit()
    assert_second_page(admin, "/admin/audit", language, "<table")


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_handover_second_page(
    language: str, login_as: Callable[..., LoggedIn], session: Session
) -> None:
    staff = login_as(Role.RECEPTION)
    site = factories.site(session)
    settings = ReceptionSettings(
        shift_starts=parse_shift_starts("07:00,15:00,23:00"), syringes_per_litre=80
    )
    for number in range(31):
        handover.write_handover(
            session,
            settings,
            actor_id=staff.user.id,
            site_id=site.id,
            body=f"note number {number:02d}",
        )
    session.commit()
    # Newest first: the oldest note is alone on page 2.
    assert_second_page(staff, "/reception/handover", language, "note number 00")
