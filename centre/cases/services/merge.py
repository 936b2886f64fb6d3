"""Two codes found to be the same person: merge them, and undo the merge within 30 days.

Pure: a session, the privacy extension, the acting user and `now` come in; results,
FieldErrors or named errors go out. One person is kept; the other's activity (visits,
incidents, cases, notes, referrals, rights, assessments) moves to it, what is bound to the
merged person (identity, its blind indexes, consents) stays theirs, and the audit log is
never rewritten. The merged code keeps resolving, to the kept person
(`centre.people.services.resolve_merged`). `PersonMerge.moved` names every row that moved,
so an undo moves exactly those back.

Notes and referral remarks are sealed under the person's own data key and bound to their
row's id (never to the person), so a moved body is re-sealed: opened with the merged
person's key and sealed under the kept person's at the merge, and the other way round at
undo, in the same transaction as the move, audited as the merge and its undo are. A body or
remark that no longer opens under the merged person's key was erased with their identity
(crypto-shredding): nothing can re-seal it, so its row stays with the merged person.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from centre.audit.actions import Action
from centre.audit.services import record
from centre.db import Base, utcnow
from centre.employment.services import day_labour_clashes
from centre.housing.services.stays import open_stay_of
from centre.housing.services.waiting import pending_programmes
from centre.people import services as people
from centre.people.models import Person
from centre.privacy import Privacy
from centre.privacy.errors import DecryptionError, KeyDestroyedError
from centre.privacy.fields import FieldCipher
from centre.sqlite import lock_for_write
from centre.validation import single

from .. import actions
from ..models import Note, PersonMerge, Referral
from .cases import open_case_of

UNDO_WINDOW = timedelta(days=30)


class Fate(enum.Enum):
    MOVES = "moves"  # re-pointed to the kept person; back to the merged person at undo
    STAYS = "stays"  # stays with the merged person


@dataclass(frozen=True)
class PersonTable:
    table: str
    fate: Fate
    # The column sealed under the person's data key, bound to (table, column, row id).
    sealed: str | None = None


# Every table with a person_id column, and what a merge does with its rows. A test walks
# Base.metadata: a new table with a person_id column fails it until it is decided here.
PERSON_TABLES: tuple[PersonTable, ...] = (
    # Activity: what happened with the person, whichever code it was logged under.
    PersonTable("visits", Fate.MOVES),
    PersonTable("incidents", Fate.MOVES),
    # With their events, goals and goals' history, which hang on the case, not the person.
    # One open case per person (a unique index): refused when both persons have one.
    PersonTable("case_files", Fate.MOVES),
    # Re-sealed under the kept person's key (and back at undo); an erased one stays.
    PersonTable("notes", Fate.MOVES, sealed="body"),
    PersonTable("referrals", Fate.MOVES, sealed="remark"),
    PersonTable("insurance_records", Fate.MOVES),
    PersonTable("reaffiliation_events", Fate.MOVES),
    PersonTable("substance_assessments", Fate.MOVES),
    # Housing history: the stays and waiting-list places. Refused while both persons have a
    # stay running, or wait on the same programme's list (one of each at a time).
    PersonTable("stays", Fate.MOVES),
    PersonTable("housing_applications", Fate.MOVES),
    # Day labour: sign-ups, the pay ledger and the phases reached. Refused while both persons
    # are signed up for one offer or have reached one phase (one of each per person).
    PersonTable("work_signups", Fate.MOVES),
    PersonTable("work_pay_lines", Fate.MOVES),
    PersonTable("work_phase_steps", Fate.MOVES),
    # The identity is sealed under the merged person's key and bound to their id; its blind
    # indexes point at it (a search finds the merged person, then resolves to the kept one);
    # the consents are what that person agreed to for it. All three stay theirs.
    PersonTable("identities", Fate.STAYS),
    PersonTable("blind_indexes", Fate.STAYS),
    PersonTable("consents", Fate.STAYS),
    # Append-only and chained: never rewritten. The merge and its undo add an event on each.
    PersonTable("audit_events", Fate.STAYS),
)
MOVING = tuple(t for t in PERSON_TABLES if t.fate is Fate.MOVES)

Rows = dict[str, list[int]]


# --- refusals ---------------------------------------------------------------------------------


class UndoRefusedError(Exception):
    """A merge that cannot be undone; `code` names the message (centre.messages)."""

    code = "merge_undo_refused"

    def __init__(self, **params: object) -> None:
        super().__init__(self.code)
        self.params = params


class AlreadyUndoneError(UndoRefusedError):
    code = "merge_already_undone"


class UndoWindowClosedError(UndoRefusedError):
    """Past UNDO_WINDOW the merge is final: new activity has been built on it."""

    code = "merge_undo_too_late"


class LaterMergeFirstError(UndoRefusedError):
    """The kept person was merged into a third since: that merge is undone first."""

    code = "merge_undo_later_first"


class KeyErasedSinceError(UndoRefusedError):
    """A data key the moved bodies need was destroyed since the merge (identity erased)."""

    code = "merge_undo_erased"


# --- finding the person to merge ---------------------------------------------------------------


def check_mergeable(session: Session, *, kept: Person, merged: Person) -> None:
    """FieldErrors on "code" when `merged` may not be merged into `kept`.

    merge_same_code for one person twice, merge_already_merged for a code merged before
    (the kept side as well), merge_both_open when each has an open case, merge_both_housed
    when each has a stay running, merge_both_waiting when both wait on one programme's list,
    merge_both_day_labour when both signed up for one offer or reached one phase.
    """
    if merged.id == kept.id:
        raise single("code", "merge_same_code")
    for person in (merged, kept):
        if person.merged_into_id is not None:
            now_as = people.resolve_merged(session, person)
            raise single("code", "merge_already_merged", merged=person.code, kept=now_as.code)
    if open_case_of(session, kept.id) and open_case_of(session, merged.id):
        raise single("code", "merge_both_open")
    if open_stay_of(session, kept.id) and open_stay_of(session, merged.id):
        raise single("code", "merge_both_housed")
    if pending_programmes(session, kept.id) & pending_programmes(session, merged.id):
        raise single("code", "merge_both_waiting")
    if day_labour_clashes(session, kept.id, merged.id):
        raise single("code", "merge_both_day_labour")


def person_to_merge(session: Session, *, kept: Person, code: str) -> Person:
    """The person a typed code names, if they may be merged into `kept`.

    FieldErrors on "code": a mistyped or unknown code (as everywhere a code is typed), or
    one of `check_mergeable`'s refusals.
    """
    merged = people.find_by_code(session, code, follow_merges=False)
    check_mergeable(session, kept=kept, merged=merged)
    return merged


# --- what moves -------------------------------------------------------------------------------


def _table(name: str) -> Table:
    return Base.metadata.tables[name]


def _cipher(privacy: Privacy, person: Person) -> FieldCipher | None:
    if person.data_key_ref is None:
        return None
    try:
        return privacy.cipher_for(person.data_key_ref)
    except KeyDestroyedError:
        return None


def _opens(cipher: FieldCipher | None, spec: PersonTable, row_id: int, blob: bytes) -> bool:
    assert spec.sealed is not None  # noqa: S101 - only sealed tables come here
    if cipher is None:
        return False
    try:
        cipher.decrypt_bytes(spec.table, spec.sealed, str(row_id), blob)
    except DecryptionError:
        return False
    return True


def _sealed_rows(session: Session, spec: PersonTable, ids: Iterable[int]) -> dict[int, bytes]:
    """The sealed values of these rows, by row id (rows without one left out)."""
    assert spec.sealed is not None  # noqa: S101 - only sealed tables come here
    table = _table(spec.table)
    column = table.c[spec.sealed]
    found = session.execute(
        select(table.c.id, column).where(table.c.id.in_(list(ids)), column.is_not(None))
    )
    return {row_id: blob for row_id, blob in found}


def _rows_of(session: Session, spec: PersonTable, person_id: int) -> list[int]:
    table = _table(spec.table)
    return list(
        session.scalars(
            select(table.c.id).where(table.c.person_id == person_id).order_by(table.c.id)
        )
    )


@dataclass(frozen=True)
class MergePlan:
    """What a merge would move (`moving`), and the erased bodies that stay (`staying`)."""

    kept: Person
    merged: Person
    moving: Rows
    staying: Rows

    def counts(self) -> dict[str, int]:
        return {table: len(ids) for table, ids in self.moving.items()}


def plan_merge(session: Session, privacy: Privacy, *, kept: Person, merged: Person) -> MergePlan:
    """Which rows of `merged` would move to `kept`: every row of a moving table, but those
    whose sealed body no longer opens under the merged person's key (erased)."""
    cipher = _cipher(privacy, merged)
    moving: Rows = {}
    staying: Rows = {}
    for spec in MOVING:
        ids = _rows_of(session, spec, merged.id)
        sealed = _sealed_rows(session, spec, ids) if spec.sealed else {}
        erased = {i for i, blob in sealed.items() if not _opens(cipher, spec, i, blob)}
        moving[spec.table] = [i for i in ids if i not in erased]
        if erased:
            staying[spec.table] = sorted(erased)
    return MergePlan(kept, merged, moving, staying)


# --- moving rows ------------------------------------------------------------------------------


def _lock(session: Session, *persons: Person) -> None:
    """Take both persons' rows before reading what to move: two merges never interleave."""
    lock_for_write(session)  # SQLite: the write lock; PostgreSQL: FOR UPDATE below
    for person in sorted(persons, key=lambda p: p.id):
        session.refresh(person, with_for_update=True)


def _key_of(session: Session, privacy: Privacy, person: Person) -> FieldCipher:
    """The person's cipher, making their data key if they have none yet (as a first note
    does); their row is locked already."""
    if person.data_key_ref is None:
        person.data_key_ref, cipher = privacy.new_person_key()
        session.flush()
        return cipher
    return privacy.cipher_for(person.data_key_ref)


def _reseal(session: Session, rows: Rows, source: FieldCipher, target: FieldCipher | None) -> None:
    """Open each moving sealed value with `source` and seal it again under `target`."""
    for spec in MOVING:
        if spec.sealed is None or not rows.get(spec.table):
            continue
        table = _table(spec.table)
        for row_id, blob in _sealed_rows(session, spec, rows[spec.table]).items():
            assert target is not None  # noqa: S101 - callers make one when anything is sealed
            plain = source.decrypt_bytes(spec.table, spec.sealed, str(row_id), blob)
            session.execute(
                update(table)
                .where(table.c.id == row_id)
                .values(
                    {spec.sealed: target.encrypt_bytes(spec.table, spec.sealed, str(row_id), plain)}
                )
            )


def _move(session: Session, rows: Rows, *, from_id: int, to_id: int) -> None:
    """Re-point these rows from one person to the other; nothing else of them changes (not
    even their version: nobody edited them)."""
    for table_name, ids in rows.items():
        if ids:
            table = _table(table_name)
            session.execute(
                update(table)
                .where(table.c.id.in_(ids), table.c.person_id == from_id)
                .values(person_id=to_id)
            )


def _has_sealed(session: Session, rows: Rows) -> bool:
    return any(
        spec.sealed and rows.get(spec.table) and _sealed_rows(session, spec, rows[spec.table])
        for spec in MOVING
    )


def _record_both(session: Session, action: Action, actor_id: int, merge: PersonMerge) -> None:
    for person_id in (merge.kept_id, merge.merged_id):
        record(session, action, by=actor_id, on=merge.id, person_id=person_id)


# --- merging ----------------------------------------------------------------------------------


def merge_persons(
    session: Session,
    privacy: Privacy,
    *,
    actor_id: int,
    kept: Person,
    merged: Person,
    now: datetime | None = None,
) -> PersonMerge:
    """Merge `merged` into `kept`: its activity moves, its code resolves to `kept`.

    FieldErrors on "code" as `check_mergeable`. Audited on both persons.
    """
    now = now or utcnow()
    session.flush()
    _lock(session, kept, merged)
    check_mergeable(session, kept=kept, merged=merged)
    plan = plan_merge(session, privacy, kept=kept, merged=merged)
    if _has_sealed(session, plan.moving):
        source = _cipher(privacy, merged)
        assert source is not None  # noqa: S101 - what opens under no key is not in the plan
        _reseal(session, plan.moving, source, _key_of(session, privacy, kept))
    _move(session, plan.moving, from_id=merged.id, to_id=kept.id)
    merged.merged_into_id = kept.id
    merge = PersonMerge(
        kept_id=kept.id,
        merged_id=merged.id,
        moved=json.dumps(plan.moving, sort_keys=True),
        merged_at=now,
        merged_by_id=actor_id,
    )
    session.add(merge)
    session.flush()
    # The moved rows were changed behind the session's back: read them again when asked.
    session.expire_all()
    _record_both(session, actions.PERSONS_MERGED, actor_id, merge)
    return merge


# --- undoing ----------------------------------------------------------------------------------


def moved_rows(merge: PersonMerge) -> Rows:
    """The rows the merge moved, by table, as it recorded them."""
    moved: Rows = json.loads(merge.moved)
    return moved


def _persons(session: Session, merge: PersonMerge) -> tuple[Person, Person]:
    kept = session.get(Person, merge.kept_id)
    merged = session.get(Person, merge.merged_id)
    assert kept is not None and merged is not None  # noqa: S101 - foreign keys
    return kept, merged


def _followers(session: Session, kept_id: int, back: Rows) -> Rows:
    """Notes and referrals written on the kept person since the merge that hang on a case
    or a note going back: they were written in that file, so they go back with it."""
    cases = back.get("case_files", [])
    notes = back.get("notes", [])
    note_ids = session.scalars(
        select(Note.id).where(
            Note.person_id == kept_id,
            Note.id.not_in(notes),
            Note.case_id.in_(cases) | Note.addendum_to_id.in_(notes),
        )
    )
    referral_ids = session.scalars(
        select(Referral.id).where(
            Referral.person_id == kept_id,
            Referral.id.not_in(back.get("referrals", [])),
            Referral.case_id.in_(cases),
        )
    )
    return {"notes": list(note_ids), "referrals": list(referral_ids)}


def _still_on_kept(session: Session, merge: PersonMerge) -> Rows:
    """The moved rows still on the kept person (one corrected to a third person since,
    such as an incident, stays where it was put)."""
    back: Rows = {}
    for table_name, ids in moved_rows(merge).items():
        table = _table(table_name)
        back[table_name] = list(
            session.scalars(
                select(table.c.id)
                .where(table.c.id.in_(ids), table.c.person_id == merge.kept_id)
                .order_by(table.c.id)
            )
        )
    return back


def _check_undoable(session: Session, merge: PersonMerge, now: datetime) -> None:
    if merge.undone_at is not None:
        raise AlreadyUndoneError()
    if now - merge.merged_at > UNDO_WINDOW:
        raise UndoWindowClosedError(days=UNDO_WINDOW.days)
    kept, _merged = _persons(session, merge)
    if kept.merged_into_id is not None:
        raise LaterMergeFirstError(code=people.resolve_merged(session, kept).code)


def _check_keys(session: Session, privacy: Privacy, merge: PersonMerge, back: Rows) -> None:
    """Every sealed value going back must open under the kept person's key, and the merged
    person must still have a key to seal it under."""
    kept, merged = _persons(session, merge)
    cipher = _cipher(privacy, kept)
    for spec in MOVING:
        if spec.sealed is None or not back.get(spec.table):
            continue
        sealed = _sealed_rows(session, spec, back[spec.table])
        if sealed and _cipher(privacy, merged) is None:
            raise KeyErasedSinceError()
        if not all(_opens(cipher, spec, i, blob) for i, blob in sealed.items()):
            raise KeyErasedSinceError()


def undo_plan(session: Session, privacy: Privacy, *, merge: PersonMerge, now: datetime) -> Rows:
    """The rows an undo would move back to the merged person, by table.

    UndoRefusedError (one of its kinds) when the merge cannot be undone.
    """
    _check_undoable(session, merge, now)
    back = _still_on_kept(session, merge)
    for table_name, ids in _followers(session, merge.kept_id, back).items():
        back[table_name] = sorted({*back.get(table_name, []), *ids})
    _check_keys(session, privacy, merge, back)
    return back


def undo_merge(
    session: Session,
    privacy: Privacy,
    *,
    actor_id: int,
    merge: PersonMerge,
    now: datetime | None = None,
) -> Rows:
    """Give the merged person back what the merge moved; their code is theirs again.

    Within UNDO_WINDOW of the merge; UndoRefusedError otherwise, or when it was undone
    already, when the kept person was merged since, or when a key the moved bodies need was
    erased since. Audited on both persons. Returns what moved back.
    """
    now = now or utcnow()
    kept, merged = _persons(session, merge)
    session.flush()
    _lock(session, kept, merged)
    session.refresh(merge, with_for_update=True)
    back = undo_plan(session, privacy, merge=merge, now=now)
    if _has_sealed(session, back):
        source = _cipher(privacy, kept)
        assert source is not None  # noqa: S101 - _check_keys made sure
        _reseal(session, back, source, _cipher(privacy, merged))
    _move(session, back, from_id=kept.id, to_id=merged.id)
    merged.merged_into_id = None
    merge.undone_at = now
    merge.undone_by_id = actor_id
    session.flush()
    session.expire_all()
    _record_both(session, actions.MERGE_UNDONE, actor_id, merge)
    return back


# --- listing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeEntry:
    """A merge into a person, as their file lists it."""

    merge: PersonMerge
    merged_code: str
    undo_until: datetime
    may_undo: bool  # not undone and within the window (other refusals show on its page)


def merges_of(session: Session, person: Person, now: datetime | None = None) -> list[MergeEntry]:
    """The merges into `person`, newest first."""
    now = now or utcnow()
    found = session.execute(
        select(PersonMerge, Person.code)
        .join(Person, Person.id == PersonMerge.merged_id)
        .where(PersonMerge.kept_id == person.id)
        .order_by(PersonMerge.merged_at.desc(), PersonMerge.id.desc())
    )
    return [
        MergeEntry(
            merge=merge,
            merged_code=code,
            undo_until=merge.merged_at + UNDO_WINDOW,
            may_undo=merge.undone_at is None and now - merge.merged_at <= UNDO_WINDOW,
        )
        for merge, code in found
    ]


def merge_of(session: Session, person: Person, merge_id: int) -> PersonMerge | None:
    """The merge with this id if it is one into this person; None otherwise."""
    merge = session.get(PersonMerge, merge_id)
    return merge if merge is not None and merge.kept_id == person.id else None
