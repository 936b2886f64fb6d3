"""The "sharing with partners" consent on the person's page: recorded, audited, withdrawn."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role
from centre.people.models import Consent, ConsentScope, Person
from tests import factories
from tests.conftest import LoggedIn, reread

EN = {"Accept-Language": "en"}


@pytest.mark.parametrize("role", [Role.RECEPTION, Role.SOCIAL_WORKER])
def test_the_sharing_consent_is_recorded_and_withdrawn_audited(
    role: Role, login_as: Callable[..., LoggedIn], session: Session
) -> None:
    staff = login_as(role)
    person = factories.person(session, actor_id=staff.user.id)
    session.commit()
    url = f"/people/{person.code}"
    html = staff.get(url, headers=EN).get_data(as_text=True)
    assert "No consent to share the identity with partners" in html
    assert 'name="sharing-method"' in html, "its own field names beside the identity consent"
    response = staff.post(f"{url}/sharing-consent", {"sharing-method": "written"})
    assert response.status_code == 302
    html = staff.get(url, headers=EN).get_data(as_text=True)
    assert "a referral may tell the partner who they are" in html
    assert "No identity consent" in html, "the identity consent is another one"
    consents = consents_of(session, person)
    assert [(c.scope, c.withdrawn_at is None) for c in consents] == [
        (ConsentScope.SHARING_WITH_PARTNERS, True)
    ]
    assert staff.post(f"{url}/sharing-consent/withdraw").status_code == 302
    assert consents_of(session, person)[0].withdrawn_at is not None
    html = staff.get(url, headers=EN).get_data(as_text=True)
    assert "No consent to share the identity with partners" in html
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.person_id == person.id).order_by(AuditEvent.seq)
    ).all()
    assert actions[-2:] == ["consent.given", "consent.withdrawn"]


def test_a_sharing_consent_needs_its_method_and_is_not_given_twice(
    login_as: Callable[..., LoggedIn], session: Session
) -> None:
    staff = login_as(Role.SOCIAL_WORKER)
    person = factories.person(session, actor_id=staff.user.id)
    session.commit()
    url = f"/people/{person.code}/sharing-consent"
    assert staff.post(url, {"sharing-method": "telepathy"}).status_code == 302
    assert consents_of(session, person) == []
    staff.post(url, {"sharing-method": "oral"})
    staff.post(url, {"sharing-method": "oral"})
    assert len(consents_of(session, person)) == 1
    # Withdrawing what is not there changes nothing.
    staff.post(f"{url}/withdraw")
    staff.post(f"{url}/withdraw")
    assert len(consents_of(session, person)) == 1


def consents_of(session: Session, person: Person) -> list[Consent]:
    reread(session)
    return list(session.scalars(select(Consent).where(Consent.person_id == person.id)))
