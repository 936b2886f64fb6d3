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
        self.page.locator("#password").press("Enter")
        self.page.wait_for_load_state()

    def expect_heading(self, text: str) -> None:
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(text)
