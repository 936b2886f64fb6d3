"""Encrypted notes of a person's file: write, list, read, correct, add an addendum.

Pure: a session, the privacy extension, the acting user and plain values come in; results,
FieldErrors or named errors go out. A note's body is sealed under the person's own data key
(AES-GCM, bound to notes.body and the note's id, as the identity vault binds its fields), so
erasing the identity (destroying that key) erases every note body too. Lists read only a
note's type, date and author; a body is decrypted one note at a time, each read audited
(ids only, never the body). A person needs no identity consent for notes: a note is not
identity, so the first note makes the person's data key if they have none yet.
"""

from __future__ import annotations

import enum
import json
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session, defer

from centre.audit.models import AuditEvent
from centre.audit.services import record
from centre.db import utcnow
from centre.i18n import BRUSSELS
from centre.pagination import Page, paginate
from centre.people.actions import IDENTITY_ERASED
from centre.people.models import Person
from centre.privacy import Privacy
from centre.privacy.errors import DecryptionError, KeyDestroyedError
from centre.privacy.fields import FieldCipher
from centre.sqlite import lock_for_write
from centre.validation import EARLIEST, FieldErrors

from .. import actions
from ..models import CaseFile, CaseStatus, Note, NoteKind, PersonMerge

log = logging.getLogger(__name__)

NOTES_TABLE = Note.__tablename__
BODY_COLUMN = "body"
# Long enough for a thorough interview, short enough to stay a note: past it, split it.
MAX_BODY = 5000
CORRECTION_WINDOW = timedelta(hours=24)
# A note is about something that happened; before this, the year was mistyped.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class NoteError(Exception):
    """Base of the refusals the routes turn into messages."""


class NoteErasedError(NoteError):
    """The body was erased with the person's identity: its data key no longer exists."""


class NoteUnreadableError(NoteError):
    """The body does not decrypt under the person's key, which is not erased: altered data."""


class NotCorrectableReason(enum.StrEnum):
    # Each is also the message code (centre.messages) shown beside the body field.
    AUTHOR = "note_not_author"
    WINDOW = "note_correction_closed"
    ERASED = "note_erased"


class NotCorrectableError(NoteError):
    """Only its author corrects a note, within 24 hours; after that, an addendum."""

    def __init__(self, reason: NotCorrectableReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class NoteInput:
    """A note as typed. The body exists in clear only here, in memory."""

    kind: NoteKind | None
    written_on: date | None
    body: str

    def __repr__(self) -> str:
        # Never print a body into a log line or a traceback.
        return f"NoteInput(kind={self.kind}, written_on={self.written_on}, body=<hidden>)"


@dataclass(frozen=True)
class NoteSummary:
    """What a list shows of a note: never its body."""

    id: int
    kind: NoteKind
    written_on: date
    author_id: int
    created_at: datetime
    corrected_at: datetime | None
    addendum_to_id: int | None
    addenda: int
    erased: bool


def today_in_brussels(now: datetime) -> date:
    return now.astimezone(BRUSSELS).date()


# --- input ------------------------------------------------------------------------------------


def clean_body(text: str) -> str:
    """The body as stored: one kind of line break, no blank margins."""
    # Browsers send CRLF; counting it as two characters would refuse a note that fits.
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _check_body(problems: FieldErrors, body: str) -> None:
    if not body:
        problems.add("body", "required")
    elif len(body) > MAX_BODY:
        problems.add("body", "note_too_long", n=MAX_BODY, count=len(body))


def _check(data: NoteInput, today: date) -> FieldErrors:
    problems = FieldErrors()
    if data.kind is None:
        problems.add("kind", "required")
    if data.written_on is None:
        problems.add("written_on", "required")
    elif data.written_on > today:
        problems.add("written_on", "note_date_future")
    elif data.written_on < EARLIEST:
        problems.add("written_on", "note_date_too_old")
    _check_body(problems, clean_body(data.body))
    return problems


# --- keys -------------------------------------------------------------------------------------


def _sealing_cipher(session: Session, privacy: Privacy, person: Person) -> FieldCipher:
    """The person's cipher, making their data key if they have none yet.

    The person's row is locked and re-read first: two first notes written at once must not
    each make a key, or the note sealed under the key whose reference was overwritten
    would be unreadable for good.
    """
    lock_for_write(session)  # SQLite: the write lock; PostgreSQL: FOR UPDATE below
    session.refresh(person, attribute_names=["data_key_ref"], with_for_update=True)
    if person.data_key_ref is None:
        person.data_key_ref, cipher = privacy.new_person_key()
        return cipher
    return privacy.cipher_for(person.data_key_ref)


def _seal(note: Note, cipher: FieldCipher, body: str) -> None:
    note.body = cipher.encrypt_text(NOTES_TABLE, BODY_COLUMN, str(note.id), body)


def _mark_active(person: Person, now: datetime) -> None:
    # A note records a contact: identity retention counts from the last activity.
    if person.last_activity_at < now:
        person.last_activity_at = now


def _open_case_id(session: Session, person_id: int) -> int | None:
    # A note written while a case is open belongs to that case as well as to the person.
    return session.scalar(
        select(CaseFile.id).where(
            CaseFile.person_id == person_id, CaseFile.status != CaseStatus.CLOSED
        )
    )


# --- writing ----------------------------------------------------------------------------------


def _new_note(
    session: Session,
    privacy: Privacy,
    *,
    actor_id: int,
    person: Person,
    kind: NoteKind,
    written_on: date,
    body: str,
    addendum_to_id: int | None,
    now: datetime,
) -> Note:
    note = Note(
        person_id=person.id,
        case_id=_open_case_id(session, person.id),
        kind=kind,
        written_on=written_on,
        author_id=actor_id,
        addendum_to_id=addendum_to_id,
        created_at=now,
    )
    session.add(note)
    session.flush()  # the id the body is bound to
    _seal(note, _sealing_cipher(session, privacy, person), body)
    _mark_active(person, now)
    session.flush()
    record(session, actions.NOTE_WRITTEN, by=actor_id, on=note.id, person_id=person.id)
    return note


def write_note(
    session: Session,
    privacy: Privacy,
    *,
    actor_id: int,
    person: Person,
    data: NoteInput,
    now: datetime | None = None,
) -> Note:
    """A new note about the person, its body sealed under their data key.

    FieldErrors on "kind", "written_on" (required, not in the future, not before 2000) and
    "body" (required, at most MAX_BODY characters).
    """
    now = now or utcnow()
    _check(data, today_in_brussels(now)).raise_if_any()
    assert data.kind is not None and data.written_on is not None  # noqa: S101 - checked above
    return _new_note(
        session,
        privacy,
        actor_id=actor_id,
        person=person,
        kind=data.kind,
        written_on=data.written_on,
        body=clean_body(data.body),
        addendum_to_id=None,
        now=now,
    )


def add_addendum(
    session: Session,
    privacy: Privacy,
    *,
    actor_id: int,
    note: Note,
    body: str,
    now: datetime | None = None,
) -> Note:
    """A note that completes or corrects `note` once it can no longer be corrected.

    Dated today, of the same type; an addendum to an addendum joins the original note's
    addenda, so a note and everything added to it read as one list. FieldErrors on "body".
    """
    now = now or utcnow()
    problems = FieldErrors()
    body = clean_body(body)
    _check_body(problems, body)
    problems.raise_if_any()
    return _new_note(
        session,
        privacy,
        actor_id=actor_id,
        person=_person_of(session, note),
        kind=note.kind,
        written_on=today_in_brussels(now),
        body=body,
        addendum_to_id=note.addendum_to_id or note.id,
        now=now,
    )


# --- erasure ----------------------------------------------------------------------------------


def _person_of(session: Session, note: Note) -> Person:
    person = session.get(Person, note.person_id)
    assert person is not None  # noqa: S101 - a foreign key
    return person


def last_erasure(session: Session, person: Person) -> datetime | None:
    """When the person's identity, and so their data key, was last erased.

    Kept apart from `identity_erased_at`, which a new identity clears: the audit log keeps
    every erasure. A note sealed before it was sealed under a key that no longer exists.
    """
    logged = session.scalar(
        select(func.max(AuditEvent.at)).where(
            AuditEvent.person_id == person.id, AuditEvent.action == IDENTITY_ERASED.key
        )
    )
    moments = [m for m in (logged, person.identity_erased_at) if m is not None]
    return max(moments) if moments else None


def _resealed_at(session: Session, person: Person) -> dict[int, datetime]:
    """When merges last sealed notes under this person's key, by note id.

    A merge re-seals the notes it moves under the kept person's key, and its undo under the
    merged person's again (centre/cases/services/merge.py): for those notes, that is when
    their body was sealed, whatever their own dates say.
    """
    merges = session.scalars(
        select(PersonMerge).where(
            or_(
                PersonMerge.kept_id == person.id,
                and_(PersonMerge.merged_id == person.id, PersonMerge.undone_at.is_not(None)),
            )
        )
    )
    times: dict[int, datetime] = {}
    for merge in merges:
        at = merge.merged_at if merge.kept_id == person.id else merge.undone_at
        assert at is not None  # noqa: S101 - an undone merge has its time
        for note_id in json.loads(merge.moved).get(NOTES_TABLE, []):
            times[note_id] = max(at, times.get(note_id, at))
    return times


@dataclass(frozen=True)
class _Erasure:
    """What tells, without decrypting, whether a note's body went with an erased key."""

    key_gone: bool
    erased_at: datetime | None
    resealed: dict[int, datetime]

    def erased(self, note: Note) -> bool:
        if self.key_gone:
            return True  # every note makes a key; none left means it was destroyed
        if self.erased_at is None:
            return False
        sealed_at = max(note.corrected_at or note.created_at, self.resealed.get(note.id, EPOCH))
        return sealed_at <= self.erased_at


def _erasure_of(session: Session, person: Person) -> _Erasure:
    erased_at = last_erasure(session, person)
    key_gone = person.data_key_ref is None
    resealed = _resealed_at(session, person) if erased_at and not key_gone else {}
    return _Erasure(key_gone, erased_at, resealed)


def is_erased(session: Session, note: Note) -> bool:
    return _erasure_of(session, _person_of(session, note)).erased(note)


# --- reading ----------------------------------------------------------------------------------


def _decrypt(session: Session, privacy: Privacy, note: Note) -> str:
    """The body in clear. Not audited: callers are (read_note)."""
    if note.body is None:
        return ""  # only between a note's insert and its sealing, in the same flush
    person = _person_of(session, note)
    if person.data_key_ref is None or is_erased(session, note):
        raise NoteErasedError()
    try:
        cipher = privacy.cipher_for(person.data_key_ref)
    except KeyDestroyedError:
        raise NoteErasedError() from None
    try:
        return cipher.decrypt_text(NOTES_TABLE, BODY_COLUMN, str(note.id), note.body)
    except DecryptionError:
        log.warning("note %s does not decrypt under its person's key", note.id)
        raise NoteUnreadableError() from None


def read_note(session: Session, privacy: Privacy, *, actor_id: int, note: Note) -> str:
    """A note's body in clear, for display. Every read is audited (ids only).

    NoteErasedError once the person's identity was erased; nothing is audited then, as
    nothing was read.
    """
    body = _decrypt(session, privacy, note)
    record(session, actions.NOTE_READ, by=actor_id, on=note.id, person_id=note.person_id)
    return body


# --- correcting -------------------------------------------------------------------------------


def _check_correctable(session: Session, note: Note, actor_id: int, now: datetime) -> None:
    if note.author_id != actor_id:
        raise NotCorrectableError(NotCorrectableReason.AUTHOR)
    if now - note.created_at > CORRECTION_WINDOW:
        raise NotCorrectableError(NotCorrectableReason.WINDOW)
    if is_erased(session, note):
        raise NotCorrectableError(NotCorrectableReason.ERASED)


def is_correctable(
    session: Session, note: Note, actor_id: int, now: datetime | None = None
) -> bool:
    try:
        _check_correctable(session, note, actor_id, now or utcnow())
    except NotCorrectableError:
        return False
    return True


def correct_note(
    session: Session,
    privacy: Privacy,
    *,
    actor_id: int,
    note: Note,
    data: NoteInput,
    now: datetime | None = None,
) -> None:
    """Replace a note's type, date and body: its author only, within 24 hours of writing it.

    NotCorrectableError otherwise (then an addendum, `add_addendum`); FieldErrors as
    `write_note` for the input.
    """
    now = now or utcnow()
    _check_correctable(session, note, actor_id, now)
    _check(data, today_in_brussels(now)).raise_if_any()
    assert data.kind is not None and data.written_on is not None  # noqa: S101 - checked above
    person = _person_of(session, note)
    note.kind = data.kind
    note.written_on = data.written_on
    _seal(note, _sealing_cipher(session, privacy, person), clean_body(data.body))
    note.corrected_at = now
    session.flush()
    record(session, actions.NOTE_CORRECTED, by=actor_id, on=note.id, person_id=person.id)


# --- finding and listing ----------------------------------------------------------------------


def note_of(session: Session, person: Person, note_id: int) -> Note | None:
    """The note with this id if it is one of this person's; None otherwise."""
    note = session.get(Note, note_id)
    return note if note is not None and note.person_id == person.id else None


def addenda_of(session: Session, note: Note) -> list[Note]:
    """The addenda of a note, oldest first (bodies not loaded)."""
    return list(
        session.scalars(
            select(Note)
            .options(defer(Note.body))
            .where(Note.addendum_to_id == note.id)
            .order_by(Note.created_at, Note.id)
        )
    )


def notes_query(person_id: int) -> Select[Note]:
    """A person's notes, newest first: the day it happened, then the order of writing."""
    return (
        select(Note)
        .options(defer(Note.body))  # a list never even loads the ciphertexts
        .where(Note.person_id == person_id)
        .order_by(Note.written_on.desc(), Note.id.desc())
    )


def _addenda_counts(session: Session, note_ids: list[int]) -> dict[int, int]:
    if not note_ids:
        return {}
    rows = session.execute(
        select(Note.addendum_to_id, func.count())
        .where(Note.addendum_to_id.in_(note_ids))
        .group_by(Note.addendum_to_id)
    )
    return {note_id: count for note_id, count in rows if note_id is not None}


def list_notes(session: Session, *, person: Person, page: int, per_page: int) -> Page[NoteSummary]:
    """A person's notes, newest first, one page: type, date, author, never the body."""
    found = paginate(session, notes_query(person.id), page=page, per_page=per_page)
    addenda = _addenda_counts(session, [note.id for note in found.items])
    erasure = _erasure_of(session, person)
    items = [
        NoteSummary(
            id=note.id,
            kind=note.kind,
            written_on=note.written_on,
            author_id=note.author_id,
            created_at=note.created_at,
            corrected_at=note.corrected_at,
            addendum_to_id=note.addendum_to_id,
            addenda=addenda.get(note.id, 0),
            erased=erasure.erased(note),
        )
        for note in found.items
    ]
    return Page(items=items, number=found.number, per_page=per_page, total=found.total)
