"""Home page, language selection, health check, error pages and security headers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from centre.auth.models import Role
from tests.conftest import Browser, LoggedIn


def test_home_redirects_anonymous_users_to_login(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_login_page_is_french_by_default(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="fr">' in html
    assert "Connexion" in html


def test_accept_language_dutch_gives_dutch_page(client: FlaskClient) -> None:
    html = client.get("/login", headers={"Accept-Language": "nl-BE,nl;q=0.9"}).get_data(
        as_text=True
    )
    assert '<html lang="nl">' in html
    assert "Inloggen" in html


def test_accept_language_english(client: FlaskClient) -> None:
    html = client.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Log in" in html


def test_language_switch_is_remembered_for_the_browser_session(browser: Browser) -> None:
    response = browser.post("/language", {"language": "nl", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    html = browser.get("/login", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert '<html lang="nl">' in html


@pytest.mark.parametrize("target", ["//evil.example/", "/\t/evil.example", "/\r/x", "/\\evil"])
def test_language_switch_refuses_offsite_redirect(browser: Browser, target: str) -> None:
    response = browser.post("/language", {"language": "en", "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_language_switch_is_remembered_per_user(
    login_as: Callable[..., LoggedIn], app: object
) -> None:
    first = login_as(Role.RECEPTION)
    first.get("/")
    first.post("/language", {"language": "en", "next": "/"})
    # The same user on another terminal (a new client) gets English without choosing it.
    other = Browser(first.client.application.test_client())
    other.login(first.user.username)
    html = other.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en">' in html


def test_healthz_checks_the_database(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}
    assert "Set-Cookie" not in response.headers


def test_not_found_page_is_friendly_and_leaks_nothing(client: FlaskClient) -> None:
    response = client.get("/no/such/page?code=SECRET-VALUE")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "SECRET-VALUE" not in html
    assert "Traceback" not in html
    assert 'href="/"' in html


def test_security_headers_on_pages_and_errors(client: FlaskClient) -> None:
    for path in ("/login", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        for directive in (
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "script-src 'self'",
        ):
            assert directive in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"


def test_pages_have_no_inline_script_or_style(client: FlaskClient) -> None:
    html = client.get("/login").get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html and "<style" not in html


def test_an_oversized_request_is_refused_unread(browser: Browser) -> None:
    marker = "unechoed-marker-"
    body = marker + "x" * (10 * 1024 * 1024)
    response = browser.post(
        "/login", {"username": "someone", "password": body}, headers={"Accept-Language": "en"}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "Too much data" in html and marker not in html and len(html) < 20_000


@pytest.mark.parametrize(
    ("language", "shown"),
    [("en", "29/11/2026, 15:05"), ("fr", "29/11/2026 15:05"), ("nl", "29/11/2026, 15:05")],
)
def test_dates_read_as_in_brussels_in_every_language(app: Flask, language: str, shown: str) -> None:
    from datetime import UTC, datetime

    from flask_babel import format_datetime

    from centre.i18n import language as page_language

    moment = datetime(2026, 11, 29, 14, 5, tzinfo=UTC)  # 15:05 in Brussels
    with app.test_request_context("/", headers={"Accept-Language": language}):
        assert format_datetime(moment, "short") == shown
        assert page_language() == language  # <html lang> and labels: the language alone
