"""Journey: a social worker opens a case, plans two goals, writes a note, refers the person
to a partner found by commune and language, follows the referral from the home page until
care starts, closes the case; the pathway then tells all of it, newest first."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.functional.conftest import ADMIN_PASSWORD
from tests.functional.navigators import AdminNavigator, ReceptionNavigator, SocialWorkerNavigator

PARTNER = "Maison médicale Josaphat"


def test_a_case_from_opening_to_closing(page: Page) -> None:
    today = datetime.now(ZoneInfo("Europe/Brussels")).date()
    admin = AdminNavigator(page)
    # Given an administrator who, in English, adds two partners and a social worker
    admin.open_login_page()
    admin.choose_language("English")
    admin.log_in("admin", ADMIN_PASSWORD)
    admin.add_partner(
        PARTNER,
        "General practice or medical house",
        ["Schaerbeek / Schaarbeek"],
        ["Nederlands", "Français"],
    )
    admin.add_partner(
        "Huisartsenpraktijk Elsene",
        "General practice or medical house",
        ["Ixelles / Elsene"],
        ["Nederlands"],
    )
    one_time = admin.create_user("sw.journey", "Social worker")
    admin.log_out()

    worker = SocialWorkerNavigator(page)
    worker.open_login_page()
    worker.choose_language("English")
    worker.log_in("sw.journey", one_time)
    ReceptionNavigator(page).choose_own_password(one_time, "lantern oak river compass")
    code = worker.register_anonymous_person()

    # When the social worker opens a case for the code, with two goals and a note
    worker.open_file(code)
    worker.open_case(key_worker="sw.journey")
    worker.add_goal("Health", "Find a GP")
    worker.add_goal("Housing", "Apply for a social flat")
    expect(page.get_by_test_id("goals")).to_contain_text("Find a GP")
    expect(page.get_by_test_id("goals")).to_contain_text("Apply for a social flat")
    worker.write_note("Social interview", "Wants to see a doctor about his leg; prefers Dutch.")

    # And refers the person to the partner found by commune and language
    worker.search_partner(commune="Schaerbeek / Schaarbeek", language="Nederlands")
    partners = page.get_by_test_id("partners")
    expect(partners).to_contain_text(PARTNER)
    expect(partners).not_to_contain_text("Huisartsenpraktijk Elsene")
    page.get_by_label(PARTNER).check()
    page.get_by_label("Type of help").select_option(label="General practice or medical house")
    worker.submit("Make the referral")
    expect(page.get_by_test_id("referral-status")).to_have_text("Proposed")

    # And moves it on: sent, then an appointment, with the follow-up due today
    worker.step("Sent", follow_up=today + timedelta(days=2))
    worker.step("Appointment set", appointment=today, follow_up=today)
    expect(page.get_by_test_id("referral-status")).to_have_text("Appointment set")

    # Then the follow-up is on the home page, and leads back to the referral
    page.goto("/")
    follow_ups = page.get_by_test_id("follow-ups")
    expect(follow_ups).to_contain_text(code)
    expect(follow_ups).to_contain_text(PARTNER)
    follow_ups.get_by_role("link", name=code).click()

    # When the person went, and care started
    worker.step("Attended", follow_up=today + timedelta(days=7))
    worker.step("Close, with its outcome", outcome="Care started")
    expect(page.get_by_test_id("referral-status")).to_have_text("Closed")
    page.goto("/")
    expect(page.get_by_test_id("follow-ups")).to_have_count(0)

    # And the case is closed with its reason
    worker.open_file(code)
    worker.close_case("Goals reached")
    expect(page.locator("body")).to_contain_text("No open case.")

    # Then the pathway shows every step, newest first
    page.get_by_role("link", name="Pathway").click()
    rows = page.get_by_test_id("pathway").locator("tbody tr")
    expect(rows).to_have_count(10)
    sources = [rows.nth(i).get_attribute("data-source") for i in range(10)]
    assert sources == ["case", *["referral"] * 5, "note", "goal", "goal", "case"], sources
    expect(rows.nth(0)).to_contain_text("Case closed")
    expect(rows.nth(0)).to_contain_text("Goals reached")
    expect(rows.nth(1)).to_contain_text("Care started")
    for n, status in enumerate(["Attended", "Appointment set", "Sent", "Proposed"], start=2):
        expect(rows.nth(n)).to_contain_text(status)
        expect(rows.nth(n)).to_contain_text(PARTNER)
    expect(rows.nth(6)).to_contain_text("Social interview")
    expect(rows.nth(6)).not_to_contain_text("leg")  # the note's type, never its body
    expect(rows.nth(7)).to_contain_text("Apply for a social flat")
    expect(rows.nth(8)).to_contain_text("Find a GP")
    expect(rows.nth(9)).to_contain_text("Case opened")
