"""The reception screen fits a common 1366x768 screen, and the header fits 1024 pixels.

A receptionist logs a visit without scrolling: code, services, material, returns and the
Save button are all in view when the screen opens.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.functional.conftest import ADMIN_PASSWORD, LiveServer
from tests.functional.navigators import Navigator

PASSWORD = "harbour violet candle sprint"
VISIT_FORM_PARTS = {
    "code": "#code",
    "services": ".visit-services",
    "material": ".visit-supplies",
    "returns": ".visit-returns",
    "save": ".save-visit",
}


@pytest.fixture
def french_page(
    playwright_browser: Browser, live_server: LiveServer, request: pytest.FixtureRequest
) -> Iterator[Page]:
    width, height = request.param
    context = playwright_browser.new_context(
        base_url=live_server.url,
        locale="fr-BE",
        timezone_id="Europe/Brussels",
        viewport={"width": width, "height": height},
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def log_in_at_reception(page: Page, live_server: LiveServer, username: str) -> None:
    live_server.flask("users", "create", username, "--role", "reception", stdin=PASSWORD)
    Navigator(page).open_login_page()
    Navigator(page).log_in(username, PASSWORD)


@pytest.mark.parametrize("french_page", [(1366, 768)], indirect=True)
def test_the_whole_visit_form_is_in_view_at_1366_by_768(
    french_page: Page, live_server: LiveServer
) -> None:
    # Given a receptionist at a 1366x768 screen, in French (the longest labels)
    log_in_at_reception(french_page, live_server, "layout.desk")
    # When the reception screen opens
    french_page.goto("/reception")
    # Then every part of the visit form is on screen, without scrolling
    assert french_page.evaluate("window.scrollY") == 0
    for part, selector in VISIT_FORM_PARTS.items():
        box = french_page.locator(selector).bounding_box()
        assert box is not None, part
        assert box["y"] >= 0 and box["y"] + box["height"] <= 768, f"{part} is below the fold"
        assert box["x"] >= 0 and box["x"] + box["width"] <= 1366, f"{part} is off to the side"


@pytest.mark.parametrize("french_page", [(1024, 768)], indirect=True)
def test_the_header_is_one_line_at_1024_pixels(french_page: Page, live_server: LiveServer) -> None:
    # For the administrator (the longest menu) and for reception, in French
    Navigator(french_page).open_login_page()
    Navigator(french_page).log_in("admin", ADMIN_PASSWORD)
    for path in ("/admin/users", "/admin/audit"):
        french_page.goto(path)
        header = french_page.locator(".site-header").bounding_box()
        assert header is not None and header["height"] <= 64, path
    french_page.locator("form[action='/logout'] button").click()
    log_in_at_reception(french_page, live_server, "narrow.desk")
    french_page.goto("/reception")
    header = french_page.locator(".site-header").bounding_box()
    assert header is not None and header["height"] <= 64
