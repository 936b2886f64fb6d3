"""Attendance and pay pages: a sheet of attendance saved whole or not at all, pay handed out
once, the payout sheet's amounts, corrections in the ledger, and social workers only."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.employment.models import Attendance, Offer, PayKind, PayLine, SignUp
from tests import factories
from tests.conftest import LoggedIn, reread
from tests.employment.conftest import offer, signup

DAY = date(2026, 3, 2)


@pytest.fixture
def worker(login_as: Callable[..., LoggedIn]) -> LoggedIn:
    as_user = login_as(Role.SOCIAL_WORKER)
    as_user.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return as_user


@pytest.fixture
def job(session: Session, worker: LoggedIn) -> tuple[Offer, list[SignUp], list[str]]:
    """A job of 4 hours (8:00-12:00) at 10.25 an hour, three people signed up."""
    made = offer(session, supervisor_id=worker.user.id, on=DAY, hourly_rate="10.25")
    people = [factories.person(session, actor_id=worker.user.id) for _ in range(3)]
    signups = [signup(session, offer=made, person_id=p.id, by_id=worker.user.id) for p in people]
    session.commit()
    return made, signups, [p.code for p in people]


def attendance_form(signups: list[SignUp], rows: list[tuple[str, str]]) -> dict[str, str]:
    data = {}
    for each, (attendance, hours) in zip(signups, rows, strict=True):
        data[f"attendance-{each.id}"] = attendance
        data[f"hours-{each.id}"] = hours
        data[f"version-{each.id}"] = str(each.version)
    return data


GOOD = [("present", "4"), ("left_early", "3.25"), ("absent", "")]


def test_attendance_with_one_left_early_is_saved(
    session: Session, worker: LoggedIn, job: tuple[Offer, list[SignUp], list[str]]
) -> None:
    made, signups, codes = job
    page = worker.get(f"/employment/offers/{made.id}/attendance")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert all(code in html for code in codes)
    assert 'step="0.25"' in html

    response = worker.post(
        f"/employment/offers/{made.id}/attendance", attendance_form(signups, GOOD)
    )

    assert response.status_code == 302
    reread(session)
    saved = [session.get_one(SignUp, each.id) for each in signups]
    assert [s.attendance for s in saved] == [
        Attendance.PRESENT,
        Attendance.LEFT_EARLY,
        Attendance.ABSENT,
    ]
    assert [s.hours for s in saved] == [Decimal("4.00"), Decimal("3.25"), Decimal("0.00")]


def test_a_bad_row_is_refused_beside_it_and_nothing_is_saved(
    session: Session, worker: LoggedIn, job: tuple[Offer, list[SignUp], list[str]]
) -> None:
    made, signups, _codes = job
    rows = [("present", "4"), ("left_early", "3.1"), ("absent", "")]

    response = worker.post(
        f"/employment/offers/{made.id}/attendance", attendance_form(signups, rows)
    )

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "quarter hour" in html
    assert 'value="3.1"' in html  # the input kept
    assert f'id="error-{signups[1].id}"' in html
    reread(session)
    assert all(session.get_one(SignUp, each.id).attendance is None for each in signups)


def test_pay_then_the_payout_sheet_shows_the_amounts_and_the_total(
    session: Session, worker: LoggedIn, job: tuple[Offer, list[SignUp], list[str]]
) -> None:
    made, signups, codes = job
    worker.post(f"/employment/offers/{made.id}/attendance", attendance_form(signups, GOOD))

    response = worker.post(f"/employment/offers/{made.id}/pay", follow_redirects=True)

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "2 paid, 74.31 in all." in html
    assert "41.00" in html and "33.31" in html
    sheet = worker.get(f"/employment/offers/{made.id}/payout").get_data(as_text=True)
    assert "Parc de la Porte de Hal" in sheet and "08:00" in sheet
    assert all(code in sheet for code in codes)
    assert "74.31" in sheet
    assert sheet.count('class="signature"') == 3
    reread(session)
    lines = session.scalars(select(PayLine).order_by(PayLine.amount)).all()
    assert [line.amount for line in lines] == [Decimal("33.31"), Decimal("41.00")]
    # A paid sign-up shows its amount and no inputs.
    attendance = worker.get(f"/employment/offers/{made.id}/attendance").get_data(as_text=True)
    assert f'name="hours-{signups[0].id}"' not in attendance
    assert "Paid: 41.00" in attendance


def test_pay_posted_twice_pays_once(
    session: Session, worker: LoggedIn, job: tuple[Offer, list[SignUp], list[str]]
) -> None:
    made, signups, _codes = job
    worker.post(f"/employment/offers/{made.id}/attendance", attendance_form(signups, GOOD))
    worker.post(f"/employment/offers/{made.id}/pay")

    again = worker.post(f"/employment/offers/{made.id}/pay", follow_redirects=True)

    assert "Nobody to pay" in again.get_data(as_text=True)
    reread(session)
    assert session.scalar(select(func.count()).select_from(PayLine)) == 2


def test_a_correction_appears_in_the_ledger_with_the_running_balance(
    session: Session, worker: LoggedIn, job: tuple[Offer, list[SignUp], list[str]]
) -> None:
    made, signups, codes = job
    worker.post(f"/employment/offers/{made.id}/attendance", attendance_form(signups, GOOD))
    worker.post(f"/employment/offers/{made.id}/pay")
    reread(session)
    line = session.scalars(select(PayLine).where(PayLine.signup_id == signups[1].id)).one()
    preview = worker.get(f"/employment/pay/{line.id}/correct?hours=3.75")
    assert "Difference that will be added: 5.13" in preview.get_data(as_text=True)

    refused = worker.post(f"/employment/pay/{line.id}/correct", {"hours": "3.25"})
    assert refused.status_code == 422
    assert "nothing to correct" in refused.get_data(as_text=True)
    response = worker.post(
        f"/employment/pay/{line.id}/correct", {"hours": "3.75"}, follow_redirects=True
    )

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f"Pay ledger of {codes[1]}" in html
    # 33.31 paid, then 5.13 more (3.75 × 10.25 = 38.4375 → 38.44): balance 33.31, 38.44.
    assert "Correction saved: 5.13." in html
    table = html[html.index('class="ledger"') :]
    assert table.index("33.31") < table.index("5.13") < table.index("38.44")
    reread(session)
    kinds = session.scalars(
        select(PayLine.kind).where(PayLine.signup_id == signups[1].id).order_by(PayLine.id)
    ).all()
    assert kinds == [PayKind.PAY, PayKind.CORRECTION]


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MANAGER, Role.ADMIN])
def test_other_roles_are_refused(
    session: Session,
    login_as: Callable[..., LoggedIn],
    worker: LoggedIn,
    job: tuple[Offer, list[SignUp], list[str]],
    role: Role,
) -> None:
    made, signups, codes = job
    worker.post(f"/employment/offers/{made.id}/attendance", attendance_form(signups, GOOD))
    worker.post(f"/employment/offers/{made.id}/pay")
    reread(session)
    line_id = session.scalars(select(PayLine.id).limit(1)).one()
    other = login_as(role)

    for url in (
        f"/employment/offers/{made.id}/attendance",
        f"/employment/offers/{made.id}/payout",
        f"/employment/pay/{line_id}/correct",
        f"/employment/people/{codes[0]}/ledger",
    ):
        assert other.get(url).status_code == 403, url
    for url in (
        f"/employment/offers/{made.id}/attendance",
        f"/employment/offers/{made.id}/pay",
        f"/employment/pay/{line_id}/correct",
    ):
        assert other.post(url, {"hours": "4"}).status_code == 403, url


@pytest.mark.parametrize(
    "url",
    [
        "/employment/offers/999999/attendance",
        "/employment/offers/abc/attendance",
        "/employment/offers/999999/payout",
        "/employment/offers/-1/payout",
        "/employment/pay/999999/correct",
        "/employment/pay/x/correct",
        "/employment/people/ZZZZ-ZZZZ/ledger",
        "/employment/people/nonsense/ledger",
    ],
)
def test_malformed_or_unknown_ids_are_404(worker: LoggedIn, url: str) -> None:
    assert worker.get(url).status_code == 404
    if "ledger" not in url and "payout" not in url:
        assert worker.post(url, {"hours": "4"}).status_code == 404


@pytest.mark.parametrize("hours", ["NaN", "1E+1000", "abc", "-1"])
def test_odd_hours_in_the_preview_show_no_difference(
    session: Session, worker: LoggedIn, job: tuple[Offer, list[SignUp], list[str]], hours: str
) -> None:
    made, signups, _codes = job
    worker.post(f"/employment/offers/{made.id}/attendance", attendance_form(signups, GOOD))
    worker.post(f"/employment/offers/{made.id}/pay")
    reread(session)
    line_id = session.scalars(select(PayLine.id).limit(1)).one()

    page = worker.get(f"/employment/pay/{line_id}/correct?hours={hours}")

    assert page.status_code == 200
    assert "Difference that will be added" not in page.get_data(as_text=True)
    refused = worker.post(f"/employment/pay/{line_id}/correct", {"hours": hours})
    assert refused.status_code == 422
