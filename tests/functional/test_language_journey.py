"""Journey: a newcomer opens centre, switches to Dutch and reads the page in Dutch."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.functional.navigators import Navigator


def test_login_page_switches_from_french_to_dutch_and_english(page: Page) -> None:
    user = Navigator(page)
    # Given a terminal set to French
    user.open_login_page()
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    user.expect_heading("Connexion")
    # When the user picks Nederlands in the language menu
    user.choose_language("Nederlands")
    # Then the page comes back in Dutch, and stays Dutch on the next page
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    user.expect_heading("Inloggen")
    page.reload()
    user.expect_heading("Inloggen")
    # And English is one choice away
    user.choose_language("English")
    user.expect_heading("Log in")
