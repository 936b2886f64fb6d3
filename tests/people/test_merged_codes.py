"""A merged code resolves to the person it was merged into: in URLs, in searches by code,
and in searches by identity, where the merged person is never found as a separate person.

The merge itself (centre.cases' merge) is tested in tests/cases/; here a merge is only its
mark on the person, `merged_into_id`, so the people domain is tested on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy.orm import Session

from centre.auth.models import Role, User
from centre.people import services
from centre.people.models import Person
from centre.privacy import Privacy
from centre.validation import FieldErrors
from tests import factories
from tests.conftest import LoggedIn

JEAN = services.IdentityData(last_name="Dupont", birth_date=date(1985, 7, 30), niss="85073003328")


def merge_mark(session: Session, merged: Person, kept: Person) -> None:
    merged.merged_into_id = kept.id
    session.flush()


def test_a_merged_code_finds_the_kept_person(session: Session, actor: User) -> None:
    kept = factories.person(session, actor_id=actor.id)
    merged = factories.person(session, actor_id=actor.id)
    merge_mark(session, merged, kept)
    typed = merged.code.lower().replace("-", "")  # typed as people type codes
    assert services.find_by_code(session, typed) is kept
    assert services.person_with_code(session, merged.code) is kept
    # The merge itself needs the code's own person, to tell it was merged.
    assert services.find_by_code(session, merged.code, follow_merges=False) is merged
    assert services.find_by_code(session, kept.code) is kept


def test_a_chain_of_merges_resolves_to_the_last_kept_person(session: Session, actor: User) -> None:
    first, second, third = (factories.person(session, actor_id=actor.id) for _ in range(3))
    merge_mark(session, first, second)
    merge_mark(session, second, third)
    assert services.person_with_code(session, first.code) is third
    assert services.resolve_merged(session, first) is third


def test_mistyped_and_unknown_codes_are_still_told(session: Session, actor: User) -> None:
    kept = factories.person(session, actor_id=actor.id)
    with pytest.raises(FieldErrors) as mistyped:
        services.find_by_code(session, kept.code[:-1] + ("0" if kept.code[-1] != "0" else "1"))
    assert mistyped.value.codes("code") == ["code_check"]
    assert services.person_with_code(session, "nonsense") is None


def test_identity_search_finds_the_kept_person_once_never_the_merged_one(
    session: Session, privacy: Privacy, actor: User
) -> None:
    kept = factories.consenting_person(session, actor_id=actor.id)
    merged = factories.consenting_person(session, actor_id=actor.id)
    # Both records hold the same identity: how a blind-index match finds duplicates.
    services.save_identity(session, privacy, actor_id=actor.id, person=kept, data=JEAN)
    services.save_identity(session, privacy, actor_id=actor.id, person=merged, data=JEAN)
    found = services.find_by_identity(session, privacy, actor_id=actor.id, niss=JEAN.niss)
    assert found == sorted([kept, merged], key=lambda p: p.code)
    merge_mark(session, merged, kept)
    assert services.find_by_identity(session, privacy, actor_id=actor.id, niss=JEAN.niss) == [kept]
    assert services.find_by_identity(
        session,
        privacy,
        actor_id=actor.id,
        last_name="dupont",
        birth_date=JEAN.birth_date,
    ) == [kept]


def test_only_the_merged_record_holds_the_identity_yet_the_kept_one_is_found(
    session: Session, privacy: Privacy, actor: User
) -> None:
    # The identity stays with the merged person (sealed under their key): found through it.
    kept = factories.person(session, actor_id=actor.id)
    merged = factories.consenting_person(session, actor_id=actor.id)
    services.save_identity(session, privacy, actor_id=actor.id, person=merged, data=JEAN)
    merge_mark(session, merged, kept)
    assert services.find_by_identity(session, privacy, actor_id=actor.id, niss=JEAN.niss) == [kept]


def test_saving_an_identity_does_not_report_ones_own_merged_code_as_a_duplicate(
    session: Session, privacy: Privacy, actor: User
) -> None:
    kept = factories.consenting_person(session, actor_id=actor.id)
    merged = factories.consenting_person(session, actor_id=actor.id)
    services.save_identity(session, privacy, actor_id=actor.id, person=merged, data=JEAN)
    merge_mark(session, merged, kept)
    duplicates = services.save_identity(session, privacy, actor_id=actor.id, person=kept, data=JEAN)
    assert duplicates == []


def test_a_person_page_under_a_merged_code_shows_the_kept_person(
    session: Session, login_as: Callable[..., LoggedIn]
) -> None:
    staff = login_as(Role.RECEPTION)
    kept = factories.person(session, actor_id=staff.user.id)
    merged = factories.person(session, actor_id=staff.user.id)
    merge_mark(session, merged, kept)
    session.commit()
    response = staff.get(f"/people/{merged.code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'data-testid="person-code">{kept.code}<' in html
    found = staff.get(f"/people/find?code={merged.code}")
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/people/{kept.code}")
