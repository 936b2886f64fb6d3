"""People models' own rules: which consent is active, and the birth year's range."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from centre.auth.models import User
from centre.db import utcnow
from centre.people.models import Consent, ConsentMethod, ConsentScope, Person
from tests import factories
from tests.conftest import refused_by


def consent(person: Person, actor: User, *, days_ago: int, withdrawn: bool = False) -> Consent:
    given_at = utcnow() - timedelta(days=days_ago)
    return Consent(
        person=person,
        scope=ConsentScope.IDENTITY,
        method=ConsentMethod.ORAL,
        given_at=given_at,
        given_by_id=actor.id,
        withdrawn_at=given_at + timedelta(hours=1) if withdrawn else None,
        withdrawn_by_id=actor.id if withdrawn else None,
    )


def test_active_consent_is_the_one_not_withdrawn(session: Session, actor: User) -> None:
    person = factories.person(session, actor_id=actor.id)
    assert person.active_consent(ConsentScope.IDENTITY) is None
    # Given, then withdrawn: nothing is active.
    session.add(consent(person, actor, days_ago=30, withdrawn=True))
    session.commit()
    session.expire(person)
    assert len(person.consents) == 1
    assert person.active_consent(ConsentScope.IDENTITY) is None
    # Given again later: that one, not the withdrawn one, is the active consent.
    again = consent(person, actor, days_ago=1)
    session.add(again)
    session.commit()
    session.expire(person)
    assert len(person.consents) == 2
    assert person.active_consent(ConsentScope.IDENTITY) is again


@pytest.mark.parametrize("birth_year", [1899, 2101])
def test_a_birth_year_out_of_range_is_refused_at_flush(
    session: Session, actor: User, birth_year: int
) -> None:
    with refused_by(session, "ck_persons_birth_year_range"):
        factories.person(session, actor_id=actor.id, birth_year=birth_year)


def test_birth_years_within_the_range_and_none_are_kept(session: Session, actor: User) -> None:
    years = [1900, 2100, None]
    ids = [factories.person(session, actor_id=actor.id, birth_year=y).id for y in years]
    session.commit()
    session.expire_all()
    assert [session.get_one(Person, i).birth_year for i in ids] == years
