"""The bed board's pages: tonight's beds, a bed for a code in one step, the last bed raced for."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.housing.models import BedBlock, Destination, ProgrammeType, Stay
from centre.housing.routes import board as board_routes
from centre.housing.services import stays as stay_services
from centre.people.models import Person
from tests import factories
from tests.conftest import LoggedIn, reread
from tests.housing.conftest import programme, stay

TOKEN_RE = re.compile(r'name="p(\d+)-form_token"[^>]*value="([^"]+)"')


@pytest.fixture
def night(app: Flask) -> date:
    """Tonight as the board counts it: reception's shift day."""
    with app.test_request_context():
        return board_routes.tonight()


@pytest.fixture
def reception(login_as: Callable[..., LoggedIn]) -> LoggedIn:
    return login_as(Role.RECEPTION).in_english()


def a_person(session: Session, by: LoggedIn) -> Person:
    made = factories.person(session, actor_id=by.user.id)
    session.commit()
    return made


def allocate(as_user: LoggedIn, programme_id: int, **fields: Any) -> Any:
    page = as_user.get("/housing/board").get_data(as_text=True)
    tokens = dict(TOKEN_RE.findall(page))
    data = {f"p{programme_id}-form_token": tokens.get(str(programme_id), "")}
    data.update({f"p{programme_id}-{name}": value for name, value in fields.items()})
    data.setdefault(f"p{programme_id}-override_reason", "")
    return as_user.post(f"/housing/board/programmes/{programme_id}/allocate", data)


def test_reception_gives_a_bed_to_a_code_in_one_step(
    session: Session, reception: LoggedIn, night: date
) -> None:
    crisis = programme(session, beds=2)
    person = a_person(session, reception)
    response = allocate(reception, crisis.id, code=person.code)
    assert response.status_code == 302
    page = reception.get("/housing/board").get_data(as_text=True)
    assert f"Bed 1 given to {person.code} for tonight." in page
    reread(session)
    made = session.scalars(select(Stay)).one()
    assert (made.entry_on, made.bed_id) == (night, crisis.beds[0].id)


def test_a_mistyped_code_or_a_full_board_keeps_the_input_and_says_why(
    session: Session, reception: LoggedIn
) -> None:
    crisis = programme(session, beds=1)
    session.commit()
    response = allocate(reception, crisis.id, code="K7MQ-3XZ")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A code has 8 characters" in page and 'value="K7MQ-3XZ"' in page
    first, second = a_person(session, reception), a_person(session, reception)
    assert allocate(reception, crisis.id, code=first.code).status_code == 302
    refused = allocate(reception, crisis.id, code=second.code)
    assert refused.status_code == 422
    assert "No free bed tonight." in refused.get_data(as_text=True)


def test_the_maximum_stay_warns_and_needs_a_reason_to_override(
    session: Session, reception: LoggedIn, night: date
) -> None:
    crisis = programme(session, beds=2, max_nights=2)
    person = a_person(session, reception)
    stay(session, person_id=person.id, programme=crisis, actor_id=reception.user.id,
         entry_on=night - timedelta(days=2), exit_on=night,
         destination=Destination.STREET)  # fmt: skip
    session.commit()
    warned = allocate(reception, crisis.id, code=person.code)
    assert warned.status_code == 422
    page = warned.get_data(as_text=True)
    assert 'data-testid="max-stay-warning"' in page
    assert "spent 2 nights on this stay; the maximum is 2" in page
    assert f'value="{person.code}"' in page  # the input is kept
    reread(session)
    assert session.scalar(select(func.count()).select_from(Stay).where(Stay.exit_on.is_(None))) == 0
    token = dict(TOKEN_RE.findall(page))[str(crisis.id)]
    given = reception.post(
        f"/housing/board/programmes/{crisis.id}/allocate",
        {
            f"p{crisis.id}-form_token": token,
            f"p{crisis.id}-code": person.code,
            f"p{crisis.id}-override_reason": "cold_weather",
        },
    )
    assert given.status_code == 302
    reread(session)
    made = session.scalars(select(Stay).where(Stay.exit_on.is_(None))).one()
    assert made.override_reason is not None and made.override_reason.value == "cold_weather"


def test_posting_the_allocation_twice_gives_one_bed(session: Session, reception: LoggedIn) -> None:
    crisis = programme(session, beds=2)
    person = a_person(session, reception)
    page = reception.get("/housing/board").get_data(as_text=True)
    token = dict(TOKEN_RE.findall(page))[str(crisis.id)]
    data = {f"p{crisis.id}-form_token": token, f"p{crisis.id}-code": person.code,
            f"p{crisis.id}-override_reason": ""}  # fmt: skip
    assert (
        reception.post(f"/housing/board/programmes/{crisis.id}/allocate", data).status_code == 302
    )
    again = reception.post(f"/housing/board/programmes/{crisis.id}/allocate", data)
    assert again.status_code in (302, 409, 422)
    reread(session)
    assert session.scalar(select(func.count()).select_from(Stay)) == 1


@pytest.mark.parametrize("choose_the_bed", [True, False])
def test_two_terminals_racing_for_the_last_bed_one_wins_the_other_is_told(
    session: Session,
    login_as: Callable[..., LoggedIn],
    monkeypatch: pytest.MonkeyPatch,
    choose_the_bed: bool,
) -> None:
    crisis = programme(session, beds=1)
    first, second = login_as(Role.RECEPTION).in_english(), login_as(Role.SOCIAL_WORKER).in_english()
    people = [a_person(session, first), a_person(session, first)]
    bed_id = crisis.beds[0].id
    pages = [u.get("/housing/board").get_data(as_text=True) for u in (first, second)]
    tokens = [dict(TOKEN_RE.findall(page))[str(crisis.id)] for page in pages]
    # Both requests find the bed free before either writes: the race, made certain.
    both_looked = threading.Barrier(2, timeout=10)
    looked_up = stay_services.free_beds

    def free_beds_then_wait(*args: Any, **kwargs: Any) -> Any:
        found = looked_up(*args, **kwargs)
        both_looked.wait()
        return found

    monkeypatch.setattr(stay_services, "free_beds", free_beds_then_wait)
    answers: list[Any] = [None, None]

    def post(index: int, as_user: LoggedIn) -> None:
        data = {
            f"p{crisis.id}-form_token": tokens[index],
            f"p{crisis.id}-code": people[index].code,
            f"p{crisis.id}-override_reason": "",
        }
        if choose_the_bed:
            data[f"p{crisis.id}-bed"] = str(bed_id)
        answers[index] = as_user.post(f"/housing/board/programmes/{crisis.id}/allocate", data)

    threads = [threading.Thread(target=post, args=(i, u)) for i, u in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [302, 409]
    loser = next(answer for answer in answers if answer.status_code == 409)
    assert "That bed was given to someone else a moment ago" in loser.get_data(as_text=True)
    reread(session)
    assert session.scalar(select(func.count()).select_from(Stay)) == 1


def test_release_and_block_and_unblock(session: Session, reception: LoggedIn, night: date) -> None:
    crisis = programme(session, beds=2)
    person = a_person(session, reception)
    allocate(reception, crisis.id, code=person.code)
    reread(session)
    made = session.scalars(select(Stay)).one()
    released = reception.post(
        f"/housing/board/stays/{made.id}/release",
        {"version": made.version, "destination": "night_shelter"},
    )
    assert released.status_code == 302
    reread(session)
    made = session.get(Stay, made.id)  # type: ignore[assignment]
    assert (made.exit_on, made.destination) == (night, Destination.NIGHT_SHELTER)
    bed = crisis.beds[1]
    assert (
        reception.post(f"/housing/board/beds/{bed.id}/block", {"reason": "repair"}).status_code
        == 302
    )
    page = reception.get("/housing/board").get_data(as_text=True)
    assert f'data-state="blocked" data-testid="bed-{crisis.id}-2"' in page
    reread(session)
    assert session.scalar(select(func.count()).select_from(BedBlock)) == 1
    assert reception.post(f"/housing/board/beds/{bed.id}/unblock", {}).status_code == 302
    reread(session)
    # Blocked and unblocked the same night: no night was lost, no block is left.
    assert session.scalar(select(func.count()).select_from(BedBlock)) == 0


def test_managers_see_counts_never_codes(
    session: Session, reception: LoggedIn, login_as: Callable[..., LoggedIn]
) -> None:
    crisis = programme(session, beds=2)
    person = a_person(session, reception)
    allocate(reception, crisis.id, code=person.code)
    manager = login_as(Role.MANAGER).in_english()
    page = manager.get("/housing/board")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "1 free, 1 occupied, 0 blocked" in text
    assert person.code not in text and "/allocate" not in text
    assert manager.post(f"/housing/board/programmes/{crisis.id}/allocate", {}).status_code == 403


def test_only_night_by_night_programmes_are_allocated_on_the_board(
    session: Session, reception: LoggedIn
) -> None:
    transit = programme(session, name="Transit", type=ProgrammeType.TRANSIT_HOME, beds=2)
    session.commit()
    assert allocate(reception, transit.id, code="K7MQ-3XZ9").status_code == 404
    assert reception.post("/housing/board/programmes/999999/allocate", {}).status_code == 404
    assert reception.post("/housing/board/stays/999999/release", {}).status_code == 404
    assert reception.post("/housing/board/beds/999999/block", {}).status_code == 404


def test_an_earlier_night_is_shown_read_only_and_a_bad_night_falls_back_to_tonight(
    session: Session, reception: LoggedIn, night: date
) -> None:
    crisis = programme(session, beds=1)
    session.commit()
    yesterday = (night - timedelta(days=1)).isoformat()
    earlier = reception.get(f"/housing/board?night={yesterday}").get_data(as_text=True)
    assert f"/housing/board/programmes/{crisis.id}/allocate" not in earlier
    for bad in ("garbage", "2026-13-45", "1900-01-01", "9999-12-31"):
        page = reception.get(f"/housing/board?night={bad}")
        assert page.status_code == 200
        assert f"/housing/board/programmes/{crisis.id}/allocate" in page.get_data(as_text=True)


def test_release_and_block_each_ask_first_on_a_page_of_their_own(
    session: Session, reception: LoggedIn, night: date
) -> None:
    crisis = programme(session, beds=2)
    person = a_person(session, reception)
    allocate(reception, crisis.id, code=person.code)
    reread(session)
    made = session.scalars(select(Stay)).one()
    board = reception.get("/housing/board").get_data(as_text=True)
    assert f'href="/housing/board/stays/{made.id}/release"' in board
    asked = reception.get(f"/housing/board/stays/{made.id}/release").get_data(as_text=True)
    assert person.code in asked and 'name="destination"' in asked
    refused = reception.post(
        f"/housing/board/stays/{made.id}/release",
        {"version": made.version, "destination": "the moon"},
    )
    assert refused.status_code == 422
    reread(session)
    assert session.get_one(Stay, made.id).exit_on is None  # nothing changed
    bed = crisis.beds[1]
    assert "Block bed 2" in reception.get(f"/housing/board/beds/{bed.id}/block").get_data(
        as_text=True
    )
    assert reception.post(f"/housing/board/beds/{bed.id}/block", {"reason": "x"}).status_code == 422
    reread(session)
    assert session.scalar(select(func.count()).select_from(BedBlock)) == 0
