"""A case's goals: checked dates and wording, history of each change, closed cases frozen."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.orm import Session

from centre.cases.models import ClosureReason, GoalStatus, LifeDomain
from centre.cases.services import cases as case_services
from centre.cases.services import goals as services
from centre.validation import ChangedSinceOpenedError, FieldErrors
from tests.cases.conftest import Office

GOAL = services.GoalInput(
    domain=LifeDomain.HOUSING, title="Apply for a social flat", agreed_on=date(2026, 11, 1)
)


def test_a_goal_is_added_and_each_change_kept(session: Session, office: Office) -> None:
    actor = office.worker.user.id
    case_file = case_services.open_case(
        session, actor_id=actor, person=office.person, key_worker_id=actor
    )
    goal = services.add_goal(session, actor_id=actor, case_file=case_file, data=GOAL)
    assert goal.status is GoalStatus.PROPOSED and len(goal.changes) == 1
    moved = services.GoalInput(
        domain=LifeDomain.HOUSING,
        title="Apply for a social flat",
        agreed_on=date(2026, 11, 1),
        target_on=date(2027, 3, 1),
        next_review_on=date(2026, 12, 15),
        status=GoalStatus.IN_PROGRESS,
    )
    assert services.update_goal(
        session, actor_id=actor, goal=goal, data=moved, version=goal.version
    )
    assert not services.update_goal(
        session, actor_id=actor, goal=goal, data=moved, version=goal.version
    )
    assert [c.status for c in goal.changes] == [GoalStatus.PROPOSED, GoalStatus.IN_PROGRESS]
    assert goal.changes[-1].target_on == date(2027, 3, 1)
    with pytest.raises(ChangedSinceOpenedError):
        services.update_goal(session, actor_id=actor, goal=goal, data=GOAL, version=1)


def test_bad_goals_are_refused_field_by_field(session: Session, office: Office) -> None:
    actor = office.worker.user.id
    case_file = case_services.open_case(
        session, actor_id=actor, person=office.person, key_worker_id=actor
    )
    bad = services.GoalInput(
        domain=None,
        title="x" * 121,
        agreed_on=date(2026, 11, 1),
        target_on=date(2026, 10, 1),
        next_review_on=date(2099, 1, 1),
    )
    with pytest.raises(FieldErrors) as caught:
        services.add_goal(session, actor_id=actor, case_file=case_file, data=bad)
    problems = caught.value
    assert problems.codes("domain") == ["required"]
    assert problems.codes("title") == ["length"]
    assert problems.codes("target_on") == ["before_agreed"]
    assert problems.codes("next_review_on") == ["date_too_far"]


def test_the_plan_of_a_closed_case_is_frozen(session: Session, office: Office) -> None:
    actor = office.worker.user.id
    case_file = case_services.open_case(
        session, actor_id=actor, person=office.person, key_worker_id=actor
    )
    goal = services.add_goal(session, actor_id=actor, case_file=case_file, data=GOAL)
    case_services.close_case(
        session,
        actor_id=actor,
        case_file=case_file,
        closed_on=case_file.opened_on,
        reason=ClosureReason.GOALS_REACHED,
        version=case_file.version,
    )
    with pytest.raises(FieldErrors) as closed:
        services.add_goal(session, actor_id=actor, case_file=case_file, data=GOAL)
    assert closed.value.codes("case") == ["case_closed"]
    with pytest.raises(FieldErrors):
        services.update_goal(session, actor_id=actor, goal=goal, data=GOAL, version=goal.version)
