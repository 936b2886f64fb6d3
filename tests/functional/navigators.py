"""What a user does, in their words, so browser tests read like a story (CONVENTIONS 13)."""

from __future__ import annotations

from datetime import date

from playwright.sync_api import Locator, Page, expect


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

    def add_partner(self, name: str, kind: str, communes: list[str], languages: list[str]) -> None:
        """A partner in the directory, by the form's labels (English)."""
        self.page.goto("/directory/new")
        self.page.get_by_label("Name of the service").fill(name)
        self.page.get_by_label("Kind of service").select_option(label=kind)
        for commune in communes:
            self.page.get_by_label(commune, exact=True).check()
        for language in languages:
            self.page.get_by_label(language, exact=True).check()
        with self.page.expect_navigation():
            self.page.get_by_role("button", name="Save").click()
        expect(self.page.get_by_role("heading", level=1)).to_contain_text(name)


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


class SocialWorkerNavigator(Navigator):
    """A social worker at their desk, by the pages' labels (English)."""

    def submit(self, button: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button).click()

    def register_anonymous_person(self) -> str:
        self.page.goto("/people/new")
        self.page.locator("#gender-1").check()  # man
        self.submit("Create person")
        return self.page.get_by_test_id("person-code").inner_text().strip()

    def open_file(self, code: str) -> None:
        self.page.goto(f"/cases/people/{code}")
        expect(self.page.get_by_test_id("person-code")).to_have_text(code)

    def open_case(self, *, key_worker: str) -> None:
        self.page.get_by_role("link", name="Open a case").click()
        self.page.get_by_label("Key worker").select_option(label=key_worker)
        self.submit("Open the case")
        expect(self.page.get_by_test_id("current-case")).to_be_visible()

    def add_goal(self, domain: str, title: str) -> None:
        self.page.get_by_role("link", name="Add a goal").click()
        self.page.get_by_label("Life domain").select_option(label=domain)
        title_field = self.page.get_by_label("Goal", exact=True)
        title_field.fill(title)
        with self.page.expect_navigation():
            title_field.press("Enter")

    def write_note(self, kind: str, body: str) -> None:
        self.page.get_by_role("link", name="Write a note").click()
        self.page.get_by_label("Type").select_option(label=kind)
        self.page.get_by_label("Note", exact=True).fill(body)
        self.submit("Save the note")

    def search_partner(self, *, commune: str, language: str) -> None:
        self.page.get_by_role("link", name="Refer to a partner").click()
        self.page.get_by_label("Commune served").select_option(label=commune)
        self.page.get_by_label("Language spoken").select_option(label=language)
        self.submit("Search the directory")

    def step(
        self,
        status: str,
        *,
        appointment: date | None = None,
        follow_up: date | None = None,
        outcome: str | None = None,
    ) -> None:
        """The referral's next step, with what it needs."""
        self.page.get_by_label(status, exact=True).check()
        if appointment is not None:
            self.page.get_by_label("Appointment date", exact=True).fill(appointment.isoformat())
        if follow_up is not None:
            self.page.get_by_label("Next follow-up", exact=True).fill(follow_up.isoformat())
        if outcome is not None:
            self.page.get_by_label("Outcome", exact=True).select_option(label=outcome)
        self.submit("Save this step")
        # A refused step comes back with its reason beside a field: fail here, saying it.
        expect(self.page.locator("p.error, [data-testid=problems]")).to_have_count(0)

    def close_case(self, reason: str) -> None:
        self.page.get_by_role("link", name="Close the case").click()
        self.page.get_by_label("Reason").select_option(label=reason)
        self.submit("Close the case")


class HousingNavigator(Navigator):
    """Housing pages, by their labels (English): programmes, the bed board, waiting lists."""

    def submit(self, button: str) -> None:
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=button).click()

    def add_programme(
        self, name: str, type_label: str, step: str, capacity: int, max_nights: int | None = None
    ) -> None:
        """A programme the centre runs at its first site (a manager's or admin's page)."""
        self.page.goto("/housing/programmes/new")
        self.page.get_by_label("Name", exact=True).fill(name)
        self.page.get_by_label("Type of programme").select_option(label=type_label)
        self.page.get_by_label("Site of the centre").select_option(index=1)
        self.page.get_by_label("Capacity").fill(str(capacity))
        self.page.get_by_label("Step on the housing ladder").select_option(label=step)
        if max_nights is not None:
            self.page.get_by_label("Maximum stay, in nights").fill(str(max_nights))
        self.submit("Save")
        expect(self.page.locator("main table")).to_contain_text(name)

    def board_of(self, programme: str) -> Locator:
        self.page.goto("/housing/board")
        return self.page.locator("section.board").filter(
            has=self.page.get_by_role("heading", name=programme, exact=True)
        )

    def give_bed(self, programme: str, code: str) -> Locator:
        section = self.board_of(programme)
        section.get_by_label("Person's code").fill(code)
        with self.page.expect_navigation():
            section.get_by_role("button", name="Give the bed").click()
        return self.page.locator("section.board").filter(
            has=self.page.get_by_role("heading", name=programme, exact=True)
        )

    def record_entry(self, code: str, programme: str, entry_on: date) -> None:
        self.page.goto(f"/housing/people/{code}")
        self.page.get_by_role("link", name="Record an entry").click()
        self.page.get_by_label("Programme").select_option(label=programme)
        self.page.get_by_label("Entry date").fill(entry_on.isoformat())
        self.submit("Record the entry")

    def record_exit(self, code: str, exit_on: date, destination: str) -> None:
        self.page.goto(f"/housing/people/{code}")
        self.page.get_by_test_id("stays").locator("tr[data-open=yes]").get_by_role(
            "link", name="Record the exit"
        ).click()
        self.page.get_by_label("Exit date").fill(exit_on.isoformat())
        self.page.get_by_label("Destination").select_option(label=destination)
        self.submit("Record the exit")

    def put_on_waiting_list(self, code: str, programme: str, priority: str) -> None:
        self.page.goto(f"/housing/people/{code}")
        self.page.get_by_role("link", name="Add to a waiting list").click()
        self.page.get_by_label("Programme").select_option(label=programme)
        self.page.get_by_label(priority, exact=True).check()
        self.submit("Put on the waiting list")

    def offer_place_from_waiting_list(self, programme: str, code: str, entry_on: date) -> None:
        self.page.goto("/housing/waiting")
        self.page.get_by_role("link", name=programme, exact=True).click()
        self.page.get_by_role("link", name=f"Offer a place to {code}").click()
        self.page.get_by_label("Entry date").fill(entry_on.isoformat())
        self.submit("Offer the place and admit")
