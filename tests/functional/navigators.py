"""What a user does, in their words, so browser tests read like a story (CONVENTIONS 13)."""

from __future__ import annotations

from playwright.sync_api import Page, expect


class Navigator:
    def __init__(self, page: Page) -> None:
        self.page = page

    def open_login_page(self) -> None:
        self.page.goto("/login")

    def choose_language(self, language_name: str) -> None:
        self.page.get_by_label("Langue").or_(self.page.get_by_label("Taal")).or_(
            self.page.get_by_label("Language")
        ).select_option(label=language_name)
        self.page.wait_for_load_state()

    def log_in(self, username: str, password: str) -> None:
        self.page.locator("#username").fill(username)
        self.page.locator("#password").fill(password)
        # Wait for the answer to the login itself: a page.goto right after would race it.
        with self.page.expect_navigation():
            self.page.locator("#password").press("Enter")

    def expect_heading(self, text: str) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(text)


class AdminNavigator(Navigator):
    def create_user(self, username: str, role_label: str) -> str:
        """Create a user from the Users page; return the one-time password shown once."""
        self.page.goto("/admin/users")
        self.page.locator("a.button[href='/admin/users/new']").click()
        self.page.locator("#username").fill(username)
        self.page.locator("#role").select_option(label=role_label)
        self.page.locator("main button[type=submit]").click()
        return self.page.get_by_test_id("one-time-password").inner_text().strip()

    def log_out(self) -> None:
        self.page.locator("form[action='/logout'] button").click()
        self.page.wait_for_load_state()


class ReceptionNavigator(Navigator):
    def choose_own_password(self, one_time: str, new: str) -> None:
        self.page.locator("#current").fill(one_time)
        self.page.locator("#new").fill(new)
        self.page.locator("#confirm").fill(new)
        self.page.locator("main button[type=submit]").click()
        self.page.wait_for_load_state()

    def create_person_with_identity(self, last_name: str, first_name: str, niss: str) -> str:
        self.page.goto("/people/new")
        self.page.locator("#gender-0").check()  # woman
        self.page.locator("#birth_year").fill("1985")
        self.page.locator("details summary").click()
        self.page.locator("#record_identity").check()
        self.page.locator("#consent_method-1").check()  # written
        self.page.locator("#first_name").fill(first_name)
        self.page.locator("#last_name").fill(last_name)
        self.page.locator("#niss").fill(niss)
        self.page.locator("main form button[type=submit]").click()
        self.page.wait_for_load_state()
        return self.page.get_by_test_id("person-code").inner_text().strip()

    def find_by_code(self, code: str) -> None:
        self.page.goto("/people")
        self.page.locator("#code").fill(code)
        self.page.locator("#code").press("Enter")
        self.page.wait_for_load_state()

    def find_by_niss(self, niss: str) -> None:
        self.page.goto("/people")
        self.page.locator("#niss").fill(niss)
        self.page.locator("form[action='/people/find-identity'] button").click()
        self.page.wait_for_load_state()


class DeskNavigator(Navigator):
    """Reception at the counter, keyboard only once the screen is open."""

    def open_reception(self) -> None:
        self.page.goto("/reception")
        expect(self.page.locator("#code")).to_be_focused()

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)

    def save(self) -> None:
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")
