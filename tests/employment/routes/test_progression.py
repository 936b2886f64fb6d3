"""A person's progression page: phases recorded once each, shown on the pathway."""

from __future__ import annotations

import re
from collections.abc import Callable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.cases.services.cases import today_in_brussels
from centre.employment.models import PhaseStep
from tests import factories
from tests.conftest import LoggedIn, reread
from tests.employment.conftest import phase

TOKEN_RE = re.compile(r'name="form_token"[^>]*value="([^"]+)"')


def test_a_phase_recorded_once_and_shown_on_the_pathway(
    session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    worker = login_as(Role.SOCIAL_WORKER)
    worker.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    person = factories.person(session, actor_id=worker.user.id)
    regular = phase(session, "regular_day_jobs")
    session.commit()
    url = f"/employment/people/{person.code}/phases"
    token = TOKEN_RE.search(worker.get(url).get_data(as_text=True))
    assert token
    data = {"form_token": token.group(1), "phase": regular.id,
            "reached_on": today_in_brussels().isoformat()}  # fmt: skip
    assert worker.post(url, data).status_code == 302
    again = worker.post(url, {**data, "form_token": ""})
    assert again.status_code == 422
    assert "reached this phase already" in again.get_data(as_text=True)
    future = worker.post(url, {**data, "form_token": "", "reached_on": "2999-01-01"})
    assert future.status_code == 422
    reread(session)
    assert session.scalar(select(func.count()).select_from(PhaseStep)) == 1
    pathway = worker.get(f"/cases/people/{person.code}/pathway").get_data(as_text=True)
    assert 'data-phase="regular_day_jobs"' in pathway
    assert worker.get("/employment/people/NOPE/phases").status_code == 404


def test_only_social_workers_record_phases(
    session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    desk = login_as(Role.RECEPTION)
    person = factories.person(session, actor_id=desk.user.id)
    session.commit()
    assert desk.get(f"/employment/people/{person.code}/phases").status_code == 403
