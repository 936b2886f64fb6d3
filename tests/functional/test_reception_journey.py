"""Journey: a night at the counter, keyboard only: an anonymous visit, a known person's
visit and an overdose, all found again in the shift's list and totals."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.functional.conftest import ADMIN_PASSWORD, LiveServer
from tests.functional.navigators import AdminNavigator, DeskNavigator, ReceptionNavigator


def test_visits_and_an_overdose_logged_with_the_keyboard(
    page: Page, live_server: LiveServer
) -> None:
    # Given a receptionist and a person who already has a code
    admin = AdminNavigator(page)
    admin.open_login_page()
    admin.log_in("admin", ADMIN_PASSWORD)
    one_time = admin.create_user("desk.counter", "Accueil")
    admin.log_out()
    desk = DeskNavigator(page)
    desk.log_in("desk.counter", one_time)
    ReceptionNavigator(page).choose_own_password(one_time, "copper meadow lantern tide")
    page.goto("/people/new")
    page.locator("main form button[type=submit]").click()
    code = page.get_by_test_id("person-code").inner_text().strip()

    # When, keyboard only, they log an anonymous visit: shower and drink (letters),
    # ten injection sets, and a one-litre sharps container brought back
    desk.open_reception()
    desk.press("Alt+s", "Alt+d", "Alt+2")
    desk.type("10")
    desk.press("Alt+3", "Tab")
    desk.type("1")
    desk.save()
    expect(page.locator(".flash-success")).to_contain_text("anonyme")

    # and a visit under the person's code, typed in lower case
    expect(page.locator("#code")).to_be_focused()
    desk.type(code.lower())
    desk.save()
    expect(page.locator(".flash-success")).to_contain_text(code)

    # and an overdose: two naloxone doses, ambulance called
    desk.press("Alt+i")
    page.wait_for_url(re.compile(r"/reception/incidents/new"))
    expect(page.locator("#code")).to_be_focused()
    desk.type(code)
    desk.press("Tab", "Control+a")  # the naloxone doses
    desk.type("2")
    desk.press("Tab", "Tab", "Space")  # past the outcome, tick "ambulance called"
    desk.press("Shift+Tab", "Shift+Tab")  # back to a text field, where Enter saves
    desk.save()
    expect(page.get_by_test_id("shift-incidents")).to_contain_text(code)
    incident_row = page.get_by_test_id("shift-incidents").locator("tbody tr").first
    expect(incident_row).to_contain_text("Surdose")
    expect(incident_row.locator("td").nth(3)).to_have_text("2")  # naloxone doses
    expect(incident_row.locator("td").nth(4)).to_contain_text("ambulance")

    # Then the shift's list and totals show all of it
    page.goto("/reception")
    visits = page.get_by_test_id("shift-visits")
    expect(visits).to_contain_text(code)
    expect(visits).to_contain_text("anonyme")
    expect(visits).to_contain_text("10 × Kit d'injection")
    totals = page.get_by_test_id("shift-totals")
    expect(totals.locator("[data-total=visits]")).to_have_text("2")
    expect(totals.locator("[data-total=anonymous]")).to_have_text("1")
    expect(totals.locator("[data-total=syringes_given]")).to_have_text("10")
    expect(totals.locator("[data-total=syringes_returned]")).to_have_text("80")
    expect(totals.locator("[data-total=incident-overdose]")).to_have_text("1")
    expect(page.locator("[data-service-total=shower]")).to_have_text("1")
    expect(page.locator("[data-service-total=drink_meal]")).to_have_text("1")
