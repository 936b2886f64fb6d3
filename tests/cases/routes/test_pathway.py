"""The pathway page: labelled rows with links, pages past the first, an empty state."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.cases.models import GoalStatus, LifeDomain
from centre.cases.services import cases as case_services
from centre.cases.services import goals as goal_services
from centre.cases.services.pathway import PER_PAGE
from tests.cases.conftest import Office
from tests.cases.services.test_pathway import T0, visit
from tests.conftest import LoggedIn

EN = {"Accept-Language": "en"}


def test_an_empty_pathway_says_so(office: Office) -> None:
    html = office.worker.get(f"/cases/people/{office.person.code}/pathway", headers=EN)
    assert html.status_code == 200
    assert "Nothing recorded for this person yet." in html.get_data(as_text=True)


def test_the_case_and_goal_show_in_words_with_links(session: Session, office: Office) -> None:
    me = office.worker.user.id
    case_file = case_services.open_case(
        session, actor_id=me, person=office.person, key_worker_id=me
    )
    goal = goal_services.add_goal(
        session,
        actor_id=me,
        case_file=case_file,
        data=goal_services.GoalInput(
            domain=LifeDomain.HEALTH, title="Find a GP", agreed_on=T0.date()
        ),
    )
    assert goal.status is GoalStatus.PROPOSED
    visit(session, office, office.person.id, 0)
    session.commit()
    code = office.person.code
    html = office.worker.get(f"/cases/people/{code}/pathway", headers=EN).get_data(as_text=True)
    goal_row = html.index('data-source="goal"')
    case_row = html.index('data-source="case"')
    visit_row = html.index('data-source="visit"')
    assert goal_row < case_row < visit_row  # newest first
    assert "Health: Find a GP" in html and "Proposed" in html and "Case opened" in html
    assert f'href="/cases/people/{code}#goal-{goal.id}"' in html
    assert office.worker.user.username in html


def test_a_long_pathway_pages(session: Session, office: Office) -> None:
    first = visit(session, office, office.person.id, 0)
    for hours in range(1, PER_PAGE + 5):
        visit(session, office, office.person.id, hours, site_id=first.site_id)
    session.commit()
    url = f"/cases/people/{office.person.code}/pathway"
    one = office.worker.get(url, headers=EN).get_data(as_text=True)
    assert one.count('data-source="visit"') == PER_PAGE and "Page 1 of 2" in one
    assert f'href="{url}?page=2"' in one
    two = office.worker.get(f"{url}?page=2", headers=EN).get_data(as_text=True)
    assert two.count('data-source="visit"') == 5 and "Page 2 of 2" in two
    assert office.worker.get(f"{url}?page=x", headers=EN).status_code == 200


def test_unknown_code_and_other_roles(office: Office, login_as: Callable[..., LoggedIn]) -> None:
    assert office.worker.get("/cases/people/ZZZZ-0000/pathway").status_code == 404
    for role in (Role.RECEPTION, Role.MANAGER, Role.ADMIN):
        other = login_as(role)
        assert other.get(f"/cases/people/{office.person.code}/pathway").status_code == 403
