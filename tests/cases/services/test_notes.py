"""Notes services: sealed bodies, metadata-only lists, audited reads, the correction window,
addenda, the length and date rules, and erasure with the person's identity."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role, User
from centre.cases.models import CaseFile, CaseStatus, Note, NoteKind, PersonMerge
from centre.cases.services import notes
from centre.cases.services.notes import NotCorrectableError, NotCorrectableReason, NoteInput
from centre.people import services as people
from centre.people.models import ErasureReason, Person
from centre.privacy import Privacy
from centre.validation import FieldErrors
from tests import factories
from tests.conftest import reread

BODY = "Came for the shower. Asked about a GP; we agreed to call the medical house on Monday."
# Noon in Brussels on a fixed day: "today" there is 2026-03-10 whatever the test's clock.
NOW = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
TODAY = date(2026, 3, 10)


@pytest.fixture
def privacy(app: Flask) -> Privacy:
    ext: Privacy = app.extensions["centre.privacy"]
    return ext


@pytest.fixture
def worker(session: Session, app: Flask) -> User:
    user = factories.user(session, app, role=Role.SOCIAL_WORKER)
    session.commit()
    return user


@pytest.fixture
def colleague(session: Session, app: Flask) -> User:
    user = factories.user(session, app, role=Role.SOCIAL_WORKER)
    session.commit()
    return user


@pytest.fixture
def person(session: Session, worker: User) -> Person:
    """A person known by their code only: no consent, no identity, no key yet."""
    created = factories.person(session, actor_id=worker.id)
    session.commit()
    return created


def typed(
    body: str = BODY, kind: NoteKind | None = NoteKind.SOCIAL_INTERVIEW, on: date | None = TODAY
) -> NoteInput:
    return NoteInput(kind=kind, written_on=on, body=body)


def write(
    session: Session,
    privacy: Privacy,
    worker: User,
    person: Person,
    body: str = BODY,
    *,
    on: date = TODAY,
    now: datetime = NOW,
) -> Note:
    note = notes.write_note(
        session, privacy, actor_id=worker.id, person=person, data=typed(body, on=on), now=now
    )
    session.commit()
    return note


def events(session: Session, action: str) -> list[AuditEvent]:
    reread(session)
    return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def problems_of(error: FieldErrors) -> dict[str, list[str]]:
    return {name: error.codes(name) for name in error}


# --- writing ----------------------------------------------------------------------------------


def test_a_note_is_sealed_under_the_persons_new_key_without_any_consent(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    assert person.data_key_ref is None and not person.consents
    note = write(session, privacy, worker, person)
    assert person.data_key_ref is not None, "the first note makes the person's data key"
    assert note.body is not None and BODY.encode() not in note.body
    assert note.author_id == worker.id and note.kind is NoteKind.SOCIAL_INTERVIEW
    assert note.written_on == TODAY and note.created_at == NOW and note.corrected_at is None
    # A note is activity, for the retention rule; a clock behind never moves it back.
    assert person.last_activity_at > NOW
    later = person.last_activity_at + timedelta(hours=1)
    write(session, privacy, worker, person, now=later)
    assert person.last_activity_at == later
    event = events(session, "note.written")[0]
    assert (event.object_type, event.object_id, event.person_id) == (
        "note",
        str(note.id),
        person.id,
    )
    assert event.actor_id == worker.id


def test_a_note_uses_the_key_of_a_recorded_identity_and_leaves_it_readable(
    session: Session, privacy: Privacy, worker: User
) -> None:
    person = factories.consenting_person(session, actor_id=worker.id)
    people.save_identity(
        session,
        privacy,
        actor_id=worker.id,
        person=person,
        data=people.IdentityData(last_name="Quintavalle"),
    )
    session.commit()
    key_ref = person.data_key_ref
    note = write(session, privacy, worker, person)
    assert person.data_key_ref == key_ref
    assert notes.read_note(session, privacy, actor_id=worker.id, note=note) == BODY
    revealed = people.reveal_identity(session, privacy, actor_id=worker.id, person=person)
    assert revealed.last_name == "Quintavalle"


def test_a_note_written_while_a_case_is_open_belongs_to_it(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    assert write(session, privacy, worker, person).case_id is None
    case = CaseFile(
        person_id=person.id,
        status=CaseStatus.OPEN,
        key_worker_id=worker.id,
        opened_on=TODAY,
        created_by_id=worker.id,
    )
    session.add(case)
    session.commit()
    assert write(session, privacy, worker, person).case_id == case.id


def test_the_body_is_bound_to_its_note(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    """A ciphertext copied onto another note (same person, same key) does not decrypt."""
    first = write(session, privacy, worker, person, "first")
    second = write(session, privacy, worker, person, "second")
    second.body = first.body
    session.commit()
    with pytest.raises(notes.NoteUnreadableError):
        notes.read_note(session, privacy, actor_id=worker.id, note=second)
    assert events(session, "note.read") == [], "nothing was read, nothing is audited"


def test_the_input_is_never_printed() -> None:
    assert BODY not in repr(typed()) and "hidden" in repr(typed())


# --- input rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (typed(body=""), {"body": ["required"]}),
        (typed(body="  \r\n "), {"body": ["required"]}),
        (typed(body="x" * (notes.MAX_BODY + 1)), {"body": ["note_too_long"]}),
        (typed(kind=None), {"kind": ["required"]}),
        (typed(on=None), {"written_on": ["required"]}),
        (typed(on=TODAY + timedelta(days=1)), {"written_on": ["note_date_future"]}),
        (typed(on=date(1999, 12, 31)), {"written_on": ["note_date_too_old"]}),
        (
            NoteInput(kind=None, written_on=date(2099, 1, 1), body=""),
            {"kind": ["required"], "written_on": ["note_date_future"], "body": ["required"]},
        ),
    ],
)
def test_bad_input_is_refused_with_every_problem_and_nothing_is_written(
    session: Session,
    privacy: Privacy,
    worker: User,
    person: Person,
    data: NoteInput,
    expected: dict[str, list[str]],
) -> None:
    with pytest.raises(FieldErrors) as refused:
        notes.write_note(session, privacy, actor_id=worker.id, person=person, data=data, now=NOW)
    assert problems_of(refused.value) == expected
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Note)) == 0
    assert person.data_key_ref is None, "no key is made for a refused note"


def test_the_length_limit_names_the_limit_and_the_count(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    with pytest.raises(FieldErrors) as refused:
        notes.write_note(
            session, privacy, actor_id=worker.id, person=person, data=typed("é" * 5001), now=NOW
        )
    (problem,) = refused.value.get("body")
    assert dict(problem.params) == {"n": 5000, "count": 5001}


def test_a_note_of_exactly_the_limit_fits_and_line_breaks_count_once(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    # 2,500 lines as a browser sends them (CRLF): 5,000 characters once stored.
    body = "\r\n".join(["x"] * 2500) + "x" * 1
    note = write(session, privacy, worker, person, body)
    stored = notes.read_note(session, privacy, actor_id=worker.id, note=note)
    assert len(stored) == 5000 and "\r" not in stored
    at_limit = write(session, privacy, worker, person, "y" * notes.MAX_BODY)
    assert len(notes.read_note(session, privacy, actor_id=worker.id, note=at_limit)) == 5000


def test_a_date_is_today_in_brussels(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    # 23:30 UTC on 31 December is already 1 January in Brussels.
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    note = write(session, privacy, worker, person, on=date(2027, 1, 1), now=new_year)
    assert note.written_on == date(2027, 1, 1)


# --- reading and listing ----------------------------------------------------------------------


def test_reading_decrypts_one_note_and_is_audited_with_ids_only(
    session: Session, privacy: Privacy, worker: User, colleague: User, person: Person
) -> None:
    note = write(session, privacy, worker, person)
    assert notes.read_note(session, privacy, actor_id=colleague.id, note=note) == BODY
    session.commit()
    (event,) = events(session, "note.read")
    assert (event.actor_id, event.object_type, event.object_id, event.person_id) == (
        colleague.id,
        "note",
        str(note.id),
        person.id,
    )
    notes.read_note(session, privacy, actor_id=colleague.id, note=note)
    session.commit()
    assert len(events(session, "note.read")) == 2, "every read, not only the first"


def test_the_list_is_newest_first_and_never_carries_a_body(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    older = write(session, privacy, worker, person, "older", on=date(2026, 3, 1))
    newer = write(session, privacy, worker, person, "newer", on=date(2026, 3, 9))
    same_day_later = write(session, privacy, worker, person, "later", on=date(2026, 3, 9))
    page = notes.list_notes(session, person=person, page=1, per_page=10)
    assert [item.id for item in page.items] == [same_day_later.id, newer.id, older.id]
    assert all(not hasattr(item, "body") for item in page.items)
    assert events(session, "note.read") == [], "a list decrypts nothing"


def test_the_list_past_its_first_page(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    written = [
        write(session, privacy, worker, person, f"note {n}", on=TODAY - timedelta(days=n))
        for n in range(12)
    ]
    first = notes.list_notes(session, person=person, page=1, per_page=5)
    third = notes.list_notes(session, person=person, page=3, per_page=5)
    beyond = notes.list_notes(session, person=person, page=99, per_page=5)
    assert (first.total, first.pages, first.has_next) == (12, 3, True)
    assert [i.id for i in first.items] == [n.id for n in written[:5]]
    assert [i.id for i in third.items] == [n.id for n in written[10:]]
    assert beyond.number == 3 and [i.id for i in beyond.items] == [i.id for i in third.items]


def test_another_persons_note_is_not_found_under_this_person(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    other = factories.person(session, actor_id=worker.id)
    note = write(session, privacy, worker, other)
    assert notes.note_of(session, person, note.id) is None
    assert notes.note_of(session, other, note.id) is note
    assert notes.list_notes(session, person=person, page=1, per_page=5).total == 0


# --- correction and addenda -------------------------------------------------------------------


def test_the_author_corrects_within_24_hours(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    note = write(session, privacy, worker, person)
    later = NOW + timedelta(hours=23, minutes=59)
    assert notes.is_correctable(session, note, worker.id, later)
    notes.correct_note(
        session,
        privacy,
        actor_id=worker.id,
        note=note,
        data=typed("Phone call, not an interview.", kind=NoteKind.PHONE_CALL),
        now=later,
    )
    session.commit()
    assert note.kind is NoteKind.PHONE_CALL and note.corrected_at == later
    read = notes.read_note(session, privacy, actor_id=worker.id, note=note)
    assert read == "Phone call, not an interview."
    (event,) = events(session, "note.corrected")
    assert (event.object_id, event.person_id) == (str(note.id), person.id)


def test_after_24_hours_a_note_is_no_longer_corrected(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    note = write(session, privacy, worker, person)
    late = NOW + timedelta(hours=24, seconds=1)
    assert not notes.is_correctable(session, note, worker.id, late)
    with pytest.raises(NotCorrectableError) as refused:
        notes.correct_note(
            session, privacy, actor_id=worker.id, note=note, data=typed("changed"), now=late
        )
    assert refused.value.reason is NotCorrectableReason.WINDOW
    session.rollback()
    assert notes.read_note(session, privacy, actor_id=worker.id, note=note) == BODY


def test_only_its_author_corrects_a_note(
    session: Session, privacy: Privacy, worker: User, colleague: User, person: Person
) -> None:
    note = write(session, privacy, worker, person)
    with pytest.raises(NotCorrectableError) as refused:
        notes.correct_note(
            session, privacy, actor_id=colleague.id, note=note, data=typed("mine"), now=NOW
        )
    assert refused.value.reason is NotCorrectableReason.AUTHOR
    assert not notes.is_correctable(session, note, colleague.id, NOW)


def test_a_correction_follows_the_same_input_rules(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    note = write(session, privacy, worker, person)
    with pytest.raises(FieldErrors) as refused:
        notes.correct_note(
            session,
            privacy,
            actor_id=worker.id,
            note=note,
            data=typed("x" * 5001, on=TODAY + timedelta(days=2)),
            now=NOW,
        )
    assert problems_of(refused.value) == {
        "written_on": ["note_date_future"],
        "body": ["note_too_long"],
    }


def test_an_addendum_follows_the_note_and_joins_the_original(
    session: Session, privacy: Privacy, worker: User, colleague: User, person: Person
) -> None:
    note = write(session, privacy, worker, person, on=date(2026, 3, 1), now=NOW)
    a_week_later = NOW + timedelta(days=7)
    first = notes.add_addendum(
        session,
        privacy,
        actor_id=colleague.id,
        note=note,
        body="The GP is found.",
        now=a_week_later,
    )
    second = notes.add_addendum(
        session, privacy, actor_id=worker.id, note=first, body="Appointment kept.", now=a_week_later
    )
    session.commit()
    assert first.addendum_to_id == note.id and second.addendum_to_id == note.id
    assert first.kind is note.kind and first.written_on == date(2026, 3, 17)
    assert notes.read_note(session, privacy, actor_id=worker.id, note=first) == "The GP is found."
    assert [a.id for a in notes.addenda_of(session, note)] == [first.id, second.id]
    page = notes.list_notes(session, person=person, page=1, per_page=10)
    summary = {item.id: item for item in page.items}
    assert summary[note.id].addenda == 2 and summary[first.id].addendum_to_id == note.id
    assert len(events(session, "note.written")) == 3
    with pytest.raises(FieldErrors) as refused:
        notes.add_addendum(session, privacy, actor_id=worker.id, note=note, body="x" * 5001)
    assert refused.value.codes("body") == ["note_too_long"]


# --- erasure ----------------------------------------------------------------------------------


def erase(session: Session, privacy: Privacy, worker: User, person: Person) -> None:
    people.erase_identity(
        session, privacy, actor_id=worker.id, person=person, reason=ErasureReason.REQUEST
    )
    session.commit()


def test_erasing_the_identity_makes_every_note_body_unreadable(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    now = datetime.now(UTC)  # erasure is recorded at the real time
    first = write(session, privacy, worker, person, "one", now=now, on=now.date())
    second = write(session, privacy, worker, person, "two", now=now, on=now.date())
    key_ref = person.data_key_ref
    assert key_ref is not None
    erase(session, privacy, worker, person)
    for note in (first, second):
        with pytest.raises(notes.NoteErasedError):
            notes.read_note(session, privacy, actor_id=worker.id, note=note)
        assert notes.is_erased(session, note)
        with pytest.raises(NotCorrectableError) as refused:
            notes.correct_note(
                session, privacy, actor_id=worker.id, note=note, data=typed(on=now.date())
            )
        assert refused.value.reason is NotCorrectableReason.ERASED
    assert all(i.erased for i in notes.list_notes(session, person=person, page=1, per_page=9).items)
    assert events(session, "note.read") == []


def test_notes_written_after_an_erasure_get_a_new_key_and_old_ones_stay_erased(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    today = datetime.now(UTC).date()
    before = write(session, privacy, worker, person, "before", now=datetime.now(UTC), on=today)
    old_key = person.data_key_ref
    erase(session, privacy, worker, person)
    after = write(session, privacy, worker, person, "after", now=datetime.now(UTC), on=today)
    assert person.data_key_ref not in (None, old_key)
    assert notes.read_note(session, privacy, actor_id=worker.id, note=after) == "after"
    with pytest.raises(notes.NoteErasedError):
        notes.read_note(session, privacy, actor_id=worker.id, note=before)
    erased = {
        i.id: i.erased for i in notes.list_notes(session, person=person, page=1, per_page=9).items
    }
    assert erased == {before.id: True, after.id: False}


def test_a_note_a_merge_resealed_after_an_erasure_stays_readable(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    """The merge re-seals moved notes under the kept person's key (cases/services/merge.py):
    an erasure of the kept person's identity before the merge does not touch them."""
    today = datetime.now(UTC).date()
    own = write(session, privacy, worker, person, "kept's own", now=datetime.now(UTC), on=today)
    erase(session, privacy, worker, person)
    write(session, privacy, worker, person, "after", now=datetime.now(UTC), on=today)
    merged = factories.person(session, actor_id=worker.id)
    moved = write(session, privacy, worker, merged, "moved", now=NOW)  # older than the erasure
    # What the merge does to a note: re-point it, re-seal it under the kept person's key.
    assert person.data_key_ref is not None
    cipher = privacy.cipher_for(person.data_key_ref)
    moved.person_id = person.id
    moved.body = cipher.encrypt_text("notes", "body", str(moved.id), "moved")
    session.add(
        PersonMerge(
            kept_id=person.id,
            merged_id=merged.id,
            moved=json.dumps({"notes": [moved.id]}),
            merged_at=datetime.now(UTC),
            merged_by_id=worker.id,
        )
    )
    session.commit()
    assert notes.read_note(session, privacy, actor_id=worker.id, note=moved) == "moved"
    with pytest.raises(notes.NoteErasedError):
        notes.read_note(session, privacy, actor_id=worker.id, note=own)
    listed = notes.list_notes(session, person=person, page=1, per_page=9).items
    assert {i.id: i.erased for i in listed}[moved.id] is False
    assert {i.id: i.erased for i in listed}[own.id] is True
