"""Accessibility: axe-core finds no violation on the main pages, for each kind of user."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.functional.conftest import ADMIN_PASSWORD, LiveServer
from tests.functional.navigators import Navigator

FRONT_LINE_PAGES = [
    "/",
    "/reception",
    "/reception/incidents/new?kind=overdose",
    "/reception/incidents",
    "/reception/handover",
    "/people",
    "/people/new",
    "/password",
]
ADMIN_PAGES = [
    "/admin/users",
    "/admin/users/new",
    "/admin/audit",
    "/catalogues",
    "/catalogues/supplies",
]
PASSWORD = "lantern orbit copper meadow"


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def violations(axe: Axe, page: Page) -> list[str]:
    results = axe.run(page)
    return [f"{v['id']} ({v['impact']}): {v['help']}" for v in results.response["violations"]]


def test_axe_catches_a_planted_violation(page: Page, axe: Axe) -> None:
    """The check itself works under the pages' strict Content-Security-Policy."""
    page.goto("/login")
    page.evaluate("document.querySelector('main').appendChild(document.createElement('img'))")
    assert any(v.startswith("image-alt") for v in violations(axe, page))


def test_login_and_front_line_pages_have_no_violation(
    page: Page, axe: Axe, live_server: LiveServer
) -> None:
    live_server.flask(
        "users", "create", "a11y.worker", "--role", "social_worker", stdin=PASSWORD + "\n"
    )
    page.goto("/login")
    assert violations(axe, page) == []
    Navigator(page).log_in("a11y.worker", PASSWORD)
    page.goto("/people/new")
    page.locator("main form button[type=submit]").click()
    person_page = page.url  # the new person's page, with its consent form
    for path in [*FRONT_LINE_PAGES, person_page]:
        page.goto(path)
        assert violations(axe, page) == [], path


def test_admin_pages_have_no_violation(page: Page, axe: Axe) -> None:
    Navigator(page).open_login_page()
    Navigator(page).log_in("admin", ADMIN_PASSWORD)
    for path in ADMIN_PAGES:
        page.goto(path)
        assert violations(axe, page) == [], path
