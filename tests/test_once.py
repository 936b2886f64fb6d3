"""Every create form, posted twice, creates one record; a refused form keeps its token."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre import once
from centre.auth.models import Role, User
from centre.catalogues.models import Service
from centre.db import utcnow
from centre.people.models import Person
from centre.reception.models import HandoverEntry, Incident, Visit
from tests import factories
from tests.conftest import Browser, LoggedIn, reread

EN = {"Accept-Language": "en"}
TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


def token_on(staff: Browser, url: str) -> str:
    match = TOKEN.search(staff.get(url).get_data(as_text=True))
    assert match, f"{url} has no one-time token"
    return match.group(1)


def count(session: Session, model: type[Any]) -> int:
    reread(session)
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# Role, where the form posts, the page showing it, its fields, what it creates, and what the
# second post is told: a form whose fields must be unique (a username, a catalogue key) is
# refused for that before its token is checked, with nothing saved either way.
CREATE_FORMS: list[tuple[Role, str, str, dict[str, str], type[Any], str]] = [
    (
        Role.RECEPTION,
        "/reception/visits",
        "/reception",
        {"code": "", "age_band": "NK", "service-{service}": "y"},
        Visit,
        "already saved",
    ),
    (
        Role.RECEPTION,
        "/reception/handover",
        "/reception/handover",
        {"body": "Code K7MQ-3XZ9 asked for the nurse."},
        HandoverEntry,
        "already saved",
    ),
    (
        Role.RECEPTION,
        "/reception/incidents/new",
        "/reception/incidents/new",
        {"kind": "aggression", "outcome": "unknown", "naloxone_doses": "0"},
        Incident,
        "already saved",
    ),
    (Role.SOCIAL_WORKER, "/people/new", "/people/new", {"gender": "man"}, Person, "already saved"),
    (
        Role.ADMIN,
        "/admin/users/new",
        "/admin/users/new",
        {"username": "night.desk", "role": "reception"},
        User,
        "already taken",
    ),
    (
        Role.MANAGER,
        "/catalogues/services/new",
        "/catalogues/services/new",
        {"key": "haircut", "label_fr": "Coiffure", "label_nl": "Kapper", "label_en": "Haircut"},
        Service,
        "already used",
    ),
]


@pytest.mark.parametrize(
    ("role", "action", "page", "fields", "model", "told"),
    CREATE_FORMS,
    ids=[form[1] for form in CREATE_FORMS],
)
def test_a_create_form_posted_twice_creates_one_record(
    role: Role,
    action: str,
    page: str,
    fields: dict[str, str],
    model: type[Any],
    told: str,
    login_as: Callable[..., LoggedIn],
    session: Session,
) -> None:
    staff = login_as(role)
    factories.site(session)
    service = factories.service(session, key="reception_rest", shortcut="r")
    session.commit()
    data = {k.format(service=service.id): v for k, v in fields.items()}
    data["form_token"] = token_on(staff, page)
    before = count(session, model)
    first = staff.post(action, data)
    assert first.status_code in (200, 302), first.get_data(as_text=True)[:600]
    assert count(session, model) == before + 1
    second = staff.post(action, data, headers=EN, follow_redirects=True)
    assert second.status_code == 200
    assert told in second.get_data(as_text=True)
    assert count(session, model) == before + 1
    # A new form (a new token) saves again: only the same form is stopped.
    if model is HandoverEntry:
        data["form_token"] = token_on(staff, page)
        assert staff.post(action, data).status_code == 302
        assert count(session, model) == before + 2


def test_a_form_refused_for_a_mistake_keeps_its_token(
    login_as: Callable[..., LoggedIn], session: Session
) -> None:
    staff = login_as(Role.RECEPTION)
    factories.site(session)
    session.commit()
    token = token_on(staff, "/reception/handover")
    refused = staff.post("/reception/handover", {"body": "x" * 2001, "form_token": token})
    assert refused.status_code == 422
    assert f'value="{token}"' in refused.get_data(as_text=True)
    saved = staff.post("/reception/handover", {"body": "corrected", "form_token": token})
    assert saved.status_code == 302
    assert count(session, HandoverEntry) == 1


def test_old_tokens_are_purged(app: Any, session: Session) -> None:
    once.claim(session, "a" * 43, now=utcnow() - once.KEEP_FOR - timedelta(minutes=1))
    once.claim(session, "b" * 43)
    session.commit()
    assert once.purge(session) == 1
    session.commit()
    assert session.scalars(select(once.FormSubmission.token)).all() == ["b" * 43]
    with pytest.raises(once.AlreadySubmittedError):
        once.claim(session, "b" * 43)
    session.rollback()
