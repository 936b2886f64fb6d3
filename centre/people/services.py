"""Persons, consent and the identity vault. Pure: session, acting user and keys come in.

Identity is written only under an active identity consent, always encrypted with the person's
own data key; what can be searched is only a truncated keyed hash (blind index) of normalised
values, which finds candidates that are then confirmed by decrypting them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import and_, bindparam, delete, or_, select
from sqlalchemy.orm import Session, selectinload

from centre.audit.services import record
from centre.db import scrub_after_commit, utcnow
from centre.privacy import Privacy
from centre.privacy.blind_index import (
    PURPOSE_NAME_BIRTHDATE,
    PURPOSE_NISS,
    name_birthdate_index,
    niss_index,
    normalise_last_name,
)
from centre.privacy.codes import generate_code, normalise_code
from centre.privacy.errors import InvalidCodeError, InvalidNISSError, KeyDestroyedError
from centre.privacy.fields import FieldCipher
from centre.privacy.niss import niss_birth_date, validate_niss
from centre.validation import FieldErrors, single

from . import actions
from .models import (
    IDENTITY_FIELDS,
    BlindIndex,
    Consent,
    ConsentMethod,
    ConsentScope,
    ErasureReason,
    Gender,
    Identity,
    Person,
)

IDENTITY_TABLE = Identity.__tablename__
CODE_ATTEMPTS = 20


class PeopleError(Exception):
    """Base of the errors routes turn into messages."""


class ConsentRequiredError(PeopleError):
    """Identity may be stored only while the person's identity consent is active."""


class ConsentAlreadyActiveError(PeopleError):
    pass


class IdentityErasedError(PeopleError):
    """The identity was erased; it can be entered again only under a new consent."""


class NoIdentityError(PeopleError):
    pass


@dataclass(frozen=True)
class IdentityData:
    """Identity in clear, only ever in memory. Empty strings mean "not given"."""

    first_name: str = ""
    last_name: str = ""
    birth_date: date | None = None
    niss: str = ""
    phone: str = ""
    address: str = ""
    nationality: str = ""
    residence_status: str = ""
    health_insurance: str = ""

    def __repr__(self) -> str:
        # Never print identity into a log line or a traceback.
        return "IdentityData(<hidden>)"

    def is_empty(self) -> bool:
        return all(not getattr(self, f.name) for f in fields(self))


assert tuple(f.name for f in fields(IdentityData)) == IDENTITY_FIELDS  # noqa: S101


# --- persons ----------------------------------------------------------------------------------


def create_person(
    session: Session,
    *,
    actor_id: int,
    gender: Gender = Gender.NOT_STATED,
    birth_year: int | None = None,
) -> Person:
    """A new person with a fresh random code; nothing else is required."""
    for _ in range(CODE_ATTEMPTS):
        code = generate_code()
        if session.scalar(select(Person.id).where(Person.code == code)) is None:
            break
    else:  # pragma: no cover - 34 billion codes; reaching this means a broken generator
        raise RuntimeError("could not draw an unused person code")
    now = utcnow()
    person = Person(
        code=code,
        gender=gender,
        birth_year=birth_year,
        created_by_id=actor_id,
        created_at=now,
        last_activity_at=now,
    )
    session.add(person)
    session.flush()
    record(session, actions.PERSON_CREATED, by=actor_id, on=person.id, person_id=person.id)
    return person


@dataclass(frozen=True)
class Registration:
    """A person just registered, and what staff should check with them."""

    person: Person
    duplicates: list[Person]
    birth_date_differs_from_niss: bool


def register_person(
    session: Session,
    privacy: Privacy,
    *,
    actor_id: int,
    gender: Gender = Gender.NOT_STATED,
    birth_year: int | None = None,
    agreed: bool = False,
    consent_method: ConsentMethod | None = None,
    identity: IdentityData | None = None,
) -> Registration:
    """A new person with a code; with their agreement, their consent and identity too.

    FieldErrors when identity is given without agreement ("record_identity"), agreement
    without how it was given ("consent_method"), or a NISS that is not one ("niss").
    """
    identity = identity or IdentityData()
    problems = FieldErrors()
    if not identity.is_empty() and not agreed:
        problems.add("record_identity", "identity_without_consent")
    if agreed and consent_method is None:
        problems.add("consent_method", "consent_method")
    try:
        identity = normalise_identity(identity)
    except FieldErrors as niss_problems:
        problems.merge(niss_problems)
    problems.raise_if_any()
    person = create_person(session, actor_id=actor_id, gender=gender, birth_year=birth_year)
    duplicates: list[Person] = []
    if agreed and consent_method is not None:
        give_consent(
            session,
            actor_id=actor_id,
            person=person,
            scope=ConsentScope.IDENTITY,
            method=consent_method,
        )
        if not identity.is_empty():
            duplicates = save_identity(
                session, privacy, actor_id=actor_id, person=person, data=identity
            )
    return Registration(person, duplicates, birth_date_differs_from_niss(identity))


# Built once: reception looks a code up on every visit logged under one.
_PERSON_BY_CODE = select(Person).where(Person.code == bindparam("code"))


# More hops than any real chain of merges (A into B, later B into C): past it, a loop.
MAX_MERGE_HOPS = 32


def resolve_merged(session: Session, person: Person) -> Person:
    """The person a code stands for now: a merged code's kept person, through every merge.

    A code found to be the same person as another (centre.cases' merge) keeps resolving,
    to the person it was merged into; that one may have been merged in turn.
    """
    for _ in range(MAX_MERGE_HOPS):
        if person.merged_into_id is None:
            return person
        kept = session.get(Person, person.merged_into_id)
        assert kept is not None  # noqa: S101 - a foreign key
        person = kept
    raise RuntimeError("person merges form a loop")  # pragma: no cover - merges refuse it


def find_by_code(
    session: Session,
    code: str,
    *,
    field: str = "code",
    unknown: str = "code_unknown",
    follow_merges: bool = True,
) -> Person:
    """The person behind a typed code, never a near match; a merged code's kept person.

    FieldErrors on `field`: code_length, code_character or code_check for a mistyped code
    (its check character catches typos), `unknown` for a well-formed code of nobody.
    `follow_merges=False` gives the code's own person even when it was merged (the merge
    itself needs to tell).
    """
    try:
        canonical = normalise_code(code)
    except InvalidCodeError as error:
        raise single(field, f"code_{error.reason}") from None
    person = session.scalar(_PERSON_BY_CODE, {"code": canonical})
    if person is None:
        raise single(field, unknown)
    return resolve_merged(session, person) if follow_merges else person


def person_with_code(session: Session, code: str) -> Person | None:
    """The person a code in a URL names; None when it is malformed or nobody's."""
    try:
        return find_by_code(session, code)
    except FieldErrors:
        return None


def update_attributes(
    session: Session, *, actor_id: int, person: Person, gender: Gender, birth_year: int | None
) -> None:
    person.gender = gender
    person.birth_year = birth_year
    record(session, actions.PERSON_UPDATED, by=actor_id, on=person.id, person_id=person.id)


# --- consent ----------------------------------------------------------------------------------


def give_consent(
    session: Session,
    *,
    actor_id: int,
    person: Person,
    scope: ConsentScope,
    method: ConsentMethod,
) -> Consent:
    if person.active_consent(scope) is not None:
        raise ConsentAlreadyActiveError()
    consent = Consent(
        person=person, scope=scope, method=method, given_at=utcnow(), given_by_id=actor_id
    )
    session.add(consent)
    session.flush()
    record(session, actions.CONSENT_GIVEN, by=actor_id, on=consent.id, person_id=person.id)
    return consent


def withdraw_consent(
    session: Session, privacy: Privacy, *, actor_id: int, person: Person, scope: ConsentScope
) -> None:
    """Withdraw consent; withdrawing the identity consent erases the identity at once."""
    consent = person.active_consent(scope)
    if consent is None:
        raise ConsentRequiredError()
    consent.withdrawn_at = utcnow()
    consent.withdrawn_by_id = actor_id
    record(session, actions.CONSENT_WITHDRAWN, by=actor_id, on=consent.id, person_id=person.id)
    if scope is ConsentScope.IDENTITY and person.data_key_ref is not None:
        erase_identity(
            session,
            privacy,
            actor_id=actor_id,
            person=person,
            reason=ErasureReason.CONSENT_WITHDRAWN,
        )


# --- the identity vault -----------------------------------------------------------------------


def checked_niss(text: str) -> str:
    """The 11 digits of a typed NISS ("" when none); FieldErrors on "niss" says what is wrong."""
    if not text.strip():
        return ""
    try:
        return validate_niss(text)
    except InvalidNISSError as error:
        raise single("niss", f"niss_{error.reason}") from None


def normalise_identity(data: IdentityData) -> IdentityData:
    """Trimmed values and a validated NISS (FieldErrors on "niss" if it is not one)."""
    return IdentityData(
        first_name=data.first_name.strip(),
        last_name=data.last_name.strip(),
        birth_date=data.birth_date,
        niss=checked_niss(data.niss),
        phone=data.phone.strip(),
        address=data.address.strip(),
        nationality=data.nationality.strip(),
        residence_status=data.residence_status.strip(),
        health_insurance=data.health_insurance.strip(),
    )


def birth_date_differs_from_niss(data: IdentityData) -> bool:
    """Whether the NISS encodes a birth date other than the one given (worth a check).

    Not an error: a NISS given when the birth date was unknown, or a bis number, may
    legitimately differ.
    """
    if not data.niss or data.birth_date is None:
        return False
    try:
        encoded = niss_birth_date(data.niss)
    except InvalidNISSError:
        return False
    return encoded is not None and encoded != data.birth_date


def _index_values(key: bytes, data: IdentityData) -> list[tuple[str, str]]:
    values = []
    if data.niss:
        values.append((PURPOSE_NISS, niss_index(key, data.niss)))
    # Never an index of the birth date alone: it is low-cardinality and would single people out.
    # So a last name that normalises to nothing ("---") gets no name index at all.
    if data.birth_date and normalise_last_name(data.last_name):
        values.append(
            (PURPOSE_NAME_BIRTHDATE, name_birthdate_index(key, data.last_name, data.birth_date))
        )
    return values


def _encode(name: str, data: IdentityData) -> str | None:
    value = getattr(data, name)
    if value in ("", None):
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def _cipher_for(privacy: Privacy, person: Person) -> FieldCipher:
    if person.data_key_ref is None:
        person.data_key_ref, cipher = privacy.new_person_key()
        return cipher
    return privacy.cipher_for(person.data_key_ref)


def save_identity(
    session: Session, privacy: Privacy, *, actor_id: int, person: Person, data: IdentityData
) -> list[Person]:
    """Encrypt and store identity; return other persons whose identity matches (duplicates)."""
    if person.active_consent(ConsentScope.IDENTITY) is None:
        raise ConsentRequiredError()
    data = normalise_identity(data)
    cipher = _cipher_for(privacy, person)
    identity = person.identity or Identity(person=person)
    binding = str(person.id)
    for name in IDENTITY_FIELDS:
        plain = _encode(name, data)
        setattr(
            identity,
            name,
            None if plain is None else cipher.encrypt_text(IDENTITY_TABLE, name, binding, plain),
        )
    identity.updated_at = utcnow()
    identity.updated_by_id = actor_id
    person.identity_erased_at = None
    session.add(identity)

    index_values = _index_values(privacy.blind_index_key, data)
    session.execute(delete(BlindIndex).where(BlindIndex.person_id == person.id))
    session.add_all(
        BlindIndex(person_id=person.id, purpose=purpose, value=value)
        for purpose, value in index_values
    )
    session.flush()
    record(session, actions.IDENTITY_SAVED, by=actor_id, on=person.id, person_id=person.id)
    return _confirmed_matches(session, privacy, data, index_values, exclude_id=person.id)


def _decrypt_identity(
    privacy: Privacy, person: Person, names: Sequence[str] = IDENTITY_FIELDS
) -> IdentityData:
    """The named identity fields in clear (the others left empty). Not audited: callers are."""
    identity = person.identity
    if identity is None or person.data_key_ref is None:
        raise IdentityErasedError() if person.identity_erased_at else NoIdentityError()
    try:
        cipher = privacy.cipher_for(person.data_key_ref)
    except KeyDestroyedError:
        raise IdentityErasedError() from None
    binding = str(person.id)
    values: dict[str, object] = {}
    for name in names:
        blob = getattr(identity, name)
        text = "" if blob is None else cipher.decrypt_text(IDENTITY_TABLE, name, binding, blob)
        values[name] = (
            (date.fromisoformat(text) if text else None) if name == "birth_date" else text
        )
    return IdentityData(**values)  # type: ignore[arg-type]


def reveal_identity(
    session: Session, privacy: Privacy, *, actor_id: int, person: Person
) -> IdentityData:
    """Decrypt a person's identity for display. Every call is audited."""
    revealed = _decrypt_identity(privacy, person)
    record(session, actions.IDENTITY_REVEALED, by=actor_id, on=person.id, person_id=person.id)
    return revealed


def erase_identity(
    session: Session,
    privacy: Privacy,
    *,
    actor_id: int | None,
    person: Person,
    reason: ErasureReason,
) -> None:
    """Crypto-shred: destroy the data key first, then the ciphertexts and blind indexes.

    Destroying the key first means that a failure half-way leaves data nobody can read, never
    readable data that was meant to be gone.
    """
    if person.data_key_ref is not None:
        privacy.keystore.destroy_key(person.data_key_ref)
    person.data_key_ref = None
    session.execute(delete(BlindIndex).where(BlindIndex.person_id == person.id))
    if person.identity is not None:
        session.delete(person.identity)
    person.identity_erased_at = utcnow()
    session.flush()
    # The deleted rows must leave the files too (SQLite's WAL keeps old pages until a
    # checkpoint): done once this transaction has committed, wherever that happens.
    scrub_after_commit(session)
    record(
        session,
        actions.IDENTITY_ERASED,
        by=actor_id,
        object_type=f"erasure:{reason}",
        on=person.id,
        person_id=person.id,
    )


# --- search by exact identity -----------------------------------------------------------------


# What a candidate's decrypted identity must equal, for each index it was found by.
_MATCHED_FIELDS = ("niss", "last_name", "birth_date")


def _matches(purpose: str, wanted: IdentityData, found: IdentityData) -> bool:
    if purpose == PURPOSE_NISS:
        return found.niss == wanted.niss  # both normalised by validate_niss
    return found.birth_date == wanted.birth_date and normalise_last_name(
        found.last_name
    ) == normalise_last_name(wanted.last_name)


def _confirmed_matches(
    session: Session,
    privacy: Privacy,
    wanted: IdentityData,
    index_values: Sequence[tuple[str, str]],
    exclude_id: int | None = None,
) -> list[Person]:
    """Persons whose identity really equals `wanted` on an index, checked by decrypting.

    A truncated index is shared by many values by design (centre/privacy/blind_index.py), so
    it only yields candidates: each is decrypted and compared. Candidates whose data key was
    destroyed are dropped. These decryptions are not audited as reveals: nothing is shown,
    and the search or save that needs them is audited itself.
    """
    if not index_values:
        return []
    rows = session.execute(
        select(BlindIndex.person_id, BlindIndex.purpose).where(
            or_(*(and_(BlindIndex.purpose == p, BlindIndex.value == v) for p, v in index_values))
        )
    )
    purposes: dict[int, set[str]] = {}
    for person_id, purpose in rows:
        if person_id != exclude_id:
            purposes.setdefault(person_id, set()).add(purpose)
    if not purposes:
        return []
    candidates = session.scalars(
        select(Person)
        .where(Person.id.in_(list(purposes)))
        .options(selectinload(Person.identity))
        .order_by(Person.code)
    )
    found = []
    for person in candidates:
        try:
            theirs = _decrypt_identity(privacy, person, _MATCHED_FIELDS)
        except (IdentityErasedError, NoIdentityError):
            continue
        if any(_matches(purpose, wanted, theirs) for purpose in purposes[person.id]):
            found.append(person)
    return _kept_persons(session, found, exclude_id)


def _kept_persons(session: Session, found: list[Person], exclude_id: int | None) -> list[Person]:
    """Each match as the person its code stands for now, once: a merged person's identity
    stays theirs (sealed under their key), yet they are found as the person they were merged
    into, never as a separate person."""
    kept: dict[int, Person] = {}
    for person in found:
        now_as = resolve_merged(session, person)
        if now_as.id != exclude_id:
            kept.setdefault(now_as.id, now_as)
    return sorted(kept.values(), key=lambda person: person.code)


def find_by_identity(
    session: Session,
    privacy: Privacy,
    *,
    actor_id: int,
    niss: str = "",
    last_name: str = "",
    birth_date: date | None = None,
) -> list[Person]:
    """Persons whose NISS, or last name and birth date, match exactly (after normalising).

    FieldErrors on "niss" for a mistyped NISS, or for a search with neither a NISS nor a
    last name (one that does not normalise to nothing) with a birth date.
    """
    data = IdentityData(niss=checked_niss(niss), last_name=last_name.strip(), birth_date=birth_date)
    index_values = _index_values(privacy.blind_index_key, data)
    if not index_values:
        raise single("niss", "search_empty")
    found = _confirmed_matches(session, privacy, data, index_values)
    # The search terms are identifying: the audit keeps only who searched and what was found.
    record(session, actions.IDENTITY_SEARCHED, by=actor_id, on=len(found))
    return found


# --- retention --------------------------------------------------------------------------------


def persons_past_retention(session: Session, *, inactive_since: datetime) -> list[Person]:
    """Persons with an identity (or a live key) and no activity since `inactive_since`."""
    return list(
        session.scalars(
            select(Person)
            .where(Person.last_activity_at < inactive_since, Person.data_key_ref.is_not(None))
            .order_by(Person.id)
        )
    )


def apply_retention(
    session: Session, privacy: Privacy, *, inactive_since: datetime, dry_run: bool = False
) -> list[Person]:
    """Erase the identity of every person inactive since `inactive_since`; return them."""
    due = persons_past_retention(session, inactive_since=inactive_since)
    if not dry_run:
        for person in due:
            erase_identity(
                session, privacy, actor_id=None, person=person, reason=ErasureReason.RETENTION
            )
    return due
