"""Login, throttling, passwords and user administration through the web pages."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role, User
from centre.auth.services import MAX_FAILURES_PER_ACCOUNT
from tests.conftest import Browser, LoggedIn, reread
from tests.factories import PASSWORD


def test_login_with_wrong_password_says_so_and_keeps_username(
    browser: Browser, make_user: Callable[..., User], session: Session
) -> None:
    user = make_user(Role.RECEPTION)
    session.commit()
    response = browser.post(
        "/login",
        {"username": user.username, "password": "wrong"},
        headers={"Accept-Language": "en"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Unknown username or wrong password." in html
    assert f'value="{user.username}"' in html


@pytest.mark.parametrize(
    ("target", "location"),
    [
        ("/%09/evil.example", "/"),
        ("/%0D/x", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("/people", "/people"),
    ],
)
def test_login_redirects_only_to_this_site(
    browser: Browser,
    make_user: Callable[..., User],
    session: Session,
    target: str,
    location: str,
) -> None:
    user = make_user(Role.RECEPTION)
    session.commit()
    browser.get(f"/login?next={target}")
    response = browser.post(
        f"/login?next={target}", {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.headers["Location"] == location


def test_login_is_throttled_per_account(
    browser: Browser, make_user: Callable[..., User], session: Session
) -> None:
    user = make_user(Role.RECEPTION)
    session.commit()
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        browser.post("/login", {"username": user.username, "password": "wrong"})
    response = browser.post(
        "/login",
        {"username": user.username, "password": PASSWORD},
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 429
    assert "Too many failed attempts" in response.get_data(as_text=True)
    reread(session)
    actions = session.scalars(select(AuditEvent.action)).all()
    assert actions.count("auth.login_failed") == MAX_FAILURES_PER_ACCOUNT
    assert "auth.login_throttled" in actions


def test_login_is_throttled_per_address(
    browser: Browser, make_user: Callable[..., User], session: Session
) -> None:
    from centre.auth.services import MAX_FAILURES_PER_ADDRESS

    user = make_user(Role.RECEPTION)
    session.commit()
    for number in range(MAX_FAILURES_PER_ADDRESS):
        browser.post("/login", {"username": f"nobody{number}", "password": "wrong"})
    response = browser.post("/login", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429


def test_post_without_csrf_token_is_refused(
    client: FlaskClient, make_user: Callable[..., User], session: Session
) -> None:
    user = make_user(Role.RECEPTION)
    session.commit()
    response = client.post(
        "/login",
        data={
            "username": user.username,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 400


def test_admin_creates_user_who_must_change_password(
    login_as: Callable[..., LoggedIn], app: Flask, session: Session
) -> None:
    admin = login_as(Role.ADMIN)
    admin.get("/admin/users/new")
    response = admin.post("/admin/users/new", {"username": "Night.Desk", "role": "reception"})
    assert response.status_code == 200
    one_time = re.search(
        r'data-testid="one-time-password"><code>([^<]+)<', response.get_data(as_text=True)
    )
    assert one_time
    newcomer = Browser(app.test_client())
    response = newcomer.login("night.desk", one_time.group(1))
    assert response.headers["Location"] == "/password"
    # Until the password is changed, every page leads back to the change form.
    assert newcomer.client.get("/").headers["Location"] == "/password"
    newcomer.get("/password")
    response = newcomer.post(
        "/password",
        {
            "current": one_time.group(1),
            "new": "violet harbour cinnamon sketch",
            "confirm": "violet harbour cinnamon sketch",
        },
    )
    assert response.status_code == 302
    assert newcomer.client.get("/").status_code == 200


def test_weak_and_short_passwords_are_refused(login_as: Callable[..., LoggedIn]) -> None:
    staff = login_as(Role.RECEPTION)
    staff.get("/password")
    for weak, message in (
        ("short", "at least 12"),
        ("password1234", "too easy to guess"),
        ("qwertyuiop123", "too easy to guess"),
        ("amber window falcon river " * 10 + "x" * 7, "at most 256"),
    ):
        response = staff.post(
            "/password",
            {"current": PASSWORD, "new": weak, "confirm": weak},
            headers={"Accept-Language": "en"},
        )
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert message in html
        assert ("at least 12" in html) == (message == "at least 12")


def test_duplicate_username_is_refused_with_message(login_as: Callable[..., LoggedIn]) -> None:
    admin = login_as(Role.ADMIN)
    admin.get("/admin/users/new")
    response = admin.post(
        "/admin/users/new",
        {
            "username": admin.user.username,
            "role": "manager",
        },
        headers={"Accept-Language": "en"},
    )
    assert "already taken" in response.get_data(as_text=True)


def test_admin_resets_password_and_cannot_disable_self(
    login_as: Callable[..., LoggedIn], make_user: Callable[..., User], session: Session
) -> None:
    admin = login_as(Role.ADMIN)
    other = make_user(Role.MANAGER)
    session.commit()
    admin.get(f"/admin/users/{other.id}")
    response = admin.post(f"/admin/users/{other.id}/reset-password")
    assert response.status_code == 200
    reread(session)
    assert session.get_one(User, other.id).must_change_password
    response = admin.post(f"/admin/users/{admin.user.id}/active", {"active": "0"})
    reread(session)
    assert session.get_one(User, admin.user.id).active


def test_role_change_applies(
    login_as: Callable[..., LoggedIn], make_user: Callable[..., User], session: Session
) -> None:
    admin = login_as(Role.ADMIN)
    other = make_user(Role.RECEPTION)
    session.commit()
    admin.get(f"/admin/users/{other.id}")
    admin.post(f"/admin/users/{other.id}/role", {"role": "social_worker"})
    reread(session)
    assert session.get_one(User, other.id).role is Role.SOCIAL_WORKER


def lock_out(browser: Browser, username: str) -> None:
    for _ in range(MAX_FAILURES_PER_ACCOUNT):
        browser.post("/login", {"username": username, "password": "wrong"})


def test_unknown_and_disabled_accounts_cost_an_argon2_verification(
    browser: Browser,
    make_user: Callable[..., User],
    session: Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same work for every failed login: timing must not tell which usernames exist."""
    from centre.auth import services

    disabled = make_user(Role.RECEPTION, active=False)
    session.commit()
    verified: list[str] = []
    real = services.password_matches

    def counting(policy: services.PasswordPolicy, password_hash: str, password: str) -> bool:
        verified.append(password_hash)
        return real(policy, password_hash, password)

    monkeypatch.setattr(services, "password_matches", counting)
    for username, password in (("nobody.here", PASSWORD), (disabled.username, PASSWORD)):
        verified.clear()
        response = browser.post("/login", {"username": username, "password": password})
        assert response.status_code == 200, "the login failed"
        assert len(verified) == 1 and verified[0].startswith("$argon2id$")


def test_password_reset_lifts_the_lock(
    browser: Browser,
    login_as: Callable[..., LoggedIn],
    make_user: Callable[..., User],
    session: Session,
) -> None:
    locked = make_user(Role.RECEPTION)
    session.commit()
    lock_out(browser, locked.username)
    admin = login_as(Role.ADMIN)
    html = admin.get(f"/admin/users/{locked.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "locked after too many failed logins" in html
    response = admin.post(f"/admin/users/{locked.id}/reset-password")
    one_time = re.search(r"<code[^>]*>([0-9a-f-]{27})</code>", response.get_data(as_text=True))
    assert one_time, "the one-time password is shown"
    response = Browser(browser.client.application.test_client()).login(
        locked.username, one_time.group(1)
    )
    assert response.status_code == 302 and response.headers["Location"] == "/password"
    reread(session)
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "user.password_reset" in actions


def test_admin_unlocks_a_locked_account_audited(
    browser: Browser,
    login_as: Callable[..., LoggedIn],
    make_user: Callable[..., User],
    session: Session,
) -> None:
    locked = make_user(Role.SOCIAL_WORKER)
    session.commit()
    lock_out(browser, locked.username)
    assert browser.login(locked.username).status_code == 429
    admin = login_as(Role.ADMIN)
    admin.get(f"/admin/users/{locked.id}")
    response = admin.post(f"/admin/users/{locked.id}/unlock", follow_redirects=True)
    assert "Unlock account" not in response.get_data(as_text=True)
    assert browser.login(locked.username).status_code == 302
    reread(session)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.unlocked")).one()
    assert event.actor_id == admin.user.id and event.object_id == str(locked.id)
