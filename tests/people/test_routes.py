"""Person pages: creation, search, reveal, consent, erasure, and nothing in clear at rest."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role
from centre.people.models import Identity, Person
from tests.conftest import Browser, LoggedIn, reread

# Distinctive values: none may appear in clear anywhere in the database.
IDENTITY = {
    "first_name": "Zébulonne",
    "last_name": "Quintavalle-Oosterhof",
    "birth_date": "1985-07-30",
    "niss": "85.07.30-033.28",
    "phone": "+32 499 87 65 43",
    "address": "Boulevard Anspach 999, 1000 Bruxelles",
    "nationality": "Luxembourgeoise",
    "residence_status": "eu_citizen",
    "health_insurance": "mutuality",
}
CLEAR_VALUES = [
    "Zébulonne",
    "Zebulonne",
    "Quintavalle",
    "Oosterhof",
    "85073003328",
    "85.07.30-033.28",
    "499 87 65 43",
    "Anspach",
    "Luxembourgeoise",
    "1985-07-30",
]


def create_with_identity(staff: Browser, **overrides: str) -> str:
    staff.get("/people/new")
    form = {
        "gender": "woman",
        "birth_year": "1985",
        "record_identity": "y",
        "consent_method": "written",
        **IDENTITY,
        **overrides,
    }
    response = staff.post("/people/new", form)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response.headers["Location"].rsplit("/", 1)[-1]


@pytest.fixture
def reception(login_as: Callable[..., LoggedIn]) -> LoggedIn:
    return login_as(Role.RECEPTION)


def test_create_person_with_code_only(reception: LoggedIn, session: Session) -> None:
    reception.get("/people/new")
    response = reception.post("/people/new", {"gender": "not_stated"})
    assert response.status_code == 302
    code = response.headers["Location"].rsplit("/", 1)[-1]
    page = reception.get(f"/people/{code}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert code in html and "No identity consent" in html
    assert session.scalar(select(Person).where(Person.code == code)) is not None


def test_identity_without_consent_is_refused_and_nothing_is_lost(
    reception: LoggedIn, session: Session
) -> None:
    reception.get("/people/new")
    response = reception.post(
        "/people/new",
        {"gender": "man", "last_name": "Keepme", "phone": "0470"},
        headers={"Accept-Language": "en"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Identity can be kept only if the person agrees" in html
    assert 'value="Keepme"' in html and 'value="0470"' in html
    assert session.scalars(select(Person)).all() == []


def test_bad_niss_is_explained_next_to_the_field(reception: LoggedIn) -> None:
    reception.get("/people/new")
    response = reception.post(
        "/people/new",
        {
            "gender": "woman",
            "record_identity": "y",
            "consent_method": "oral",
            "last_name": "Keep",
            "niss": "85.07.30-033.29",
        },
        headers={"Accept-Language": "en"},
    )
    html = response.get_data(as_text=True)
    assert "check digits do not match" in html
    assert 'id="niss-error"' in html and 'value="85.07.30-033.29"' in html


def test_identity_is_hidden_until_revealed_and_the_reveal_is_audited(
    reception: LoggedIn, session: Session
) -> None:
    code = create_with_identity(reception)
    html = reception.get(f"/people/{code}").get_data(as_text=True)
    assert ("Quintavalle" not in html and "Reveal" in html) or "Afficher" in html
    revealed = reception.post(f"/people/{code}/reveal").get_data(as_text=True)
    assert "Quintavalle-Oosterhof" in revealed and "85.07.30-033.28" in revealed
    person = session.scalar(select(Person).where(Person.code == code))
    assert person is not None
    reveals = session.scalars(
        select(AuditEvent).where(
            AuditEvent.action == "identity.revealed", AuditEvent.person_id == person.id
        )
    ).all()
    assert len(reveals) == 1 and reveals[0].actor_id == reception.user.id


def test_find_by_code_by_niss_and_by_name(reception: LoggedIn) -> None:
    code = create_with_identity(reception)
    response = reception.get(f"/people/find?code={code.lower()}")
    assert response.status_code == 302 and response.headers["Location"].endswith(code)
    reception.get("/people")
    html = reception.post("/people/find-identity", {"niss": "85073003328"}).get_data(as_text=True)
    assert code in html
    html = reception.post(
        "/people/find-identity", {"last_name": "quintavalle oosterhof", "birth_date": "1985-07-30"}
    ).get_data(as_text=True)
    assert code in html


def test_mistyped_and_unknown_codes_get_clear_messages(
    reception: LoggedIn, session: Session
) -> None:
    code = create_with_identity(reception)
    last = "0" if code[-1] != "0" else "1"
    html = reception.get(
        f"/people/find?code={code[:-1]}{last}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "This code is mistyped" in html
    html = reception.get("/people/find?code=ABC", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "A code has 8 characters" in html
    assert reception.get("/people/0000-0000").status_code == 404


def test_duplicate_identity_is_flagged(reception: LoggedIn) -> None:
    first = create_with_identity(reception)
    reception.get("/people/new")
    response = reception.post(
        "/people/new",
        {
            "gender": "woman",
            "record_identity": "y",
            "consent_method": "oral",
            "niss": "85073003328",
        },
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert (
        f"Possible duplicate: the same identity is already recorded for {first}"
        in response.get_data(as_text=True)
    )


def test_withdrawal_needs_confirmation_then_erases(reception: LoggedIn, session: Session) -> None:
    code = create_with_identity(reception)
    reception.get(f"/people/{code}/consent/withdraw")
    response = reception.post(
        f"/people/{code}/consent/withdraw", {}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200 and "Tick the box to confirm" in response.get_data(
        as_text=True
    )
    person = session.scalar(select(Person).where(Person.code == code))
    assert person is not None and session.get(Identity, person.id) is not None
    response = reception.post(f"/people/{code}/consent/withdraw", {"confirm": "y"})
    assert response.status_code == 302
    reread(session)
    assert session.get(Identity, person.id) is None


def test_erasure_needs_a_reason_and_confirmation(reception: LoggedIn, session: Session) -> None:
    code = create_with_identity(reception)
    reception.get(f"/people/{code}/erase")
    assert reception.post(f"/people/{code}/erase", {"confirm": "y"}).status_code == 200
    assert reception.post(f"/people/{code}/erase", {"reason": "request"}).status_code == 200
    response = reception.post(f"/people/{code}/erase", {"reason": "request", "confirm": "y"})
    assert response.status_code == 302
    person = session.scalar(select(Person).where(Person.code == code))
    assert person is not None and person.identity_erased_at is not None
    assert session.get(Identity, person.id) is None


def raw_database_text(app: Flask, session: Session) -> bytes:
    """Every byte the database holds: the SQLite files, or every PostgreSQL row as text."""
    url = make_url(app.config["DATABASE_URL"])
    if url.get_backend_name() == "sqlite":
        path = Path(url.database or "")
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    tables = inspect(session.get_bind()).get_table_names()
    rows = [
        session.execute(text(f'SELECT t::text FROM "{table}" t')).scalars().all()  # noqa: S608
        for table in tables
    ]
    return "\n".join(value for chunk in rows for value in chunk).encode()


def test_no_identity_value_is_stored_in_clear(
    reception: LoggedIn, app: Flask, session: Session
) -> None:
    code = create_with_identity(reception)
    reception.post(f"/people/{code}/reveal")  # a read leaves nothing in clear either
    reception.get("/people")
    reception.post("/people/find-identity", {"niss": "85073003328"})
    raw = raw_database_text(app, session)
    assert code.encode() in raw, "the scan must see the data it is looking through"
    for value in CLEAR_VALUES:
        assert value.encode() not in raw, f"{value!r} found in clear in the database"
        assert value.lower().encode() not in raw
    # Nor in the audit log's columns, which hold ids only.
    events = session.scalars(select(AuditEvent)).all()
    assert events and not any(
        re.search(r"Quintavalle|85073003328", f"{e.object_type}{e.object_id}") for e in events
    )


def reveals_of(session: Session, code: str) -> int:
    reread(session)
    person = session.scalar(select(Person).where(Person.code == code))
    assert person is not None
    return len(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "identity.revealed", AuditEvent.person_id == person.id
            )
        ).all()
    )


def test_a_plain_get_never_decrypts_identity(reception: LoggedIn, session: Session) -> None:
    """A link (even from another site) must not make a colleague's browser read identity."""
    code = create_with_identity(reception)
    html = reception.get(f"/people/{code}/identity", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert not any(value in html for value in CLEAR_VALUES)
    assert "Show the identity to correct it" in html
    assert reveals_of(session, code) == 0
    # The explicit POST shows the form filled in, and is audited as a reveal.
    html = reception.post(f"/people/{code}/identity/open").get_data(as_text=True)
    assert 'value="Quintavalle-Oosterhof"' in html and 'value="1985-07-30"' in html
    assert reveals_of(session, code) == 1
    # A cross-site POST has no CSRF token: refused, nothing decrypted.
    forged = reception.client.post(f"/people/{code}/identity/open")
    assert forged.status_code == 400
    assert reveals_of(session, code) == 1


def test_the_correction_form_saves_what_was_changed(reception: LoggedIn, session: Session) -> None:
    code = create_with_identity(reception)
    reception.post(f"/people/{code}/identity/open")
    response = reception.post(f"/people/{code}/identity", {**IDENTITY, "phone": "+32 470 00 00 01"})
    assert response.status_code == 302
    html = reception.post(f"/people/{code}/reveal").get_data(as_text=True)
    assert "+32 470 00 00 01" in html and "Quintavalle-Oosterhof" in html


@pytest.mark.parametrize("when", ["2999-01-01", "1850-05-05"])
def test_an_impossible_birth_date_is_refused_and_kept(reception: LoggedIn, when: str) -> None:
    reception.get("/people/new")
    response = reception.post(
        "/people/new",
        {**IDENTITY, "birth_date": when, "record_identity": "y", "consent_method": "oral"},
        headers={"Accept-Language": "en"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "cannot be in the future" in html or "from 1900 on" in html
    assert f'value="{when}"' in html and 'value="Quintavalle-Oosterhof"' in html


def test_a_birth_date_that_contradicts_the_niss_is_flagged(reception: LoggedIn) -> None:
    reception.get("/people/new")
    response = reception.post(
        "/people/new",
        {
            **IDENTITY,
            "birth_date": "1985-07-31",
            "gender": "woman",
            "record_identity": "y",
            "consent_method": "oral",
        },
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    html = response.get_data(as_text=True)
    assert "differs from the one in the national register number" in html
    reception.get("/people/new")
    response = reception.post(
        "/people/new",
        {**IDENTITY, "gender": "woman", "record_identity": "y", "consent_method": "oral"},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "differs from the one" not in response.get_data(as_text=True)
