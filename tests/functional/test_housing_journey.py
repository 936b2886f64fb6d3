"""Journey: night reception gives a bed to a code, meets the maximum stay with another person
and overrides it with a reason; a social worker offers a Transit Home place from the waiting
list and later records an exit to "rental with support"; the bed board and the pathway page
show each step."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Page, expect

from tests.functional.conftest import ADMIN_PASSWORD
from tests.functional.navigators import (
    AdminNavigator,
    HousingNavigator,
    ReceptionNavigator,
    SocialWorkerNavigator,
)

CRISIS = "Crisis beds (journey)"
TRANSIT = "Transit Home (journey)"


def test_beds_waiting_list_and_exit(page: Page) -> None:
    now = datetime.now(ZoneInfo("Europe/Brussels"))
    # A night belongs to the evening it starts: before the first shift (07:00), still last night.
    tonight = (now - timedelta(hours=7)).date()
    admin = AdminNavigator(page)
    # Given an administrator who adds two programmes the centre runs, and two colleagues
    admin.open_login_page()
    admin.choose_language("English")
    admin.log_in("admin", ADMIN_PASSWORD)
    housing = HousingNavigator(page)
    housing.add_programme(
        CRISIS, "Emergency shelter", "Emergency accommodation", capacity=2, max_nights=2
    )
    housing.add_programme(TRANSIT, "Transit Home", "Transit Home", capacity=1)
    night_desk = admin.create_user("night.housing", "Reception")
    worker_password = admin.create_user("sw.housing", "Social worker")
    admin.log_out()

    # And a social worker who registers three people; the second slept two nights in the
    # crisis beds until this morning
    worker = SocialWorkerNavigator(page)
    worker.open_login_page()
    worker.choose_language("English")
    worker.log_in("sw.housing", worker_password)
    ReceptionNavigator(page).choose_own_password(worker_password, "harbour maple tide lantern")
    first, second, third = (worker.register_anonymous_person() for _ in range(3))
    housing.record_entry(second, CRISIS, tonight - timedelta(days=2))
    housing.record_exit(second, tonight, "Night shelter")
    admin.log_out()

    # When night reception gives a crisis bed to the first code
    desk = HousingNavigator(page)
    desk.open_login_page()
    desk.choose_language("English")
    desk.log_in("night.housing", night_desk)
    ReceptionNavigator(page).choose_own_password(night_desk, "candle river stone window")
    board = desk.give_bed(CRISIS, first)
    expect(page.locator(".flash").first).to_contain_text(f"Bed 1 given to {first} for tonight.")
    expect(board.locator("tr[data-state=occupied]")).to_contain_text(first)

    # And tries the second, who has had the two nights the programme allows
    section = desk.board_of(CRISIS)
    section.get_by_label("Person's code").fill(second)
    with page.expect_navigation():
        section.get_by_role("button", name="Give the bed").click()
    warning = page.get_by_test_id("max-stay-warning")
    expect(warning).to_contain_text("spent 2 nights on this stay; the maximum is 2")
    section = page.locator("section.board").filter(
        has=page.get_by_role("heading", name=CRISIS, exact=True)
    )
    expect(section.get_by_label("Person's code")).to_have_value(second)
    section.get_by_label("Reason to go past the maximum stay").select_option(label="Cold weather")
    with page.expect_navigation():
        section.get_by_role("button", name="Give the bed anyway").click()

    # Then the board shows both beds taken, the override beside the arrival
    board = desk.board_of(CRISIS)
    expect(board.locator(".counts")).to_contain_text("0 free, 2 occupied, 0 blocked")
    expect(board.locator("tr[data-state=occupied]")).to_have_count(2)
    expect(board.locator(".moves")).to_contain_text("past the maximum stay: Cold weather")
    admin.log_out()

    # When the social worker puts the third person on the Transit Home list and offers the place
    worker.open_login_page()
    worker.choose_language("English")
    worker.log_in("sw.housing", "harbour maple tide lantern")
    housing.put_on_waiting_list(third, TRANSIT, "Urgent")
    housing.offer_place_from_waiting_list(TRANSIT, third, tonight)
    expect(page.get_by_test_id("stays")).to_contain_text(TRANSIT)
    transit = housing.board_of(TRANSIT)
    expect(transit.locator("tr[data-state=occupied]")).to_contain_text(third)

    # And later records the exit to a rental with support
    housing.record_exit(third, now.date(), "Rental with support (Housing First, supervised)")
    expect(page.get_by_test_id("stays")).to_contain_text("Rental with support")
    expect(housing.board_of(TRANSIT).locator("tr[data-state=free]")).to_have_count(1)

    # Then the pathway shows each step, newest first, and the ladder
    page.goto(f"/cases/people/{third}/pathway")
    rows = page.get_by_test_id("pathway").locator("tbody tr")
    sources = [rows.nth(i).get_attribute("data-source") for i in range(rows.count())]
    # The exit; the admission (the stay entered and the application accepted, one request);
    # the application first put on the list.
    assert sources == ["stay", "application", "stay", "application"], sources
    expect(rows.nth(0)).to_contain_text("Rental with support")
    expect(rows.nth(0)).to_contain_text("Permanent housing")
    expect(rows.nth(1)).to_contain_text("Accepted")
    expect(rows.nth(2)).to_contain_text(TRANSIT)
    expect(rows.nth(3)).to_contain_text("Waiting")
    expect(page.get_by_test_id("ladder")).to_contain_text(TRANSIT)
