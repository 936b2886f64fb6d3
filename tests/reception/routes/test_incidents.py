"""Incidents, the handover log, the person quick view and the member card."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.reception.models import HandoverEntry, Incident
from tests.conftest import LoggedIn, reread
from tests.reception.conftest import Desk

EN = {"Accept-Language": "en"}


def test_overdose_with_naloxone_and_ambulance(desk: Desk, session: Session) -> None:
    desk.staff.get("/reception/incidents/new?kind=overdose")
    response = desk.staff.post(
        "/reception/incidents/new",
        {
            "kind": "overdose",
            "code": desk.person.code,
            "naloxone_doses": "2",
            "ambulance_called": "y",
            "outcome": "hospital",
            "description": "found in the toilets, responded to second dose",
        },
    )
    assert response.status_code == 302
    reread(session)
    incident = session.scalars(select(Incident)).one()
    assert incident.person_id == desk.person.id and incident.naloxone_doses == 2
    assert incident.ambulance_called and incident.hospital_transfer
    html = desk.staff.get("/reception/incidents", headers=EN).get_data(as_text=True)
    assert "Overdose" in html and desk.person.code in html
    html = desk.staff.get("/reception", headers=EN).get_data(as_text=True)
    assert 'data-total="incident-overdose">1<' in html


def test_incident_bad_input_is_explained_and_kept(desk: Desk, session: Session) -> None:
    desk.staff.get("/reception/incidents/new")
    response = desk.staff.post(
        "/reception/incidents/new",
        {
            "kind": "aggression",
            "naloxone_doses": "3",
            "code": "K7MQ",
            "description": "kept text",
            "outcome": "unknown",
        },
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Naloxone goes with an overdose" in html and "A code has 8 characters" in html
    assert "kept text" in html
    response = desk.staff.post(
        "/reception/incidents/new",
        {"kind": "overdose", "naloxone_doses": "25", "outcome": "unknown"},
        headers=EN,
    )
    assert response.status_code == 422
    reread(session)
    assert session.scalars(select(Incident)).all() == []


def test_open_incident_shows_in_quick_view_until_closed(desk: Desk, session: Session) -> None:
    desk.staff.get("/reception/incidents/new")
    desk.staff.post(
        "/reception/incidents/new",
        {
            "kind": "medical_emergency",
            "code": desk.person.code,
            "outcome": "unknown",
            "naloxone_doses": "0",
        },
    )
    reread(session)
    incident = session.scalars(select(Incident)).one()
    html = desk.staff.get(f"/reception/people/{desk.person.code}", headers=EN).get_data(
        as_text=True
    )
    assert "Open incidents" in html and "no consent" in html
    desk.staff.post(
        f"/reception/incidents/{incident.id}",
        {
            "kind": "medical_emergency",
            "code": desk.person.code,
            "outcome": "recovered_on_site",
            "naloxone_doses": "0",
            "closed": "y",
        },
    )
    html = desk.staff.get(f"/reception/people/{desk.person.code}", headers=EN).get_data(
        as_text=True
    )
    assert "Open incidents" not in html


def test_quick_view_shows_last_visits_and_material(desk: Desk) -> None:
    form = desk.visit_form(code=desk.person.code, **{f"supply-{desk.condom.id}": "6"})
    desk.staff.post("/reception/visits", form)
    html = desk.staff.get(f"/reception/people/{desk.person.code}", headers=EN).get_data(
        as_text=True
    )
    assert "6 × condom en" in html
    card = desk.staff.get(f"/reception/people/{desk.person.code}/card").get_data(as_text=True)
    assert desk.person.code in card and 'src="data:image/svg+xml' in card


def test_lookup_goes_to_the_quick_view_or_explains(desk: Desk) -> None:
    response = desk.staff.get(f"/reception/lookup?code={desk.person.code.lower()}")
    assert response.headers["Location"].endswith(f"/reception/people/{desk.person.code}")
    response = desk.staff.get("/reception/lookup?code=nope", follow_redirects=True, headers=EN)
    assert "This code is mistyped" in response.get_data(as_text=True)


def test_handover_written_searched_and_marked_read_by_the_next_shift(
    desk: Desk, session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    desk.staff.get("/reception/handover")
    assert (
        desk.staff.post(
            "/reception/handover", {"body": "Fridge broken, call the technician"}
        ).status_code
        == 302
    )
    response = desk.staff.post("/reception/handover", {"body": "   "}, headers=EN)
    assert response.status_code == 422
    html = desk.staff.get("/reception/handover", headers=EN).get_data(as_text=True)
    assert "No names here, ever" in html and "Fridge broken" in html
    assert "Mark as read" not in html  # not for the author
    assert "Fridge" not in desk.staff.get("/reception/handover?q=heating").get_data(as_text=True)
    assert "Fridge" in desk.staff.get("/reception/handover?q=FRIDGE").get_data(as_text=True)
    assert desk.staff.get("/reception/handover?q=100%25").status_code == 200

    next_shift = login_as(Role.SOCIAL_WORKER)
    html = next_shift.get("/reception").get_data(as_text=True)
    assert 'class="badge"' in html  # one unread note
    entry_id = session.scalars(select(HandoverEntry.id)).one()
    next_shift.post(f"/reception/handover/{entry_id}/read")
    reread(session)
    entry = session.get(HandoverEntry, entry_id)
    assert entry is not None and entry.read_by_id == next_shift.user.id


def test_the_lookup_box_on_the_reception_screen_opens_the_quick_view(desk: Desk) -> None:
    html = desk.staff.get("/reception").get_data(as_text=True)
    assert 'action="/reception/lookup"' in html and 'id="lookup-code"' in html


def test_a_backdated_incident_is_listed_in_the_shift_it_happened_in(
    desk: Desk, session: Session
) -> None:
    from datetime import timedelta

    from centre.db import utcnow
    from centre.i18n import BRUSSELS

    yesterday = (utcnow() - timedelta(days=1)).astimezone(BRUSSELS)
    desk.staff.get("/reception/incidents/new")
    response = desk.staff.post(
        "/reception/incidents/new",
        {
            "kind": "aggression",
            "occurred_at": yesterday.strftime("%Y-%m-%dT%H:%M"),
            "outcome": "unknown",
            "naloxone_doses": "0",
            "description": "backdated",
        },
    )
    assert response.status_code == 302
    reread(session)
    incident = session.scalars(select(Incident)).one()
    # Saving leads to the list of the shift it happened in, where it is listed.
    where = response.headers["Location"]
    assert f"day={incident.shift_day.isoformat()}" in where
    html = desk.staff.get(where, headers=EN).get_data(as_text=True)
    assert f"/reception/incidents/{incident.id}" in html.split('data-testid="shift-incidents"')[1]
    # Still open, it also shows under the current shift until someone closes it.
    html = desk.staff.get("/reception/incidents", headers=EN).get_data(as_text=True)
    assert "Still open from earlier shifts" in html
    assert f"/reception/incidents/{incident.id}" in html.split('data-testid="still-open"')[1]
    # Walking back shift by shift from today reaches it too.
    page = "/reception/incidents"
    for _ in range(6):
        html = desk.staff.get(page, headers=EN).get_data(as_text=True)
        if f'href="/reception/incidents/{incident.id}"' in html.split("Still open")[0]:
            break
        page = html.split('rel="prev" href="')[1].split('"')[0].replace("&amp;", "&")
    else:
        raise AssertionError("the incident's shift is not reachable by 'Previous shift'")


@pytest.mark.parametrize("query", ["day=9999-12-31&shift=0", "day=2026-02-30", "day=x&shift=99"])
def test_odd_shift_choices_show_the_current_shift(desk: Desk, query: str) -> None:
    response = desk.staff.get(f"/reception/incidents?{query}", headers=EN)
    assert response.status_code == 200 and "Incidents this shift" in response.get_data(as_text=True)


def test_the_incident_form_asks_about_hospital_once(desk: Desk) -> None:
    for language in ("en", "fr", "nl"):
        html = desk.staff.get(
            "/reception/incidents/new", headers={"Accept-Language": language}
        ).get_data(as_text=True)
        hospital = {"en": "Taken to hospital", "fr": "hôpital", "nl": "ziekenhuis"}[language]
        assert html.count(hospital) == 1, language
