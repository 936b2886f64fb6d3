"""Notes pages: write, list (no body), read on an explicit audited POST, correct, addenda,
bad input told beside its field with nothing lost, erasure said plainly, roles, once-only
saving, pages past the first; and a canary body found nowhere in clear (database files,
pg_dump, the log, the audit table)."""

from __future__ import annotations

import logging
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from centre import create_app
from centre.audit.models import AuditEvent
from centre.auth.models import Role
from centre.cases.models import Note, NoteKind
from centre.cases.services import notes as services
from centre.db import utcnow
from centre.i18n import BRUSSELS
from centre.people import services as people
from centre.people.models import ErasureReason, Person
from tests import factories
from tests.conftest import (
    IN_CI,
    POSTGRES_URL,
    Browser,
    LoggedIn,
    dispose,
    drop_database,
    make_test_config,
    postgres_schema_url,
    reread,
    upgrade_to_head,
)
from tests.disk import on_disk

EN = {"Accept-Language": "en"}
BODY = "Came for the shower; asked for a GP. We agreed to call the medical house on Monday."
TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')


@pytest.fixture
def worker(login_as: Callable[..., LoggedIn]) -> LoggedIn:
    return login_as(Role.SOCIAL_WORKER)


@pytest.fixture
def code(session: Session, worker: LoggedIn) -> str:
    person = factories.person(session, actor_id=worker.user.id)
    session.commit()
    return person.code


def today() -> str:
    return utcnow().astimezone(BRUSSELS).date().isoformat()


def note_form(**overrides: str) -> dict[str, str]:
    return {"kind": "social_interview", "written_on": today(), "body": BODY, **overrides}


def write(staff: Browser, code: str, **overrides: str) -> int:
    """Write a note through its page; the new note's id."""
    page = staff.get(f"/cases/people/{code}/notes/new").get_data(as_text=True)
    token = TOKEN.search(page)
    assert token, "the note form has no one-time token"
    response = staff.post(
        f"/cases/people/{code}/notes/new", {**note_form(**overrides), "form_token": token[1]}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert response.headers["Location"].endswith(f"/cases/people/{code}#notes")
    return newest_note_id(staff)


def newest_note_id(staff: Browser) -> int:
    session = staff.client.application.extensions["centre.db"].new_session()
    with session:
        found = session.scalar(select(func.max(Note.id)))
    assert found is not None
    return int(found)


def reads_of(session: Session, note_id: int) -> int:
    reread(session)
    return len(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "note.read", AuditEvent.object_id == str(note_id)
            )
        ).all()
    )


def html_of(response: Any) -> str:
    return str(response.get_data(as_text=True))


# --- writing, listing, reading ----------------------------------------------------------------


def test_the_write_page_offers_types_todays_date_and_the_facts_only_help(
    worker: LoggedIn, code: str
) -> None:
    html = html_of(worker.get(f"/cases/people/{code}/notes/new", headers=EN))
    assert "Meeting with a partner" in html and "Home visit" in html
    assert f'value="{today()}"' in html
    assert "Write facts" in html and "Never the names of other people" in html
    assert "maxlength" not in html, "a browser limit would silently cut a pasted text"


def test_a_written_note_is_listed_by_type_date_and_author_never_its_body(
    worker: LoggedIn, code: str, session: Session
) -> None:
    note_id = write(worker, code, kind="phone_call")
    for url in (
        f"/cases/people/{code}",
        f"/cases/people/{code}/notes",
        f"/cases/people/{code}/notes/{note_id}",
    ):
        response = worker.get(url, headers=EN)
        html = html_of(response)
        assert response.status_code == 200, url
        assert "Phone call" in html and worker.user.username in html, url
        assert "medical house" not in html, f"{url} shows a body on a GET"
    assert reads_of(session, note_id) == 0, "no GET decrypts a note"


def test_reading_is_an_explicit_post_and_each_read_is_audited(
    worker: LoggedIn, code: str, session: Session
) -> None:
    note_id = write(worker, code)
    html = html_of(worker.post(f"/cases/people/{code}/notes/{note_id}/read", headers=EN))
    assert "We agreed to call the medical house on Monday." in html
    assert "recorded in the audit log" in html
    assert reads_of(session, note_id) == 1
    worker.post(f"/cases/people/{code}/notes/{note_id}/read")
    assert reads_of(session, note_id) == 2
    # A cross-site POST has no CSRF token: refused, nothing decrypted.
    forged = worker.client.post(f"/cases/people/{code}/notes/{note_id}/read")
    assert forged.status_code == 400
    assert reads_of(session, note_id) == 2
    # A GET on the read address reads nothing.
    assert worker.get(f"/cases/people/{code}/notes/{note_id}/read").status_code == 405
    assert reads_of(session, note_id) == 2
    (event, *_) = session.scalars(select(AuditEvent).where(AuditEvent.action == "note.read"))
    assert (event.object_type, event.actor_id) == ("note", worker.user.id)


def test_line_breaks_are_kept_and_markup_is_not_run(worker: LoggedIn, code: str) -> None:
    note_id = write(worker, code, body="First line\r\nsecond line\r\n\r\n<b>bold?</b>")
    html = html_of(worker.post(f"/cases/people/{code}/notes/{note_id}/read"))
    assert "First line<br>second line" in html
    assert "&lt;b&gt;bold?&lt;/b&gt;" in html and "<b>bold?</b>" not in html


def test_a_note_under_another_persons_code_is_not_found(
    worker: LoggedIn, code: str, session: Session
) -> None:
    note_id = write(worker, code)
    other = factories.person(session, actor_id=worker.user.id)
    session.commit()
    assert worker.get(f"/cases/people/{other.code}/notes/{note_id}").status_code == 404
    read = worker.post(f"/cases/people/{other.code}/notes/{note_id}/read")
    assert read.status_code == 404
    assert reads_of(session, note_id) == 0
    assert worker.get(f"/cases/people/{code}/notes/999999").status_code == 404


# --- bad input: told beside the field, nothing lost --------------------------------------------


def error_of(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert found, f"no message beside {field}"
    return found[1]


def test_a_note_over_the_limit_is_refused_beside_the_body_and_kept(
    worker: LoggedIn, code: str, session: Session
) -> None:
    long_body = "Long interview. " + "x" * 5000
    worker.get(f"/cases/people/{code}/notes/new")
    response = worker.post(f"/cases/people/{code}/notes/new", note_form(body=long_body), headers=EN)
    html = html_of(response)
    assert response.status_code == 422
    assert "at most 5000 characters; this one has 5016" in error_of(html, "body")
    assert long_body in html, "the typed text is kept"
    reread(session)
    assert session.scalar(select(func.count()).select_from(Note)) == 0


@pytest.mark.parametrize(
    ("when", "words"),
    [("2999-01-01", "not a date in the future"), ("1985-07-30", "from 2000 on")],
)
def test_an_impossible_date_is_refused_beside_it_and_everything_is_kept(
    worker: LoggedIn, code: str, when: str, words: str
) -> None:
    worker.get(f"/cases/people/{code}/notes/new")
    response = worker.post(
        f"/cases/people/{code}/notes/new", note_form(written_on=when), headers=EN
    )
    html = html_of(response)
    assert response.status_code == 422
    assert words in error_of(html, "written_on")
    assert f'value="{when}"' in html and BODY in html


def test_a_missing_type_and_body_are_each_told(worker: LoggedIn, code: str) -> None:
    worker.get(f"/cases/people/{code}/notes/new")
    response = worker.post(
        f"/cases/people/{code}/notes/new", note_form(kind="", body=""), headers=EN
    )
    html = html_of(response)
    assert response.status_code == 422
    assert "required" in error_of(html, "kind") and "required" in error_of(html, "body")


# --- correction and addenda -------------------------------------------------------------------


def correct(staff: Browser, code: str, note_id: int, **overrides: str) -> Any:
    return staff.post(
        f"/cases/people/{code}/notes/{note_id}/correct",
        note_form(**overrides),
        headers=EN,
    )


def test_the_author_corrects_a_note_from_its_read_page(
    worker: LoggedIn, code: str, session: Session
) -> None:
    note_id = write(worker, code)
    html = html_of(worker.post(f"/cases/people/{code}/notes/{note_id}/read", headers=EN))
    assert "Correct this note" in html and f">{BODY}</textarea>" in html.replace("\r\n", "")
    response = correct(worker, code, note_id, kind="home_visit", body="Home visit, in fact.")
    assert response.status_code == 302
    html = html_of(worker.post(f"/cases/people/{code}/notes/{note_id}/read", headers=EN))
    assert "Home visit, in fact." in html and "medical house" not in html
    assert "Corrected" in html_of(worker.get(f"/cases/people/{code}/notes", headers=EN))
    reread(session)
    assert session.scalar(select(func.count()).where(AuditEvent.action == "note.corrected")) == 1


def test_a_bad_correction_is_told_and_kept_without_decrypting_again(
    worker: LoggedIn, code: str, session: Session
) -> None:
    note_id = write(worker, code)
    response = correct(worker, code, note_id, body="y" * 5001)
    html = html_of(response)
    assert response.status_code == 422
    assert "at most 5000 characters" in error_of(html, "body") and "y" * 5001 in html
    assert reads_of(session, note_id) == 0


def age(session: Session, note_id: int, hours: int) -> None:
    """Make a note as old as `hours`: its correction window is counted from created_at."""
    session.execute(
        update(Note).where(Note.id == note_id).values(created_at=utcnow() - timedelta(hours=hours))
    )
    session.commit()


def test_after_24_hours_the_correction_becomes_an_addendum_with_nothing_lost(
    worker: LoggedIn, code: str, session: Session
) -> None:
    note_id = write(worker, code)
    age(session, note_id, 25)
    read = html_of(worker.post(f"/cases/people/{code}/notes/{note_id}/read", headers=EN))
    assert "Correct this note" not in read and "Add an addendum" in read
    response = correct(worker, code, note_id, body="The appointment is on Tuesday, not Monday.")
    html = html_of(response)
    assert response.status_code == 422
    assert "more than 24 hours ago" in error_of(html, "body")
    assert "The appointment is on Tuesday, not Monday." in html, "the typed text is kept"
    assert f"/cases/people/{code}/notes/{note_id}/addendum" in html
    # Saved from there as an addendum, the note itself unchanged.
    token = TOKEN.search(html)
    assert token
    saved = worker.post(
        f"/cases/people/{code}/notes/{note_id}/addendum",
        {"body": "The appointment is on Tuesday, not Monday.", "form_token": token[1]},
    )
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(f"/cases/people/{code}/notes/{note_id}")
    page = html_of(worker.get(f"/cases/people/{code}/notes/{note_id}", headers=EN))
    assert "Addenda" in page and "No addenda" not in page
    assert "1 addendum" in html_of(worker.get(f"/cases/people/{code}", headers=EN))
    original = html_of(worker.post(f"/cases/people/{code}/notes/{note_id}/read"))
    assert "medical house on Monday" in original


def test_another_worker_cannot_correct_and_is_offered_an_addendum(
    worker: LoggedIn, login_as: Callable[..., LoggedIn], code: str
) -> None:
    note_id = write(worker, code)
    colleague = login_as(Role.SOCIAL_WORKER)
    read = html_of(colleague.post(f"/cases/people/{code}/notes/{note_id}/read", headers=EN))
    assert BODY in read and "Correct this note" not in read
    response = correct(colleague, code, note_id, body="My version.")
    html = html_of(response)
    assert response.status_code == 422
    assert "Only the worker who wrote this note" in error_of(html, "body")
    assert "My version." in html
    untouched = html_of(worker.post(f"/cases/people/{code}/notes/{note_id}/read"))
    assert BODY in untouched


def test_the_addendum_page_writes_without_reading_the_note(
    worker: LoggedIn, code: str, session: Session
) -> None:
    note_id = write(worker, code)
    page = html_of(worker.get(f"/cases/people/{code}/notes/{note_id}/addendum", headers=EN))
    assert "Social interview" in page and BODY not in page
    token = TOKEN.search(page)
    assert token
    empty = worker.post(
        f"/cases/people/{code}/notes/{note_id}/addendum", {"body": "", "form_token": token[1]}
    )
    assert empty.status_code == 422
    assert reads_of(session, note_id) == 0


# --- erasure ----------------------------------------------------------------------------------


def test_after_erasure_every_note_says_plainly_it_was_erased(
    worker: LoggedIn, code: str, app: Flask, session: Session
) -> None:
    first = write(worker, code)
    second = write(worker, code, kind="phone_call", body="Another one.")
    person = session.scalar(select(Person).where(Person.code == code))
    assert person is not None
    people.erase_identity(
        session,
        app.extensions["centre.privacy"],
        actor_id=worker.user.id,
        person=person,
        reason=ErasureReason.REQUEST,
    )
    session.commit()
    listing = html_of(worker.get(f"/cases/people/{code}", headers=EN))
    assert listing.count("Erased with the identity") == 2
    assert "/read" not in listing, "nothing left to read"
    for note_id in (first, second):
        html = html_of(worker.post(f"/cases/people/{code}/notes/{note_id}/read", headers=EN))
        assert "This note was erased with the person's identity" in html
        assert reads_of(session, note_id) == 0
        page = html_of(worker.get(f"/cases/people/{code}/notes/{note_id}", headers=EN))
        assert "This note was erased with the person's identity" in page
        assert "Read the note" not in page
    # New notes are written and read as before, under a new key.
    third = write(worker, code, body="After the erasure.")
    assert "After the erasure." in html_of(worker.post(f"/cases/people/{code}/notes/{third}/read"))


# --- roles, once, pages -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MANAGER, Role.ADMIN])
def test_only_social_workers_reach_notes(
    role: Role, worker: LoggedIn, code: str, login_as: Callable[..., LoggedIn], session: Session
) -> None:
    note_id = write(worker, code)
    other = login_as(role)
    base = f"/cases/people/{code}/notes"
    for url in (base, f"{base}/new", f"{base}/{note_id}", f"{base}/{note_id}/addendum"):
        assert other.get(url).status_code == 403, url
    for url in (
        f"{base}/new",
        f"{base}/{note_id}/read",
        f"{base}/{note_id}/correct",
        f"{base}/{note_id}/addendum",
    ):
        response = other.post(url, {**note_form(body="intrusion")})
        assert response.status_code == 403, url
        assert "medical house" not in html_of(response)
    assert reads_of(session, note_id) == 0
    reread(session)
    assert session.scalar(select(func.count()).select_from(Note)) == 1


def test_the_same_form_posted_twice_makes_one_note(
    worker: LoggedIn, code: str, session: Session
) -> None:
    page = html_of(worker.get(f"/cases/people/{code}/notes/new"))
    token = TOKEN.search(page)
    assert token
    form = {**note_form(), "form_token": token[1]}
    first = worker.post(f"/cases/people/{code}/notes/new", form)
    second = worker.post(f"/cases/people/{code}/notes/new", form, headers=EN)
    assert first.status_code == 302 and second.status_code == 302
    assert "already saved" in html_of(worker.get(second.headers["Location"], headers=EN))
    reread(session)
    assert session.scalar(select(func.count()).select_from(Note)) == 1


def test_an_addendum_posted_twice_is_saved_once(
    worker: LoggedIn, code: str, session: Session
) -> None:
    note_id = write(worker, code)
    page = html_of(worker.get(f"/cases/people/{code}/notes/{note_id}/addendum"))
    token = TOKEN.search(page)
    assert token
    form = {"body": "Addendum.", "form_token": token[1]}
    for _ in range(2):
        assert (
            worker.post(f"/cases/people/{code}/notes/{note_id}/addendum", form).status_code == 302
        )
    reread(session)
    assert session.scalar(select(func.count()).where(Note.addendum_to_id == note_id)) == 1


def test_the_list_past_its_first_page(worker: LoggedIn, code: str, session: Session) -> None:
    person = session.scalar(select(Person).where(Person.code == code))
    assert person is not None
    # 23 notes a day apart, the newest today (written straight: the form is tested above).
    app = worker.client.application
    for n in range(23):
        services.write_note(
            session,
            app.extensions["centre.privacy"],
            actor_id=worker.user.id,
            person=person,
            data=services.NoteInput(
                kind=NoteKind.OTHER,
                written_on=utcnow().astimezone(BRUSSELS).date() - timedelta(days=n),
                body=f"note {n}",
            ),
        )
    session.commit()
    rows = re.compile(rf"/cases/people/{code}/notes/(\d+)/read")
    file_page = html_of(worker.get(f"/cases/people/{code}", headers=EN))
    assert len(rows.findall(file_page)) == 5 and "All 23 notes" in file_page
    first = html_of(worker.get(f"/cases/people/{code}/notes", headers=EN))
    second = html_of(worker.get(f"/cases/people/{code}/notes?page=2", headers=EN))
    assert len(rows.findall(first)) == 20 and "Page 1 of 2" in first and 'rel="next"' in first
    assert len(rows.findall(second)) == 3 and "Page 2 of 2" in second
    seen = [int(n) for n in rows.findall(first) + rows.findall(second)]
    # Written today first, then each a day earlier: newest first is the order of writing.
    assert len(set(seen)) == 23 and seen == sorted(seen), "newest first"


# --- the canary: a body found nowhere in clear ------------------------------------------------

CANARY = "Canary-Q7ZX Mme Wauthier-Oyelaran a dit"
CANARIES = [CANARY, "Q7ZX", "Wauthier", "Oyelaran"]


def canary_journey(application: Flask) -> str:
    """Through the pages: write, read, correct and add to a canary note; refuse one too long.

    Returns the person's code, which the scans must find (proof they see the data).
    """
    with application.extensions["centre.db"].new_session() as session:
        user = factories.user(session, application, role=Role.SOCIAL_WORKER)
        person = factories.person(session, actor_id=user.id)
        session.commit()
        username, code = user.username, person.code
    staff = Browser(application.test_client())
    assert staff.login(username).status_code == 302
    note_id = write(staff, code, body=f"{CANARY} (first)")
    assert CANARY in html_of(staff.post(f"/cases/people/{code}/notes/{note_id}/read"))
    assert correct(staff, code, note_id, body=f"{CANARY} (corrected)").status_code == 302
    page = html_of(staff.get(f"/cases/people/{code}/notes/{note_id}/addendum"))
    token = TOKEN.search(page)
    assert token
    addendum = staff.post(
        f"/cases/people/{code}/notes/{note_id}/addendum",
        {"body": f"{CANARY} (addendum)", "form_token": token[1]},
    )
    assert addendum.status_code == 302
    refused = staff.post(f"/cases/people/{code}/notes/new", note_form(body=CANARY * 200))
    assert refused.status_code == 422
    staff.get(f"/cases/people/{code}")
    staff.get(f"/cases/people/{code}/notes")
    return code


def assert_no_canary(haystack: bytes, where: str) -> None:
    for value in CANARIES:
        for encoded in (value.encode(), value.lower().encode(), value.encode().hex().encode()):
            assert encoded not in haystack, f"{value!r} found in clear in {where}"


def audit_text(application: Flask) -> bytes:
    with application.extensions["centre.db"].engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM audit_events")).all()
    assert rows, "the journey is audited"
    return "\n".join(repr(tuple(row)) for row in rows).encode()


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    # Everything, SQL statements and their parameters included: a body in clear in a bound
    # parameter would be there. Asked for after the app: create_app sets "centre" to INFO.
    caplog.set_level(logging.DEBUG)
    for name in ("sqlalchemy.engine", "centre", "werkzeug", "flask"):
        caplog.set_level(logging.DEBUG, logger=name)
    yield caplog


def test_a_canary_body_is_nowhere_in_clear_on_sqlite(
    disk_app: Flask, database_file: Path, all_logs: pytest.LogCaptureFixture
) -> None:
    code = canary_journey(disk_app)
    stored = on_disk(database_file)  # the file and its write-ahead log
    assert code.encode() in stored, "the scan must see the data it is looking through"
    assert Path(f"{database_file}-wal").exists()
    assert_no_canary(stored, "the SQLite file or its -wal")
    assert_no_canary(audit_text(disk_app), "the audit table")
    assert "INSERT INTO notes" in all_logs.text, "the log, SQL included, was captured"
    assert_no_canary(all_logs.text.encode(), "the log")


@pytest.fixture
def postgres_app(tmp_path: Path) -> Iterator[tuple[Flask, str]]:
    """An app on a PostgreSQL schema of its own, so its dump holds only this test's rows."""
    if not POSTGRES_URL:
        if IN_CI:
            pytest.fail("CI must run the pg_dump check: set TEST_DATABASE_URL")
        pytest.skip("TEST_DATABASE_URL is not set: no PostgreSQL to dump")
    schema = f"t_canary_{os.getpid()}"
    url = postgres_schema_url(POSTGRES_URL, schema)
    application = create_app(make_test_config(url))
    upgrade_to_head(application)
    application.extensions["centre.privacy"].keystore.ensure_schema()
    yield application, schema
    dispose(application)
    drop_database(url)


def pg_dump(schema: str) -> bytes:
    binary = shutil.which("pg_dump") or "/usr/bin/pg_dump"
    target = make_url(POSTGRES_URL).set(drivername="postgresql")
    result = subprocess.run(
        [binary, "--no-owner", "-n", schema, target.render_as_string(hide_password=False)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    return result.stdout


def test_a_canary_body_is_nowhere_in_clear_on_postgresql(
    postgres_app: tuple[Flask, str], all_logs: pytest.LogCaptureFixture
) -> None:
    application, schema = postgres_app
    code = canary_journey(application)
    dump = pg_dump(schema)
    assert code.encode() in dump, "the dump must hold the data it is searched for"
    assert b"COPY" in dump and b"notes" in dump
    assert_no_canary(dump, "pg_dump")
    assert_no_canary(audit_text(application), "the audit table")
    assert_no_canary(all_logs.text.encode(), "the log")
