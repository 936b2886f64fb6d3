"""Journey: one morning of day jobs. Two offers are created, five codes signed up (one refused
for a full job, one warned for a ceiling and let through with a reason), attendance recorded
with one early leave, the payout sheet shows the amounts, and a phase reached shows on the
pathway page."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, expect

from tests.functional.conftest import ADMIN_PASSWORD
from tests.functional.navigators import AdminNavigator, ReceptionNavigator, SocialWorkerNavigator

PARK, HALL = "Parc du Cinquantenaire", "Salle Saint-Gilles"


def job_section(page: Page, place: str) -> Locator:
    page.goto("/employment/")
    return page.locator("section.board").filter(has_text=place)


def sign_up(page: Page, place: str, code: str) -> None:
    section = job_section(page, place)
    section.get_by_label("Person's code").fill(code)
    with page.expect_navigation():
        section.get_by_role("button", name="Sign up").click()


def add_offer(page: Page, *, task: str, place: str, start: str, end: str, places: int) -> None:
    today = datetime.now(ZoneInfo("Europe/Brussels")).date()
    page.goto("/employment/offers/new")
    page.get_by_label("Day", exact=True).fill(today.isoformat())
    page.get_by_label("Starts at").fill(start)
    page.get_by_label("Ends at").fill(end)
    page.get_by_label("Task").select_option(label=task)
    page.get_by_label("Place", exact=True).fill(place)
    page.get_by_label("Places", exact=True).fill(str(places))
    page.get_by_label("Hourly rate (€)").fill("10.25")
    with page.expect_navigation():
        page.get_by_role("button", name="Create the offer").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(place)


def test_one_morning_of_day_jobs(page: Page) -> None:
    admin = AdminNavigator(page)
    # Given a social worker who runs the crews, and five people with codes
    admin.open_login_page()
    admin.choose_language("English")
    admin.log_in("admin", ADMIN_PASSWORD)
    one_time = admin.create_user("sw.crews", "Social worker")
    admin.log_out()
    worker = SocialWorkerNavigator(page)
    worker.open_login_page()
    worker.choose_language("English")
    worker.log_in("sw.crews", one_time)
    ReceptionNavigator(page).choose_own_password(one_time, "meadow crane lantern river")
    codes = [worker.register_anonymous_person() for _ in range(5)]

    # When two jobs are offered this morning: 08:00-12:00 for three, 13:00-14:30 for three
    add_offer(page, task="Gardening", place=PARK, start="08:00", end="12:00", places=3)
    add_offer(page, task="Cleaning", place=HALL, start="13:00", end="14:30", places=3)

    # And the first three codes take the park's places; the fourth is refused, the job full
    for code in codes[:3]:
        sign_up(page, PARK, code)
        expect(page.locator(".flash").first).to_contain_text(f"{code} is signed up")
    sign_up(page, PARK, codes[3])
    expect(page.locator("body")).to_contain_text("This job is full.")

    # And the first code, already at four hours today, is warned and let through with a reason
    sign_up(page, HALL, codes[0])
    expect(page.get_by_test_id("ceiling-warning")).to_contain_text("Hours a day")
    section = page.locator("section.board").filter(has_text=HALL)
    expect(section.get_by_label("Person's code")).to_have_value(codes[0])
    section.get_by_label("Reason to go past the ceiling").select_option(
        label="Agreed with the social worker"
    )
    with page.expect_navigation():
        section.get_by_role("button", name="Sign up anyway").click()
    for code in codes[3:]:
        sign_up(page, HALL, code)
    expect(job_section(page, HALL).locator(".counts")).to_contain_text("3 of 3 places taken")

    # When the park's attendance is recorded: two present four hours, one left after 2.5
    job_section(page, PARK).get_by_role("link", name=PARK).click()
    page.get_by_role("link", name="Attendance").click()
    for code, attendance, hours in (
        (codes[0], "Present", "4"),
        (codes[1], "Left early", "2.5"),
        (codes[2], "Present", "4"),
    ):
        page.get_by_role("group", name=f"Attendance of {code}").get_by_label(attendance).check()
        page.get_by_label(f"Hours of {code}").fill(hours)
    with page.expect_navigation():
        page.get_by_role("button", name="Save the attendance").click()
    with page.expect_navigation():
        page.get_by_role("button", name="Pay everyone present").click()

    # Then the payout sheet shows each amount: 4 h x 10.25 = 41.00; 2.5 h x 10.25 = 25.625,
    # rounded half up to 25.63; 107.63 in all
    sheet = page.locator("section.payout")
    expect(sheet.locator("tr").filter(has_text=codes[0])).to_contain_text("41.00")
    expect(sheet.locator("tr").filter(has_text=codes[1])).to_contain_text("25.63")
    expect(sheet.locator("tfoot")).to_contain_text("107.63")
    expect(sheet).not_to_contain_text(codes[3])

    # When the one who left early is recorded as having reached regular day jobs
    page.goto(f"/employment/people/{codes[1]}/phases")
    page.get_by_label("Phase reached").select_option(label="Regular day jobs")
    with page.expect_navigation():
        page.get_by_role("button", name="Record the phase").click()

    # Then the pathway page shows the phase beside the day job
    page.goto(f"/cases/people/{codes[1]}/pathway")
    expect(page.get_by_test_id("work-phases")).to_contain_text("Regular day jobs")
    expect(page.locator("tr[data-source=day_job]")).to_contain_text("Left early")
