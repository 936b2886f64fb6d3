"""Server-side sessions: new id at login, logout ends them, disabling a user ends them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.auth.models import Role, User, UserSession
from centre.auth.sessions import DatabaseSessionInterface
from tests.conftest import Browser, LoggedIn, reread
from tests.factories import PASSWORD

COOKIE = "centre_session"
VISITOR_COOKIE = "centre_session_visitor"


def cookie_value(browser: Browser) -> str | None:
    cookie = browser.client.get_cookie(COOKIE)
    return cookie.value if cookie else None


def test_session_id_changes_at_login(
    browser: Browser, make_user: Callable[..., User], session: Session
) -> None:
    user = make_user(Role.RECEPTION)
    session.commit()
    browser.get("/login")
    before = browser.client.get_cookie(VISITOR_COOKIE)
    assert before is not None and cookie_value(browser) is None
    response = browser.login(user.username)
    assert response.status_code == 302
    after = cookie_value(browser)
    assert after is not None and after != before.value
    assert browser.client.get_cookie(VISITOR_COOKIE) is None
    # The pre-login session grants nothing: replayed alone, it is a visitor's.
    browser.client.delete_cookie(COOKIE)
    browser.client.set_cookie(VISITOR_COOKIE, before.value)
    assert browser.client.get("/").status_code == 302


def test_anonymous_visitors_write_no_session_row(
    browser: Browser, make_user: Callable[..., User], session: Session
) -> None:
    """Only a login creates a server-side session: visitors cost the database nothing."""
    user = make_user(Role.RECEPTION)
    session.commit()
    for _ in range(200):
        assert browser.client.get("/login").status_code == 200
    browser.post("/language", {"language": "en", "next": "/login"})
    reread(session)
    assert session.scalar(select(func.count()).select_from(UserSession)) == 0
    # The visitor's CSRF token and language, kept in the signed cookie, work for the login.
    assert "Log in" in browser.get("/login").get_data(as_text=True)
    assert browser.login(user.username).status_code == 302
    reread(session)
    assert session.scalar(select(func.count()).select_from(UserSession)) == 1


def test_a_forged_visitor_cookie_is_ignored(
    browser: Browser, make_user: Callable[..., User], session: Session
) -> None:
    user = make_user(Role.ADMIN)
    session.commit()
    # Even correctly signed data cannot log anyone in from the visitor's cookie.
    app = browser.client.application
    interface = app.session_interface
    assert isinstance(interface, DatabaseSessionInterface)
    signed = interface.serializer(app).dumps({"_user_id": str(user.id)})
    browser.client.set_cookie(VISITOR_COOKIE, signed)
    assert browser.client.get("/admin/users").status_code == 302
    browser.client.set_cookie(VISITOR_COOKIE, "e30.tampered.signature")
    assert browser.client.get("/login").status_code == 200


def test_logout_message_survives_the_end_of_the_session(
    login_as: Callable[..., LoggedIn], session: Session
) -> None:
    staff = login_as(Role.RECEPTION)
    staff.get("/")
    response = staff.post("/logout", follow_redirects=True, headers={"Accept-Language": "en"})
    assert "You are logged out." in response.get_data(as_text=True)
    reread(session)
    assert session.scalar(select(func.count()).select_from(UserSession)) == 0


def test_cookie_replayed_after_logout_is_refused(login_as: Callable[..., LoggedIn]) -> None:
    staff = login_as(Role.ADMIN)
    assert staff.get("/admin/users").status_code == 200
    stolen = cookie_value(staff)
    assert stolen is not None
    staff.get("/")
    assert staff.post("/logout").status_code == 302
    staff.client.set_cookie(COOKIE, stolen)
    response = staff.client.get("/admin/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_disabled_user_session_stops_at_next_request(
    login_as: Callable[..., LoggedIn],
    app: Flask,
    session: Session,
) -> None:
    worker = login_as(Role.SOCIAL_WORKER)
    assert worker.get("/").status_code == 200
    admin = login_as(Role.ADMIN)
    admin.get(f"/admin/users/{worker.user.id}")
    response = admin.post(
        f"/admin/users/{worker.user.id}/active",
        {"active": "0"},
    )
    assert response.status_code == 302
    assert (
        session.scalar(
            select(func.count())
            .select_from(UserSession)
            .where(UserSession.user_id == worker.user.id)
        )
        == 0
    )
    response = worker.client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_idle_session_expires(
    login_as: Callable[..., LoggedIn], app: Flask, session: Session
) -> None:
    staff = login_as(Role.RECEPTION)
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    for row in session.scalars(select(UserSession)):
        row.last_seen_at -= idle + timedelta(minutes=1)
    session.commit()
    assert staff.client.get("/").status_code == 302


def test_absolute_session_limit(
    login_as: Callable[..., LoggedIn], app: Flask, session: Session
) -> None:
    staff = login_as(Role.RECEPTION)
    limit = app.config["SESSION_ABSOLUTE_TIMEOUT"]
    for row in session.scalars(select(UserSession)):
        row.created_at -= limit + timedelta(minutes=1)
    session.commit()
    assert staff.client.get("/").status_code == 302


def test_password_change_ends_other_sessions(login_as: Callable[..., LoggedIn], app: Flask) -> None:
    first = login_as(Role.SOCIAL_WORKER)
    second = Browser(app.test_client())
    assert second.login(first.user.username).status_code == 302
    first.get("/password")
    response = first.post(
        "/password",
        {
            "current": PASSWORD,
            "new": "plum kettle orbit lantern",
            "confirm": "plum kettle orbit lantern",
        },
    )
    assert response.status_code == 302
    assert first.client.get("/").status_code == 200
    assert second.client.get("/").status_code == 302


def test_session_cookie_flags(browser: Browser) -> None:
    response = browser.get("/login")
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header and "SameSite=Lax" in header


def test_lock_ends_session_and_shows_login(login_as: Callable[..., LoggedIn]) -> None:
    staff = login_as(Role.RECEPTION)
    staff.get("/")
    response = staff.post("/lock")
    assert response.status_code == 302 and "locked=1" in response.headers["Location"]
    assert staff.client.get("/").status_code == 302


def test_abandoned_expired_sessions_are_purged_at_the_next_login(
    login_as: Callable[..., LoggedIn], app: Flask, session: Session
) -> None:
    abandoned = login_as(Role.RECEPTION)
    idle = app.config["SESSION_IDLE_TIMEOUT"]
    for row in session.scalars(select(UserSession)):
        row.last_seen_at -= idle + timedelta(minutes=1)
    session.commit()
    abandoned_user = abandoned.user.id
    login_as(Role.SOCIAL_WORKER)  # someone else logs in later; the old row goes
    reread(session)
    owners = session.scalars(select(UserSession.user_id)).all()
    assert abandoned_user not in owners and len(owners) == 1
