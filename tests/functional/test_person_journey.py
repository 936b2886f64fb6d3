"""Journey: an admin creates a reception account; reception registers a consenting person
with identity, finds them again by code and by NISS, and cannot open the admin pages."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.functional.conftest import ADMIN_PASSWORD
from tests.functional.navigators import AdminNavigator, ReceptionNavigator


def test_admin_creates_reception_user_who_registers_and_finds_a_person(page: Page) -> None:
    admin = AdminNavigator(page)
    # Given an administrator who creates a reception account
    admin.open_login_page()
    admin.log_in("admin", ADMIN_PASSWORD)
    one_time = admin.create_user("desk.night", "Accueil")
    assert len(one_time) >= 20
    admin.log_out()

    # When the receptionist logs in with the one-time password, they must choose their own
    desk = ReceptionNavigator(page)
    desk.log_in("desk.night", one_time)
    expect(page).to_have_url("/password")
    desk.choose_own_password(one_time, "harbour violet cinnamon kettle")
    expect(page.locator(".flash-success")).to_be_visible()

    # And they register a person who agrees, in writing, to give their identity
    code = desk.create_person_with_identity("Oosterlinck", "Marthe", "85.07.30-033.28")
    assert len(code) == 9 and code[4] == "-"
    expect(page.locator("body")).not_to_contain_text("Oosterlinck")  # hidden until revealed

    # Then they find the person again by code, typed in lower case without the dash
    desk.find_by_code(code.lower().replace("-", ""))
    expect(page.get_by_test_id("person-code")).to_have_text(code)
    # And by national register number, typed without punctuation
    desk.find_by_niss("85073003328")
    expect(page.locator(".person-list")).to_contain_text(code)
    # And revealing the identity shows it
    page.locator(".person-list a").first.click()
    page.locator("form[action$='/reveal'] button").click()
    expect(page.get_by_test_id("identity")).to_contain_text("Oosterlinck")

    # But the admin pages are refused to them
    response = page.goto("/admin/users")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", level=1)).to_contain_text("Accès refusé")
