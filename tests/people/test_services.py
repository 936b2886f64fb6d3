"""People services: codes, consent, the encrypted vault, blind-index search and erasure."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import select
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
)
from centre.privacy import Privacy
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
def consenting(session: Session, actor: User) -> Iterator[object]:
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
    session: Session, actor: User, privacy: Privacy, consenting: object
) -> None:
    person = consenting
    services.save_identity(session, privacy, actor_id=actor.id, person=person, data=JEAN)
    session.commit()
    row = session.get(Identity, person.id)  # type: ignore[attr-defined]
    assert row is not None and row.last_name is not None
    assert b"Van der Berg" not in row.last_name and NISS.encode() not in (row.niss or b"")
    revealed = services.reveal_identity(session, privacy, actor_id=actor.id, person=person)
    assert revealed.last_name == "Van der Berg-Dupré"
    assert revealed.niss == NISS and revealed.birth_date == date(1985, 7, 30)
    assert "Jeanne" not in repr(revealed)
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.person_id == person.id)
    ).all()  # type: ignore[attr-defined]
    assert "identity.revealed" in actions and "identity.saved" in actions


def test_a_ciphertext_moved_to_another_person_fails(
    session: Session, actor: User, privacy: Privacy, consenting: object
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
    mine = session.get(Identity, consenting.id)  # type: ignore[attr-defined]
    assert mine is not None
    mine.first_name = mine.last_name
    session.flush()
    with pytest.raises(DecryptionError):
        services.reveal_identity(session, privacy, actor_id=actor.id, person=consenting)


def test_search_by_niss_and_by_name_and_birth_date(
    session: Session, actor: User, privacy: Privacy, consenting: object
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
    session: Session, actor: User, privacy: Privacy, consenting: object
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
    session: Session, actor: User, privacy: Privacy, consenting: object
) -> None:
    services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=JEAN)
    twin = factories.consenting_person(session, actor_id=actor.id)
    duplicates = services.save_identity(
        session, privacy, actor_id=actor.id, person=twin, data=services.IdentityData(niss=NISS)
    )
    assert duplicates == [consenting]


def test_withdrawing_consent_erases_identity_and_keeps_the_person(
    session: Session, actor: User, privacy: Privacy, consenting: object
) -> None:
    services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=JEAN)
    key_ref = consenting.data_key_ref  # type: ignore[attr-defined]
    services.withdraw_consent(
        session, privacy, actor_id=actor.id, person=consenting, scope=ConsentScope.IDENTITY
    )
    session.commit()
    assert session.get(Identity, consenting.id) is None  # type: ignore[attr-defined]
    assert session.scalars(select(BlindIndex)).all() == []
    assert consenting.identity_erased_at is not None  # type: ignore[attr-defined]
    assert consenting.code  # type: ignore[attr-defined]
    with pytest.raises(KeyDestroyedError):
        privacy.keystore.get_key(key_ref)
    with pytest.raises(services.ConsentRequiredError):
        services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=JEAN)


def test_erasure_defeats_a_copy_taken_before_it(
    session: Session, actor: User, privacy: Privacy, consenting: object
) -> None:
    """A backup of the main database holds ciphertexts; after erasure they are noise."""
    services.save_identity(session, privacy, actor_id=actor.id, person=consenting, data=JEAN)
    session.commit()
    backup = {
        c: getattr(session.get(Identity, consenting.id), c)  # type: ignore[attr-defined]
        for c in ("last_name", "niss")
    }
    key_ref = consenting.data_key_ref  # type: ignore[attr-defined]
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
        aad = field_aad("identities", column, str(consenting.id))  # type: ignore[attr-defined]
        for key in candidates:
            with pytest.raises(DecryptionError):
                open_sealed(key, blob, aad)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "identity.erased")).one()
    assert event.object_type == "erasure:request"


def test_retention_erases_only_inactive_identities(
    session: Session, actor: User, privacy: Privacy, consenting: object, app: Flask
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
    consenting.last_activity_at = utcnow() - timedelta(days=800)  # type: ignore[attr-defined]
    session.commit()

    dry = app.test_cli_runner().invoke(args=["people", "retention", "--dry-run"])
    assert dry.exit_code == 0 and "1 identity would be erased" in dry.output
    assert consenting.code in dry.output and recent.code not in dry.output  # type: ignore[attr-defined]
    assert session.get(Identity, consenting.id) is not None  # type: ignore[attr-defined]

    done = app.test_cli_runner().invoke(args=["people", "retention"])
    assert done.exit_code == 0 and "1 identity erased" in done.output
    session.rollback()
    session.expire_all()
    assert session.get(Identity, consenting.id) is None  # type: ignore[attr-defined]
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
    session: Session, actor: User, privacy: Privacy, consenting: object
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
