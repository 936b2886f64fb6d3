"""The quick view tells reception whether someone follows the person, and nothing more."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.cases.models import LifeDomain
from centre.cases.services import cases, goals
from tests import factories
from tests.reception.conftest import Desk

EN = {"Accept-Language": "en"}


def test_the_quick_view_shows_an_open_case_and_its_key_worker_only(
    desk: Desk, session: Session, app: Flask
) -> None:
    url = f"/reception/people/{desk.person.code}"
    html = desk.staff.get(url, headers=EN).get_data(as_text=True)
    assert '<dd data-testid="open-case">no</dd>' in html
    worker = factories.user(session, app, role=Role.SOCIAL_WORKER, username="kw.ana")
    case_file = cases.open_case(
        session, actor_id=worker.id, person=desk.person, key_worker_id=worker.id
    )
    goals.add_goal(
        session,
        actor_id=worker.id,
        case_file=case_file,
        data=goals.GoalInput(
            domain=LifeDomain.HOUSING,
            title="Secret plan wording",
            agreed_on=case_file.opened_on,
        ),
    )
    session.commit()
    html = desk.staff.get(url, headers=EN).get_data(as_text=True)
    assert "yes, key worker: kw.ana" in html
    assert "Secret plan wording" not in html
    assert desk.staff.get(f"/cases/people/{desk.person.code}").status_code == 403
