"""The housing measures page: figures for social workers and managers, never a code; filters
that fall back to their defaults instead of failing."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.housing.models import Destination, ProgrammeType
from centre.housing.routes.measures import chart
from centre.housing.services.measures import Occupancy, ProgrammeInfo, StepInfo
from tests import factories
from tests.conftest import LoggedIn
from tests.housing.conftest import programme, stay

EN = {"Accept-Language": "en"}
PERIOD = "start=2025-03-01&end=2025-03-10"


@pytest.fixture
def codes(session: Session, app: Flask) -> list[str]:
    """Three persons' stays around March 2025, in a shelter of 2 beds and one Housing First
    flat; returns their codes.

    Crisis beds, nights 1-10 March: p1 1-4 (leaves on the 5th for the street), p2 3-10
    (still there): 4 + 8 = 12 of 20 nights, 60.0 %. Flats, 1 unit: p3, there since June
    2024, 10 of 10 nights. All: 22 of 30, 73.3 %. One stay ended: p1, 4 nights.
    """
    worker = factories.user(session, app, role=Role.SOCIAL_WORKER).id
    crisis = programme(session, name="Crisis beds", beds=2)
    flats = programme(
        session, name="Flats", type=ProgrammeType.HOUSING_FIRST, beds=None, capacity=1
    )
    people = [factories.person(session, actor_id=worker) for _ in range(3)]
    for person, where, entry, exit_on, destination in (
        (people[0], crisis, date(2025, 3, 1), date(2025, 3, 5), Destination.STREET),
        (people[1], crisis, date(2025, 3, 3), None, None),
        (people[2], flats, date(2024, 6, 1), None, None),
    ):
        stay(
            session,
            person_id=person.id,
            programme=where,
            actor_id=worker,
            entry_on=entry,
            exit_on=exit_on,
            destination=destination,
        )
    session.commit()
    return [p.code for p in people]


def cells(html: str, testid: str) -> list[list[str]]:
    """The text of each row's cells in the table marked `data-testid`."""
    table = re.search(rf'data-testid="{testid}".*?</table>', html, re.S)
    assert table, f"no table {testid}"
    rows = re.findall(r"<tr>(.*?)</tr>", table.group(0), re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


@pytest.mark.parametrize("role", [Role.SOCIAL_WORKER, Role.MANAGER])
def test_the_figures_without_a_single_code(
    role: Role, codes: list[str], login_as: Callable[..., LoggedIn]
) -> None:
    response = login_as(role).get(f"/housing/measures?{PERIOD}", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    occupancy = cells(html, "occupancy")
    assert occupancy[1][:6] == ["Crisis beds", "Emergency shelter", "2", "12", "20", "60.0%"]
    assert occupancy[2][:6] == ["Flats", "Housing First", "1", "10", "10", "100.0%"]
    assert occupancy[3][-4:] == ["22", "30", "73.3%", ""]
    assert cells(html, "lengths")[-1] == ["All programmes shown", "1", "4", "4"]
    assert ["Homeless situation", "1", "100.0%"] in cells(html, "exit-groups")
    assert "Share of places used each night, from 50.0% to 100.0%." in html  # Crisis beds
    for code in codes:
        assert code not in html
    french = login_as(role).get(f"/housing/measures?{PERIOD}", headers={"Accept-Language": "fr"})
    assert "60,0\u00a0%" in french.get_data(as_text=True)  # the locale's own percent


def test_a_programme_alone_and_the_csv_export(
    codes: list[str], login_as: Callable[..., LoggedIn]
) -> None:
    manager = login_as(Role.MANAGER)
    page = manager.get(f"/housing/measures?{PERIOD}", headers=EN).get_data(as_text=True)
    flats = re.search(r'<option value="(\d+)"[^>]*>Flats</option>', page)
    assert flats
    alone = manager.get(f"/housing/measures?{PERIOD}&programme={flats[1]}", headers=EN)
    rows = cells(alone.get_data(as_text=True), "occupancy")
    assert [r[0] for r in rows[1:-1]] == ["Flats"]
    by_type = manager.get(f"/housing/measures?{PERIOD}&programme=type:emergency_shelter")
    assert [r[0] for r in cells(by_type.get_data(as_text=True), "occupancy")[1:-1]] == [
        "Crisis beds"
    ]

    export = manager.get(f"/housing/measures?{PERIOD}&format=csv", headers=EN)
    assert export.status_code == 200 and export.mimetype == "text/csv"
    text = export.get_data(as_text=True)
    assert "Occupancy,Crisis beds,Nights used,12\r\n" in text
    assert "Occupancy per night,Crisis beds,2025-03-03,2/2\r\n" in text
    assert all(code not in text for code in codes)


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.ADMIN])
def test_reception_and_administrators_are_refused(
    role: Role, login_as: Callable[..., LoggedIn]
) -> None:
    assert login_as(role).get("/housing/measures").status_code == 403


@pytest.mark.parametrize(
    ("query", "messages"),
    [
        (
            "start=garbage&end=2020-13-45&programme=abc",
            ["Not a valid date value.", "Not a programme of the list."],
        ),
        ("start=2025-03-10&end=2025-03-01", ["The period ends before it starts."]),
        ("start=1999-12-31", ["A date from 2000 on."]),
        ("end=2999-01-01", ["No later than today"]),
        ("start=2005-01-01&end=2025-01-01", ["At most ten years at a time."]),
        ("programme=type:nonsense", ["Not a programme of the list."]),
        ("programme=99999999999999999999", ["Not a programme of the list."]),
        ("programme=%00", ["Not a programme of the list."]),
    ],
)
def test_bad_filters_are_told_and_the_defaults_shown(
    query: str, messages: list[str], codes: list[str], login_as: Callable[..., LoggedIn]
) -> None:
    response = login_as(Role.MANAGER).get(f"/housing/measures?{query}", headers=EN)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in messages:
        assert message in html
    assert 'data-testid="period"' in html  # the page, with the default period's figures


def test_the_default_period_is_the_last_twelve_complete_months(
    login_as: Callable[..., LoggedIn],
) -> None:
    response = login_as(Role.SOCIAL_WORKER).get("/housing/measures", headers=EN)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No programme to measure" in html and "No stay ended in the period." in html
    start = re.search(r'name="start"[^>]*value="([\d-]+)"', html)
    end = re.search(r'name="end"[^>]*value="([\d-]+)"', html)
    assert start and end
    first, last = date.fromisoformat(start[1]), date.fromisoformat(end[1])
    assert first.day == 1 and (last.month % 12) + 1 == first.month
    assert (last - first).days in (364, 365)


def test_the_chart_groups_nights_beyond_a_year() -> None:
    step = StepInfo(1, "emergency", 10, "urgence", "nood", "emergency")
    shelter = ProgrammeInfo(1, "Crisis beds", ProgrammeType.EMERGENCY_SHELTER, 2, True, True, step)
    # 800 nights, one of two beds used each night but a full house on the first three.
    used = (2, 2, 2, *([1] * 797))
    drawn = chart(Occupancy(shelter, date(2020, 1, 1), used, (2,) * 800))
    assert (drawn.nights_per_column, drawn.width) == (3, 267)  # ceil(800 / 366) nights each
    assert (drawn.lowest, drawn.highest) == (0.5, 1.0)
    assert drawn.path.startswith("M0,40V0.0H1V20.0H2") and drawn.path.endswith("H267V40Z")
    assert chart(Occupancy(shelter, date(2020, 1, 1), (0,), (0,))).lowest is None
