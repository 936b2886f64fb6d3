"""Identity search and duplicate detection over truncated blind indexes.

A truncated index is shared by many values, so these tests build real collisions under the
app's own blind-index key (values whose planned-size indexes are equal) and check that only
persons whose decrypted identity matches are returned.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterator
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import User
from centre.people import services
from centre.people.models import BlindIndex, Person
from centre.privacy import Privacy
from centre.privacy.blind_index import (
    PURPOSE_NAME_BIRTHDATE,
    PURPOSE_NISS,
    name_birthdate_index,
    niss_index,
)
from tests import factories
from tests.privacy.niss_space import niss_space

BORN = date(1990, 3, 14)


def colliding_niss(key: bytes, count: int) -> list[str]:
    """`count` different valid NISS whose indexes are all equal under `key`."""
    space = niss_space(1990, women=True)
    first = next(space)
    wanted = niss_index(key, first)
    return [first, *itertools.islice((n for n in space if niss_index(key, n) == wanted), count - 1)]


def names() -> Iterator[str]:
    for length in itertools.count(2):
        for letters in itertools.product(string.ascii_lowercase, repeat=length):
            yield "Vermeulen-" + "".join(letters).capitalize()


def colliding_names(key: bytes, count: int, born: date = BORN) -> list[str]:
    """`count` different last names whose name + birth-date indexes are equal under `key`."""
    candidates = names()
    first = next(candidates)
    wanted = name_birthdate_index(key, first, born)
    same = (n for n in candidates if name_birthdate_index(key, n, born) == wanted)
    return [first, *itertools.islice(same, count - 1)]


def with_identity(
    session: Session, privacy: Privacy, actor: User, data: services.IdentityData
) -> tuple[Person, list[Person]]:
    """A new consenting person with this identity, and the duplicates its save reported."""
    person = factories.consenting_person(session, actor_id=actor.id)
    return person, services.save_identity(
        session, privacy, actor_id=actor.id, person=person, data=data
    )


def index_rows(session: Session, purpose: str) -> list[tuple[str, int]]:
    """(value, how many persons share it) for every stored index of a purpose."""
    return [
        (value, count)
        for value, count in session.execute(
            select(BlindIndex.value, func.count())
            .where(BlindIndex.purpose == purpose)
            .group_by(BlindIndex.value)
        )
    ]


def test_a_niss_search_finds_the_one_person_among_colliding_indexes(
    session: Session, privacy: Privacy, actor: User
) -> None:
    numbers = colliding_niss(privacy.blind_index_key, 8)
    people = [
        with_identity(session, privacy, actor, services.IdentityData(niss=n))[0] for n in numbers
    ]
    assert len(index_rows(session, PURPOSE_NISS)) == 1  # one stored value, eight persons
    for number, person in zip(numbers, people, strict=True):
        found = services.find_by_identity(session, privacy, actor_id=actor.id, niss=number)
        assert found == [person]
    # The confirming decryptions are not reveals; each search is audited once, with its count.
    actions = session.scalars(select(AuditEvent.action)).all()
    assert "identity.revealed" not in actions
    searches = session.scalars(
        select(AuditEvent.object_id).where(AuditEvent.action == "identity.searched")
    ).all()
    assert searches == ["1"] * 8


def test_a_name_search_checks_the_name_and_the_birth_date(
    session: Session, privacy: Privacy, actor: User
) -> None:
    surnames = colliding_names(privacy.blind_index_key, 4)
    people = [
        with_identity(
            session, privacy, actor, services.IdentityData(last_name=name, birth_date=BORN)
        )[0]
        for name in surnames
    ]
    assert index_rows(session, PURPOSE_NAME_BIRTHDATE) == [
        (name_birthdate_index(privacy.blind_index_key, surnames[0], BORN), 4)
    ]
    for name, person in zip(surnames, people, strict=True):
        spelt_otherwise = name.upper().replace("-", " ")
        found = services.find_by_identity(
            session, privacy, actor_id=actor.id, last_name=spelt_otherwise, birth_date=BORN
        )
        assert found == [person]


def test_a_search_by_both_returns_each_true_match_once(
    session: Session, privacy: Privacy, actor: User
) -> None:
    key = privacy.blind_index_key
    numbers = colliding_niss(key, 3)
    surnames = colliding_names(key, 3)
    by_niss, _ = with_identity(session, privacy, actor, services.IdentityData(niss=numbers[0]))
    by_name, _ = with_identity(
        session,
        privacy,
        actor,
        services.IdentityData(last_name=surnames[0], birth_date=BORN, niss=numbers[1]),
    )
    with_identity(
        session, privacy, actor, services.IdentityData(last_name=surnames[1], birth_date=BORN)
    )
    found = services.find_by_identity(
        session,
        privacy,
        actor_id=actor.id,
        niss=numbers[0],
        last_name=surnames[0],
        birth_date=BORN,
    )
    assert sorted(p.id for p in found) == sorted([by_niss.id, by_name.id])
    # Colliding on both indexes is still no match.
    assert (
        services.find_by_identity(
            session,
            privacy,
            actor_id=actor.id,
            niss=numbers[2],
            last_name=surnames[2],
            birth_date=BORN,
        )
        == []
    )


def test_duplicates_are_not_reported_for_mere_index_collisions(
    session: Session, privacy: Privacy, actor: User
) -> None:
    key = privacy.blind_index_key
    numbers = colliding_niss(key, 2)
    surnames = colliding_names(key, 2)
    first, duplicates = with_identity(
        session,
        privacy,
        actor,
        services.IdentityData(niss=numbers[0], last_name=surnames[0], birth_date=BORN),
    )
    assert duplicates == []
    # Same stored index values, different identity: not a duplicate.
    _, duplicates = with_identity(
        session,
        privacy,
        actor,
        services.IdentityData(niss=numbers[1], last_name=surnames[1], birth_date=BORN),
    )
    assert duplicates == []
    assert [count for _, count in index_rows(session, PURPOSE_NISS)] == [2]
    # The same NISS, or the same name and birth date, is one.
    _, duplicates = with_identity(session, privacy, actor, services.IdentityData(niss=numbers[0]))
    assert duplicates == [first]
    _, duplicates = with_identity(
        session,
        privacy,
        actor,
        services.IdentityData(last_name=surnames[0].lower(), birth_date=BORN),
    )
    assert duplicates == [first]


def test_candidates_whose_data_key_was_destroyed_are_dropped(
    session: Session, privacy: Privacy, actor: User
) -> None:
    number = colliding_niss(privacy.blind_index_key, 1)[0]
    shredded, _ = with_identity(session, privacy, actor, services.IdentityData(niss=number))
    # The key went (an erasure whose main transaction did not commit, say); the rows stayed.
    assert shredded.data_key_ref is not None
    privacy.keystore.destroy_key(shredded.data_key_ref)
    assert services.find_by_identity(session, privacy, actor_id=actor.id, niss=number) == []
    twin, duplicates = with_identity(session, privacy, actor, services.IdentityData(niss=number))
    assert duplicates == []
    assert services.find_by_identity(session, privacy, actor_id=actor.id, niss=number) == [twin]
