"""Phases of the progression to work: reached once each, dated, and on the pathway."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from centre.auth.models import Role, User
from centre.employment.models import Attendance
from centre.employment.services import progression
from centre.validation import FieldErrors
from tests import factories
from tests.conftest import LoggedIn
from tests.employment.conftest import offer, phase, signup

TODAY = date(2026, 11, 30)


@pytest.fixture
def worker(make_user: Callable[..., User]) -> User:
    return make_user(Role.SOCIAL_WORKER)


def test_a_phase_is_reached_once_on_a_past_date(session: Session, worker: User) -> None:
    person = factories.person(session, actor_id=worker.id)
    first, regular = phase(session, "first_day_jobs"), phase(session, "regular_day_jobs")
    progression.reach_phase(
        session, actor_id=worker.id, person=person, phase=regular, reached_on=TODAY, today=TODAY
    )
    progression.reach_phase(
        session,
        actor_id=worker.id,
        person=person,
        phase=first,
        reached_on=date(2026, 10, 1),
        today=TODAY,
    )
    assert [s.phase.key for s in progression.steps_of(session, person.id)] == [
        "first_day_jobs",
        "regular_day_jobs",
    ]
    with pytest.raises(FieldErrors) as again:
        progression.reach_phase(
            session, actor_id=worker.id, person=person, phase=first, reached_on=TODAY, today=TODAY
        )
    assert again.value.codes("phase") == ["phase_reached_already"]
    session.rollback()
    with pytest.raises(FieldErrors) as future:
        progression.reach_phase(
            session,
            actor_id=worker.id,
            person=person,
            phase=phase(session, "training"),
            reached_on=date(2026, 12, 1),
            today=TODAY,
        )
    assert future.value.codes("reached_on") == ["date_future"]


def test_the_pathway_shows_day_jobs_and_phases(
    session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    worker = login_as(Role.SOCIAL_WORKER)
    worker.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    person = factories.person(session, actor_id=worker.user.id)
    job = offer(session, supervisor_id=worker.user.id, on=TODAY)
    placed = signup(session, offer=job, person_id=person.id, by_id=worker.user.id)
    placed.attendance = Attendance.LEFT_EARLY
    progression.reach_phase(
        session,
        actor_id=worker.user.id,
        person=person,
        phase=phase(session),
        reached_on=TODAY,
        today=TODAY,
    )
    session.commit()
    page = worker.get(f"/cases/people/{person.code}/pathway").get_data(as_text=True)
    assert 'data-testid="work-phases"' in page and 'data-phase="first_day_jobs"' in page
    assert 'data-source="day_job"' in page and "Left early" in page and "cleaning en" not in page
    assert 'data-source="phase"' in page
