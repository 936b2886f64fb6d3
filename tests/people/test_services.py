"""People services: codes, consent, the encrypted vault, blind-index search and erasure.

Search and duplicate detection run over truncated blind indexes. A truncated index is shared
by many values, so the search tests build real collisions under the app's own blind-index key
(values whose planned-size indexes are equal) and check that only persons whose decrypted
identity matches are returned.

Erasure reaches the disk as well: crypto-shredding makes the ciphertexts unreadable wherever
they are copied, and after an erasure commits the live SQLite file and its write-ahead log
hold neither the deleted index values nor the ciphertexts (SQLite's own part, secure_delete
and the checkpoint, is tested in tests/test_sqlite.py). On PostgreSQL, deleted tuples stay in
the heap until VACUUM; see centre/db.py.
"""

from __future__ import annotations

import itertools
import string
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import User
from centre.people import services
from centre.people.models import (
    BlindIndex,
    ConsentScope,
    ErasureReason,
    Gender,
    Identity,
    Person,
)
from centre.privacy import Privacy
from centre.privacy.blind_index import (
    PURPOSE_NAME_BIRTHDATE,
    PURPOSE_NISS,
    name_birthdate_index,
    niss_index,
)
from centre.privacy.codes import is_valid_code
from centre.privacy.crypto import open_sealed
from centre.privacy.errors import (
    DecryptionError,
    KeyDestroyedError,
)
from centre.privacy.fields import field_aad
from centre.privacy.keystore import data_keys
from centre.validation import FieldErrors
from tests import factories
from tests.disk import committed_identity, erase, on_disk
from tests.privacy.niss_space import niss_space

# A valid NISS made for tests: born 1985-07-30, check digits computed with mod 97.
NISS = "85073003328"
JEAN = services.IdentityData(
    first_name="Jeanne",
    last_name="Van der Berg-Dupré",
    birth_date=date(1985, 7, 30),
    niss="85.07.30-033.28",
    phone="+32 470 12 34 56",
    address="Rue Haute 1, 1000 Bruxelles",
    nationality="belge",
    residence_status="belgian",
    health_insurance="mutuality",
)


@pytest.fixture
def consenting(session: Session, actor: User) -> Iterator[Person]:
    person = factories.consenting_person(
        session, actor_id=actor.id, gender=Gender.WOMAN, birth_year=1985
    )
    yield person


def test_a_person_needs_nothing_but_gets_a_valid_unique_code(session: Session, actor: User) -> None:
    people = [services.create_person(session, actor_id=actor.id) for _ in range(50)]
    codes = {p.code for p in people}
    assert len(codes) == 50
    assert all(is_valid_code(c) and len(c) == 9 and c[4] == "-" for c in codes)
    assert people[0].gender is Gender.NOT_STATED and people[0].birth_year is None


def test_find_by_code_accepts_lowercase_and_aliases_but_rejects_typos(
    session: Session, actor: User
) -> None:
    person = services.create_person(session, actor_id=actor.id)
    assert services.find_by_code(session, person.code.lower().replace("-", " ")) is person
    typo = person.code[:-1] + ("0" if person.code[-1] != "0" else "1")
    with pytest.raises(FieldErrors) as error:
        services.find_by_code(session, typo)
    assert error.value.codes("code") == ["code_check"]


def test_identity_needs_active_consent(session: Session, actor: User, privacy: Privacy) -> None:
    person = services.create_person(session, actor_id=actor.id)
    with pytest.raises(services.ConsentRequiredError):
        services.save_identity(session, privacy, actor_id=actor.id, person=person, data=JEAN)


def test_identity_is_stored_encrypted_and_revealed_with_audit(
    session: Session, actor: User, privacy: Privacy, consenting: Person
) -> None:
    person = consenting
    services.save_identity(session, privacy, actor_id=actor.id, person=person, data=JEAN)
    session.commit()
    row = session.get(Identity, person.id)
    assert row is not None and row.last_name is not None
    assert b"Van der Berg" not in row.last_name and NISS.encode() not in (row.niss or b"")
    revealed = services.reveal_identity(session, privacy, actor_id=actor.id, person=person)
    assert revealed.last_name == "Van der Berg-Dupré"
    assert revealed.niss == NISS and revealed.birth_date == date(1985, 7, 30)
    assert "Jeanne" not in repr(revealed)
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.person_id == person.id)
    ).all()
    assert "identity.revealed" in actions and "identity.saved" in actions


def test_a_ciphertext_moved_to_another_person_fails(
    session: Session, actor: User, privacy: Privacy, consenting: Person
) -> None:
    other = factories.consenting_person(session, actor_id=actor.id, method="written")
    services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=JEAN)
    services.save_identity(
        session,
        privacy,
        actor_id=actor.id,
        person=other,
        data=services.IdentityData(last_name="Other"),
    )
    # Same key cannot help either: copy within the same person to another column.
    mine = session.get(Identity, consenting.id)
    assert mine is not None
    mine.first_name = mine.last_name
    session.flush()
    with pytest.raises(DecryptionError):
        services.reveal_identity(session, privacy, actor_id=actor.id, person=consenting)


def test_search_by_niss_and_by_name_and_birth_date(
    session: Session, actor: User, privacy: Privacy, consenting: Person
) -> None:
    services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=JEAN)
    assert services.find_by_identity(session, privacy, actor_id=actor.id, niss="850730 033 28") == [
        consenting
    ]
    assert services.find_by_identity(
        session,
        privacy,
        actor_id=actor.id,
        last_name="vanderberg dupre",
        birth_date=date(1985, 7, 30),
    ) == [consenting]
    assert (
        services.find_by_identity(
            session,
            privacy,
            actor_id=actor.id,
            last_name="Van der Berg-Dupré",
            birth_date=date(1985, 7, 31),
        )
        == []
    )
    with pytest.raises(FieldErrors) as empty:
        services.find_by_identity(session, privacy, actor_id=actor.id, last_name="Dupré")
    assert empty.value.codes("niss") == ["search_empty"]
    with pytest.raises(FieldErrors) as mistyped:
        services.find_by_identity(session, privacy, actor_id=actor.id, niss="85073003329")
    assert mistyped.value.codes("niss") == ["niss_check"]


def test_no_blind_index_on_birth_date_alone(
    session: Session, actor: User, privacy: Privacy, consenting: Person
) -> None:
    services.save_identity(
        session,
        privacy,
        actor_id=actor.id,
        person=consenting,
        data=services.IdentityData(birth_date=date(1985, 7, 30)),
    )
    assert session.scalars(select(BlindIndex)).all() == []


def test_duplicates_are_flagged_when_identity_is_entered(
    session: Session, actor: User, privacy: Privacy, consenting: Person
) -> None:
    services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=JEAN)
    twin = factories.consenting_person(session, actor_id=actor.id)
    duplicates = services.save_identity(
        session, privacy, actor_id=actor.id, person=twin, data=services.IdentityData(niss=NISS)
    )
    assert duplicates == [consenting]


def test_withdrawing_consent_erases_identity_and_keeps_the_person(
    session: Session, actor: User, privacy: Privacy, consenting: Person
) -> None:
    services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=JEAN)
    key_ref = consenting.data_key_ref
    assert key_ref is not None  # the saved identity made the person a data key
    services.withdraw_consent(
        session, privacy, actor_id=actor.id, person=consenting, scope=ConsentScope.IDENTITY
    )
    session.commit()
    assert session.get(Identity, consenting.id) is None
    assert session.scalars(select(BlindIndex)).all() == []
    assert consenting.identity_erased_at is not None
    assert consenting.code
    with pytest.raises(KeyDestroyedError):
        privacy.keystore.get_key(key_ref)
    with pytest.raises(services.ConsentRequiredError):
        services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=JEAN)


def test_erasure_defeats_a_copy_taken_before_it(
    session: Session, actor: User, privacy: Privacy, consenting: Person
) -> None:
    """A backup of the main database holds ciphertexts; after erasure they are noise."""
    services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=JEAN)
    session.commit()
    backup = {c: getattr(session.get(Identity, consenting.id), c) for c in ("last_name", "niss")}
    key_ref = consenting.data_key_ref
    assert key_ref is not None  # the saved identity made the person a data key
    services.erase_identity(
        session, privacy, actor_id=actor.id, person=consenting, reason=ErasureReason.REQUEST
    )
    session.commit()
    with pytest.raises(KeyDestroyedError):
        privacy.cipher_for(key_ref)
    # Everything the system still has, every data key left in the key store and every
    # key-encryption key, fails on the copied ciphertexts, even with the right associated data.
    with privacy.keystore.engine.connect() as keys:
        refs = list(keys.execute(select(data_keys.c.key_ref)).scalars())
    remaining = [privacy.keystore.get_key(ref) for ref in refs]
    candidates = remaining + list(privacy.keyring.keks.values())
    assert candidates
    for column, blob in backup.items():
        aad = field_aad("identities", column, str(consenting.id))
        for key in candidates:
            with pytest.raises(DecryptionError):
                open_sealed(key, blob, aad)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "identity.erased")).one()
    assert event.object_type == "erasure:request"


def test_retention_erases_only_inactive_identities(
    session: Session, actor: User, privacy: Privacy, consenting: Person, app: Flask
) -> None:
    from datetime import timedelta

    from centre.db import utcnow

    services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=JEAN)
    recent = factories.consenting_person(session, actor_id=actor.id)
    services.save_identity(
        session,
        privacy,
        actor_id=actor.id,
        person=recent,
        data=services.IdentityData(last_name="Recent"),
    )
    consenting.last_activity_at = utcnow() - timedelta(days=800)
    session.commit()

    dry = app.test_cli_runner().invoke(args=["people", "retention", "--dry-run"])
    assert dry.exit_code == 0 and "1 identity would be erased" in dry.output
    assert consenting.code in dry.output and recent.code not in dry.output
    assert session.get(Identity, consenting.id) is not None

    done = app.test_cli_runner().invoke(args=["people", "retention"])
    assert done.exit_code == 0 and "1 identity erased" in done.output
    session.rollback()
    session.expire_all()
    assert session.get(Identity, consenting.id) is None
    assert session.get(Identity, recent.id) is not None
    assert session.scalars(
        select(AuditEvent.object_type).where(AuditEvent.action == "identity.erased")
    ).all() == ["erasure:retention"]


def test_a_search_whose_last_name_normalises_to_nothing_is_an_empty_search(
    session: Session, actor: User, privacy: Privacy
) -> None:
    """Regression: "---" used to reach the name index and crash the search (HTTP 500)."""
    with pytest.raises(FieldErrors) as empty:
        services.find_by_identity(
            session, privacy, actor_id=actor.id, last_name="---", birth_date=date(1985, 7, 30)
        )
    assert empty.value.codes("niss") == ["search_empty"]
    # With a NISS as well, the NISS alone is searched.
    services.find_by_identity(
        session,
        privacy,
        actor_id=actor.id,
        niss=NISS,
        last_name=" - ' ",
        birth_date=date(1985, 7, 30),
    )


def test_saving_a_last_name_that_normalises_to_nothing_keeps_no_name_index(
    session: Session, actor: User, privacy: Privacy, consenting: Person
) -> None:
    """Regression: "---" with a birth date used to crash the save; it simply has no name index."""
    data = services.IdentityData(last_name="---", birth_date=date(1985, 7, 30), niss=NISS)
    assert (
        services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=data)
        == []
    )
    assert session.scalars(select(BlindIndex.purpose)).all() == ["niss"]
    revealed = services.reveal_identity(session, privacy, actor_id=actor.id, person=consenting)
    assert revealed.last_name == "---" and revealed.birth_date == date(1985, 7, 30)


# Search over truncated blind indexes: real collisions under the app's own key.

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


# Erasure on disk: an app on its own SQLite file (disk_app), so no other test's rows are in the
# bytes.


def test_an_erased_identity_leaves_neither_index_values_nor_ciphertexts_on_disk(
    disk_app: Flask, database_file: Path
) -> None:
    with disk_app.extensions["centre.db"].new_session() as session:
        actor_id, person, secrets = committed_identity(disk_app, session)
        before = on_disk(database_file)
        assert all(secret in before for secret in secrets), "the test would see nothing"
        erase(disk_app, session, actor_id, person)
    assert [secret for secret in secrets if secret in on_disk(database_file)] == []
