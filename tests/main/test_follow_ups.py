"""A social worker's home page: their due and overdue referral follow-ups, no one else's."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from centre.auth.models import Role, User
from centre.cases.models import Referral, Urgency
from centre.cases.services import referrals
from centre.directory.models import Partner, PartnerKind
from centre.people.models import Person
from tests import factories
from tests.conftest import LoggedIn

EN = {"Accept-Language": "en"}
TITLE = "Due and overdue follow-ups"


def referral_due(
    session: Session, app: Flask, worker: User, person: Person, days_from_today: int
) -> Referral:
    partner = Partner(name=f"Partenaire {days_from_today:+d}", kind=PartnerKind.HOUSING)
    session.add(partner)
    session.flush()
    today = referrals.today()
    return referrals.make_referral(
        session,
        app.extensions["centre.privacy"],
        actor_id=worker.id,
        person=person,
        data=referrals.ReferralInput(
            partner_id=partner.id,
            help=PartnerKind.HOUSING,
            referred_on=today - timedelta(days=10),
            urgency=Urgency.ROUTINE,
            follow_up_on=today + timedelta(days=days_from_today),
        ),
        today=today,
    )


def home(client: LoggedIn) -> str:
    response = client.get("/", headers=EN)
    assert response.status_code == 200
    return str(response.get_data(as_text=True))


def test_due_and_overdue_follow_ups_are_on_the_workers_home_page_only(
    login_as: Callable[..., LoggedIn], session: Session, app: Flask
) -> None:
    worker = login_as(Role.SOCIAL_WORKER)
    colleague = login_as(Role.SOCIAL_WORKER)
    person = factories.person(session, actor_id=worker.user.id)
    referral_due(session, app, worker.user, person, -3)
    referral_due(session, app, worker.user, person, 0)
    referral_due(session, app, worker.user, person, 1)
    session.commit()
    html = home(worker)
    section = html.split(TITLE, 1)[1]
    assert "Partenaire -3" in section and "overdue" in section
    assert "Partenaire +0" in section and "today" in section
    assert "Partenaire +1" not in section, "not due yet"
    assert section.index("Partenaire -3") < section.index("Partenaire +0"), "most overdue first"
    assert person.code in section
    theirs = home(colleague)
    assert TITLE in theirs and "No follow-up due today." in theirs
    assert "Partenaire" not in theirs


def test_a_long_list_of_follow_ups_pages(
    login_as: Callable[..., LoggedIn], session: Session, app: Flask
) -> None:
    worker = login_as(Role.SOCIAL_WORKER)
    person = factories.person(session, actor_id=worker.user.id)
    for n in range(25):  # due 1 to 9 days ago (the referrals were made 10 days ago)
        referral_due(session, app, worker.user, person, -1 - n % 9)
    session.commit()
    first = home(worker).split(TITLE, 1)[1]
    assert first.count("Partenaire -") == 20 and "Page 1 of 2" in first
    assert first.count("Partenaire -9") == 2, "the most overdue on the first page"
    second = worker.get("/?page=2", headers=EN).get_data(as_text=True)
    assert second.count("Partenaire -") == 5 and "Page 2 of 2" in second


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.MANAGER, Role.ADMIN])
def test_other_roles_home_pages_stay_as_they_were(
    role: Role, login_as: Callable[..., LoggedIn]
) -> None:
    assert TITLE not in home(login_as(role))
