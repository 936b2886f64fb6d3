"""Goals through the pages: added once, changed with history, conflicts told."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.cases.models import Goal, GoalStatus
from centre.cases.services import cases as case_services
from tests.cases.conftest import Office
from tests.conftest import LoggedIn, reread

EN = {"Accept-Language": "en"}
TOKEN = re.compile(r'name="form_token" type="hidden" value="([^"]+)"')
VERSION = re.compile(r'name="version" type="hidden" value="(\d+)"')


def a_case(office: Office, session: Session) -> int:
    actor = office.worker.user.id
    case_file = case_services.open_case(
        session, actor_id=actor, person=office.person, key_worker_id=actor
    )
    session.commit()
    return case_file.id


def test_a_goal_added_twice_is_one_goal_and_shows_on_the_file(
    office: Office, session: Session
) -> None:
    case_id = a_case(office, session)
    page = office.worker.get(f"/cases/{case_id}/goals/new").get_data(as_text=True)
    token = TOKEN.search(page)
    assert token
    form = {
        "form_token": token.group(1),
        "domain": "health",
        "title": "Find a general practitioner",
        "status": "proposed",
        "agreed_on": "2026-11-20",
    }
    assert office.worker.post(f"/cases/{case_id}/goals/new", form).status_code == 302
    office.worker.post(f"/cases/{case_id}/goals/new", form)
    reread(session)
    assert len(session.scalars(select(Goal)).all()) == 1
    html = office.worker.get(f"/cases/people/{office.person.code}", headers=EN).get_data(
        as_text=True
    )
    assert "Find a general practitioner" in html and 'data-testid="goals"' in html


def test_a_bad_goal_is_explained_and_kept(office: Office, session: Session) -> None:
    case_id = a_case(office, session)
    office.worker.get(f"/cases/{case_id}/goals/new")
    response = office.worker.post(
        f"/cases/{case_id}/goals/new",
        {
            "domain": "",
            "title": "kept title",
            "status": "proposed",
            "agreed_on": "2026-11-20",
            "target_on": "2026-11-01",
        },
        headers=EN,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "before the day the goal was agreed" in html and 'value="kept title"' in html


def test_two_workers_editing_a_goal_the_second_keeps_their_input(
    office: Office, session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    case_id = a_case(office, session)
    office.worker.get(f"/cases/{case_id}/goals/new")
    office.worker.post(
        f"/cases/{case_id}/goals/new",
        {"domain": "health", "title": "GP", "status": "proposed", "agreed_on": "2026-11-20"},
    )
    reread(session)
    goal = session.scalars(select(Goal)).one()
    other = login_as(Role.SOCIAL_WORKER)
    mine = office.worker.get(f"/cases/goals/{goal.id}").get_data(as_text=True)
    version = VERSION.search(mine)
    assert version
    other.get(f"/cases/goals/{goal.id}")
    base = {"domain": "health", "agreed_on": "2026-11-20", "version": version.group(1)}
    assert (
        other.post(
            f"/cases/goals/{goal.id}", {**base, "title": "GP", "status": "in_progress"}
        ).status_code
        == 302
    )
    late = office.worker.post(
        f"/cases/goals/{goal.id}", {**base, "title": "my wording", "status": "reached"}, headers=EN
    )
    html = late.get_data(as_text=True)
    assert late.status_code == 422 and "Someone else saved this since you opened it" in html
    assert 'value="my wording"' in html
    reread(session)
    assert session.get_one(Goal, goal.id).status is GoalStatus.IN_PROGRESS
    history = office.worker.get(f"/cases/goals/{goal.id}", headers=EN).get_data(as_text=True)
    assert 'data-testid="goal-history"' in history and "In progress" in history
