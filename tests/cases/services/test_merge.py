"""Merging two codes found to be the same person, and undoing it.

The acceptance test builds two persons with activity of every kind, snapshots every row of
every person-linked table, merges, checks what moved and what stayed, undoes, and finds
every row as it was. Bodies sealed under a person's key are compared in clear: a merge
re-seals them, so their ciphertexts differ while what they say must not.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role, User
from centre.cases import models
from centre.cases.models import (
    CaseEvent,
    CaseEventKind,
    CaseFile,
    CaseStatus,
    ClosureReason,
    Drug,
    Frequency,
    Goal,
    GoalChange,
    GoalStatus,
    Injecting,
    InsuranceRecord,
    InsuranceStatus,
    LabourStatus,
    LifeDomain,
    LivingWhere,
    Note,
    NoteKind,
    PersonMerge,
    ReaffiliationEvent,
    ReaffiliationStep,
    Referral,
    ReferralEvent,
    ReferralSource,
    ReferralStatus,
    Route,
    SubstanceAssessment,
    Substitution,
    TreatmentStatus,
    Urgency,
)
from centre.cases.services import merge as services
from centre.catalogues.models import Site
from centre.db import Base
from centre.directory.models import Partner, PartnerKind
from centre.people import services as people
from centre.people.models import BlindIndex, Consent, ErasureReason, Identity, Person
from centre.privacy import Privacy
from centre.privacy.fields import FieldCipher
from centre.reception.models import Incident, IncidentKind, Visit
from centre.validation import FieldErrors
from tests import factories

NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DAY = date(2026, 2, 20)
JEAN = people.IdentityData(last_name="Dupont", birth_date=date(1985, 7, 30), niss="85073003328")
# Sealed columns bound to their row (not to the person): compared in clear.
SEALED = {"notes": "body", "referrals": "remark"}
# Rows hanging on a person-linked row rather than on the person.
CHILD_TABLES = ("case_events", "goals", "goal_changes", "referral_events", "persons")


@pytest.fixture
def privacy(app: Flask) -> Privacy:
    ext: Privacy = app.extensions["centre.privacy"]
    return ext


@pytest.fixture
def worker(session: Session, app: Flask) -> User:
    user = factories.user(session, app, role=Role.SOCIAL_WORKER)
    session.commit()
    return user


# --- building two persons' files --------------------------------------------------------------


def cipher_of(session: Session, privacy: Privacy, person: Person) -> FieldCipher:
    if person.data_key_ref is None:
        person.data_key_ref, cipher = privacy.new_person_key()
        session.flush()
        return cipher
    return privacy.cipher_for(person.data_key_ref)


def note(
    session: Session,
    privacy: Privacy,
    person: Person,
    author: User,
    body: str,
    *,
    case_id: int | None = None,
    addendum_to: Note | None = None,
) -> Note:
    """A note sealed as the notes service seals one: (notes, body, note id), person's key."""
    written = Note(
        person_id=person.id,
        case_id=case_id,
        kind=NoteKind.SOCIAL_INTERVIEW,
        written_on=DAY,
        author_id=author.id,
        addendum_to_id=addendum_to.id if addendum_to else None,
    )
    session.add(written)
    session.flush()
    written.body = cipher_of(session, privacy, person).encrypt_text(
        "notes", "body", str(written.id), body
    )
    session.flush()
    return written


def referral(
    session: Session,
    privacy: Privacy,
    person: Person,
    worker: User,
    partner: Partner,
    remark: str | None,
    *,
    case_id: int | None = None,
) -> Referral:
    made = Referral(
        person_id=person.id,
        case_id=case_id,
        partner_id=partner.id,
        help=PartnerKind.HOUSING,
        referred_on=DAY,
        urgency=Urgency.SOON,
        worker_id=worker.id,
        status=ReferralStatus.SENT,
        follow_up_on=DAY + timedelta(days=14),
    )
    made.events.append(ReferralEvent(status=ReferralStatus.SENT, on=DAY, at=NOW, by_id=worker.id))
    session.add(made)
    session.flush()
    if remark is not None:
        made.remark = cipher_of(session, privacy, person).encrypt_text(
            "referrals", "remark", str(made.id), remark
        )
        session.flush()
    return made


def case(session: Session, person: Person, worker: User, *, open_: bool) -> CaseFile:
    status = CaseStatus.OPEN if open_ else CaseStatus.CLOSED
    made = CaseFile(
        person_id=person.id,
        status=status,
        key_worker_id=worker.id,
        opened_on=DAY - timedelta(days=30),
        closed_on=None if open_ else DAY,
        closure_reason=None if open_ else ClosureReason.LOST_CONTACT,
        created_by_id=worker.id,
    )
    made.events.append(
        CaseEvent(kind=CaseEventKind.OPENED, on=made.opened_on, at=NOW, by_id=worker.id)
    )
    goal = Goal(
        domain=LifeDomain.HOUSING,
        title="Find a room",
        status=GoalStatus.IN_PROGRESS,
        agreed_on=made.opened_on,
        created_by_id=worker.id,
    )
    goal.changes.append(GoalChange(status=GoalStatus.IN_PROGRESS, at=NOW, by_id=worker.id))
    made.goals.append(goal)
    session.add(made)
    session.flush()
    return made


def assessment(person: Person, worker: User) -> SubstanceAssessment:
    return SubstanceAssessment(
        person_id=person.id,
        assessed_on=DAY,
        by_id=worker.id,
        primary_drug=Drug.HEROIN,
        secondary_drug=Drug.COCAINE_POWDER,
        route=Route.SMOKE,
        frequency=Frequency.DAILY,
        injecting=Injecting.NOT_LAST_12_MONTHS,
        substitution=Substitution.CURRENTLY,
        hiv_testing=models.Testing.LAST_12_MONTHS,
        hcv_testing=models.Testing.NOT_KNOWN,
        treatment_status=TreatmentStatus.PREVIOUSLY_TREATED,
        referral_source=ReferralSource.SELF_FAMILY_FRIENDS,
        living_where=LivingWhere.UNSTABLE_OR_HOMELESS,
        labour_status=LabourStatus.UNEMPLOYED,
    )


def activity(
    session: Session,
    privacy: Privacy,
    person: Person,
    worker: User,
    *,
    site: Site,
    partner: Partner,
    open_case: bool,
    tag: str,
) -> None:
    """A person's file of every kind: visits, an incident, a case with its plan and history,
    notes (one an addendum), referrals (with and without a remark), rights, a profile."""
    shift = {"shift_day": DAY, "shift_index": 0}
    for minutes in (0, 5):
        session.add(
            Visit(
                site_id=site.id,
                person_id=person.id,
                occurred_at=NOW - timedelta(days=3, minutes=minutes),
                created_by_id=worker.id,
                **shift,
            )
        )
    session.add(
        Incident(
            site_id=site.id,
            person_id=person.id,
            kind=IncidentKind.OVERDOSE,
            occurred_at=NOW - timedelta(days=2),
            naloxone_doses=1,
            created_by_id=worker.id,
            **shift,
        )
    )
    case_file = case(session, person, worker, open_=open_case)
    first = note(session, privacy, person, worker, f"{tag}: first interview", case_id=case_file.id)
    note(session, privacy, person, worker, f"{tag}: addendum", addendum_to=first)
    referral(session, privacy, person, worker, partner, f"{tag}: remark", case_id=case_file.id)
    referral(session, privacy, person, worker, partner, None)
    session.add_all(
        [
            InsuranceRecord(
                person_id=person.id,
                status=InsuranceStatus.NOT_IN_ORDER,
                recorded_on=DAY,
                by_id=worker.id,
            ),
            ReaffiliationEvent(
                person_id=person.id,
                step=ReaffiliationStep.DOCUMENTS_GATHERED,
                on=DAY,
                by_id=worker.id,
            ),
            assessment(person, worker),
        ]
    )
    session.flush()
    housing_history(session, person, worker, partner, tag)
    day_labour_history(session, person, worker, tag)


def day_labour_history(session: Session, person: Person, worker: User, tag: str) -> None:
    """A day's job worked and paid, and the phase it belongs to reached."""
    from decimal import Decimal

    from centre.employment.models import Attendance, PayKind, PayLine, PhaseStep
    from tests.employment.conftest import offer, phase, signup

    job = offer(session, supervisor_id=worker.id, on=DAY, place=f"{tag} park")
    placed = signup(session, offer=job, person_id=person.id, by_id=worker.id)
    placed.attendance, placed.hours = Attendance.PRESENT, Decimal("4.00")
    session.add_all(
        [
            PayLine(
                person_id=person.id,
                offer_id=job.id,
                signup_id=placed.id,
                kind=PayKind.PAY,
                hours=Decimal("4.00"),
                hourly_rate=job.hourly_rate,
                amount=Decimal("40.00"),
                paid_at=NOW,
                paid_by_id=worker.id,
            ),
            PhaseStep(
                person_id=person.id,
                phase_id=phase(session, f"{tag}_phase").id,
                reached_on=DAY,
                by_id=worker.id,
            ),
        ]
    )
    session.flush()


def housing_history(
    session: Session, person: Person, worker: User, partner: Partner, tag: str
) -> None:
    """A stay ended, with its steps, and the waiting-list place that led to it."""
    from centre.housing.models import (
        Application,
        ApplicationStatus,
        Destination,
        Priority,
        ProgrammeType,
        StayEvent,
        StayEventKind,
    )
    from tests.housing.conftest import programme, stay

    session.flush()
    flats = programme(
        session,
        name=f"{tag} flats",
        type=ProgrammeType.HOUSING_FIRST,
        partner_id=partner.id,
        capacity=5,
    )
    ended = stay(session, person_id=person.id, programme=flats, actor_id=worker.id,
                 entry_on=DAY - timedelta(days=30), exit_on=DAY,
                 destination=Destination.OWN_RENTAL)  # fmt: skip
    session.add(
        StayEvent(stay_id=ended.id, kind=StayEventKind.EXITED, on=DAY, at=NOW, by_id=worker.id)
    )
    session.add(
        Application(
            programme_id=flats.id,
            person_id=person.id,
            applied_on=DAY - timedelta(days=40),
            worker_id=worker.id,
            priority=Priority.HIGH,
            status=ApplicationStatus.ACCEPTED,
            status_on=DAY - timedelta(days=30),
            stay_id=ended.id,
        )
    )
    session.flush()


@dataclass
class Pair:
    kept: Person
    merged: Person
    site: Site
    partner: Partner


def two_files(session: Session, privacy: Privacy, worker: User) -> Pair:
    """Two codes of one person, each with a file; the merged one has the identity too."""
    site = factories.site(session, key="merge")
    partner = Partner(name="Transit", kind=PartnerKind.HOUSING)
    session.add(partner)
    kept = factories.person(session, actor_id=worker.id)
    merged = factories.consenting_person(session, actor_id=worker.id)
    people.save_identity(session, privacy, actor_id=worker.id, person=merged, data=JEAN)
    activity(
        session, privacy, kept, worker, site=site, partner=partner, open_case=False, tag="kept"
    )
    activity(
        session, privacy, merged, worker, site=site, partner=partner, open_case=True, tag="merged"
    )
    session.commit()
    return Pair(kept, merged, site, partner)


# --- snapshots --------------------------------------------------------------------------------


def person_tables() -> list[str]:
    return sorted(t.name for t in Base.metadata.sorted_tables if "person_id" in t.c)


def snapshot(session: Session, privacy: Privacy) -> dict[str, list[dict[str, Any]]]:
    """Every row of every person-linked table (the audit log apart), sealed bodies in clear."""
    session.rollback()
    session.expire_all()
    keys = {pid: ref for pid, ref in session.execute(select(Person.id, Person.data_key_ref))}
    found: dict[str, list[dict[str, Any]]] = {}
    for name in [*person_tables(), *CHILD_TABLES]:
        if name == "audit_events":
            continue
        table = Base.metadata.tables[name]
        rows = [
            dict(row._mapping)
            for row in session.execute(select(table).order_by(*table.primary_key.columns))
        ]
        if name in SEALED:
            for row in rows:
                blob = row[SEALED[name]]
                if blob is not None:
                    key = keys[row["person_id"]]
                    assert key is not None, "a sealed body under no key"
                    cipher = privacy.cipher_for(key)
                    row[SEALED[name]] = cipher.decrypt_text(
                        name, SEALED[name], str(row["id"]), blob
                    )
        found[name] = rows
    return found


def audit_log(session: Session) -> list[dict[str, Any]]:
    table = Base.metadata.tables["audit_events"]
    return [dict(r._mapping) for r in session.execute(select(table).order_by(table.c.seq))]


def ids_of(session: Session, table_name: str, person_id: int) -> list[int]:
    table = Base.metadata.tables[table_name]
    return list(
        session.scalars(
            select(table.c.id).where(table.c.person_id == person_id).order_by(table.c.id)
        )
    )


def merge(
    session: Session, privacy: Privacy, worker: User, kept: Person, merged: Person
) -> PersonMerge:
    done = services.merge_persons(
        session, privacy, actor_id=worker.id, kept=kept, merged=merged, now=NOW
    )
    session.commit()
    return done


# --- the acceptance test ----------------------------------------------------------------------


def test_merge_then_undo_gives_back_every_row_exactly(
    session: Session, privacy: Privacy, worker: User
) -> None:
    pair = two_files(session, privacy, worker)
    kept_id, merged_id = pair.kept.id, pair.merged.id
    merged_code = pair.merged.code
    before = snapshot(session, privacy)
    log_before = audit_log(session)
    theirs = {spec.table: ids_of(session, spec.table, merged_id) for spec in services.MOVING}
    assert all(theirs.values()), "every moving table has rows of the merged person"

    done = merge(session, privacy, worker, pair.kept, pair.merged)

    # Every row of activity moved, and the merge recorded exactly which.
    assert services.moved_rows(done) == theirs
    for spec in services.MOVING:
        assert ids_of(session, spec.table, merged_id) == []
        assert set(theirs[spec.table]) <= set(ids_of(session, spec.table, kept_id))
    # What is bound to the merged person stayed theirs.
    assert session.get(Identity, merged_id) is not None
    assert session.scalars(select(BlindIndex.person_id)).all() == [merged_id] * 2
    assert {c.person_id for c in session.scalars(select(Consent))} == {merged_id}
    # Moved bodies now open under the kept person's key, and say the same.
    kept_cipher = privacy.cipher_for(session.get_one(Person, kept_id).data_key_ref or "")
    for moved in session.scalars(select(Note).where(Note.id.in_(theirs["notes"]))):
        assert moved.body is not None
        assert kept_cipher.decrypt_text("notes", "body", str(moved.id), moved.body).startswith(
            "merged: "
        )
    # The merged code resolves to the kept person; the merged person is not found apart.
    assert people.person_with_code(session, merged_code) == session.get(Person, kept_id)
    assert [
        p.id for p in people.find_by_identity(session, privacy, actor_id=worker.id, niss=JEAN.niss)
    ] == [kept_id]
    session.commit()

    services.undo_merge(
        session, privacy, actor_id=worker.id, merge=done, now=NOW + timedelta(days=29)
    )
    session.commit()

    after = snapshot(session, privacy)
    for name, rows in before.items():
        assert after[name] == rows, name
    # The audit log was only added to.
    log_after = audit_log(session)
    assert log_after[: len(log_before)] == log_before
    assert people.person_with_code(session, merged_code) == session.get(Person, merged_id)


# --- what moves, what stays -------------------------------------------------------------------


def test_every_table_with_a_person_id_is_decided(app: Flask) -> None:
    """A new table linked to persons fails here until PERSON_TABLES says what a merge does."""
    declared = [spec.table for spec in services.PERSON_TABLES]
    assert len(declared) == len(set(declared))
    assert sorted(declared) == person_tables()
    # Any other link to a person is known too: a new one must be thought about as well.
    links = {
        f"{table.name}.{column.name}"
        for table in Base.metadata.sorted_tables
        for column in table.columns
        if column.name != "person_id"
        and any(fk.target_fullname == "persons.id" for fk in column.foreign_keys)
    }
    assert links == {"persons.merged_into_id", "person_merges.kept_id", "person_merges.merged_id"}


def test_the_merge_is_audited_on_both_persons_both_ways(
    session: Session, privacy: Privacy, worker: User
) -> None:
    pair = two_files(session, privacy, worker)
    done = merge(session, privacy, worker, pair.kept, pair.merged)
    services.undo_merge(session, privacy, actor_id=worker.id, merge=done, now=NOW)
    session.commit()
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.action.in_(["person.merged", "person.merge_undone"]))
    ).all()
    assert sorted((e.action, e.person_id) for e in events) == sorted(
        [
            ("person.merged", pair.kept.id),
            ("person.merged", pair.merged.id),
            ("person.merge_undone", pair.kept.id),
            ("person.merge_undone", pair.merged.id),
        ]
    )
    assert {(e.object_type, e.object_id, e.actor_id) for e in events} == {
        ("merge", str(done.id), worker.id)
    }


def test_a_kept_person_without_a_key_gets_one_for_the_moved_notes(
    session: Session, privacy: Privacy, worker: User
) -> None:
    kept = factories.person(session, actor_id=worker.id)
    merged = factories.person(session, actor_id=worker.id)
    written = note(session, privacy, merged, worker, "what was said")
    session.commit()
    assert kept.data_key_ref is None
    merge(session, privacy, worker, kept, merged)
    moved = session.get_one(Note, written.id)
    assert moved.person_id == kept.id and moved.body is not None
    assert kept.data_key_ref is not None
    cipher = privacy.cipher_for(kept.data_key_ref)
    assert cipher.decrypt_text("notes", "body", str(moved.id), moved.body) == "what was said"


def test_bodies_erased_with_the_merged_identity_stay_with_the_merged_person(
    session: Session, privacy: Privacy, worker: User
) -> None:
    pair = two_files(session, privacy, worker)
    erased_notes = ids_of(session, "notes", pair.merged.id)
    people.erase_identity(
        session, privacy, actor_id=worker.id, person=pair.merged, reason=ErasureReason.REQUEST
    )
    session.commit()
    plan = services.plan_merge(session, privacy, kept=pair.kept, merged=pair.merged)
    assert plan.staying["notes"] == erased_notes
    assert plan.moving["notes"] == []
    # The referral without a remark has nothing erased: it moves.
    assert len(plan.moving["referrals"]) == 1 and len(plan.staying["referrals"]) == 1
    done = merge(session, privacy, worker, pair.kept, pair.merged)
    assert ids_of(session, "notes", pair.merged.id) == erased_notes
    assert services.moved_rows(done)["notes"] == []


# --- refusals ---------------------------------------------------------------------------------


def refusal(session: Session, kept: Person, code: str) -> list[str]:
    with pytest.raises(FieldErrors) as refused:
        services.person_to_merge(session, kept=kept, code=code)
    return refused.value.codes("code")


def test_codes_that_cannot_be_merged_are_told(
    session: Session, privacy: Privacy, worker: User
) -> None:
    kept = factories.person(session, actor_id=worker.id)
    other = factories.person(session, actor_id=worker.id)
    third = factories.person(session, actor_id=worker.id)
    session.commit()
    assert refusal(session, kept, kept.code.lower().replace("-", "")) == ["merge_same_code"]
    assert refusal(session, kept, "") == ["code_length"]
    assert refusal(session, kept, kept.code[:-1] + ("0" if kept.code[-1] != "0" else "1")) == [
        "code_check"
    ]
    assert refusal(session, kept, "0000-0000") in (["code_unknown"], ["code_check"])
    assert services.person_to_merge(session, kept=kept, code=other.code) is other
    merge(session, privacy, worker, kept, other)
    # The merged code again, into the same person or another: it was merged already.
    assert refusal(session, kept, other.code) == ["merge_already_merged"]
    assert refusal(session, third, other.code) == ["merge_already_merged"]
    # And a merged person cannot be the kept one (routes never ask: its code leads on).
    with pytest.raises(FieldErrors) as kept_merged:
        services.merge_persons(session, privacy, actor_id=worker.id, kept=other, merged=third)
    assert kept_merged.value.codes("code") == ["merge_already_merged"]


def test_two_open_cases_are_refused_one_is_fine(
    session: Session, privacy: Privacy, worker: User
) -> None:
    kept = factories.person(session, actor_id=worker.id)
    merged = factories.person(session, actor_id=worker.id)
    kept_case = case(session, kept, worker, open_=True)
    merged_case = case(session, merged, worker, open_=True)
    session.commit()
    assert refusal(session, kept, merged.code) == ["merge_both_open"]
    with pytest.raises(FieldErrors):
        services.merge_persons(session, privacy, actor_id=worker.id, kept=kept, merged=merged)
    session.rollback()
    kept_case.status = CaseStatus.CLOSED
    kept_case.closed_on = DAY
    session.commit()
    merge(session, privacy, worker, kept, merged)
    assert session.get_one(CaseFile, merged_case.id).person_id == kept.id


def test_two_running_stays_or_one_list_twice_are_refused_then_the_history_moves_and_back(
    session: Session, privacy: Privacy, worker: User
) -> None:
    from centre.housing.models import (
        Application,
        ApplicationStatus,
        Destination,
        Priority,
        ProgrammeType,
        Stay,
    )
    from tests.housing.conftest import programme, stay

    kept = factories.person(session, actor_id=worker.id)
    merged = factories.person(session, actor_id=worker.id)
    crisis = programme(session, beds=2)
    transit = programme(session, name="Transit", type=ProgrammeType.TRANSIT_HOME, beds=1)
    kept_stay = stay(session, person_id=kept.id, programme=crisis, actor_id=worker.id,
                     entry_on=DAY, bed=crisis.beds[0])  # fmt: skip
    merged_stay = stay(session, person_id=merged.id, programme=crisis, actor_id=worker.id,
                       entry_on=DAY, bed=crisis.beds[1])  # fmt: skip
    waiting = [
        Application(
            programme_id=transit.id,
            person_id=p.id,
            applied_on=DAY,
            worker_id=worker.id,
            priority=Priority.NORMAL,
            status=ApplicationStatus.WAITING,
            status_on=DAY,
        )
        for p in (kept, merged)
    ]
    session.add_all(waiting)
    session.commit()
    assert refusal(session, kept, merged.code) == ["merge_both_housed"]
    kept_stay.exit_on, kept_stay.destination = DAY, Destination.NOT_KNOWN
    session.commit()
    assert refusal(session, kept, merged.code) == ["merge_both_waiting"]
    waiting[0].status = ApplicationStatus.WITHDRAWN
    session.commit()
    done = merge(session, privacy, worker, kept, merged)
    assert session.get_one(Stay, merged_stay.id).person_id == kept.id
    assert session.get_one(Application, waiting[1].id).person_id == kept.id
    services.undo_merge(session, privacy, actor_id=worker.id, merge=done, now=NOW)
    session.commit()
    assert session.get_one(Stay, merged_stay.id).person_id == merged.id
    assert session.get_one(Application, waiting[1].id).person_id == merged.id
    assert session.get_one(Stay, kept_stay.id).person_id == kept.id


# --- undoing ----------------------------------------------------------------------------------


def undo_refusal(
    session: Session, privacy: Privacy, worker: User, done: PersonMerge, now: datetime
) -> services.UndoRefusedError:
    with pytest.raises(services.UndoRefusedError) as refused:
        services.undo_merge(session, privacy, actor_id=worker.id, merge=done, now=now)
    session.rollback()
    return refused.value


def test_an_undo_after_30_days_is_refused(session: Session, privacy: Privacy, worker: User) -> None:
    pair = two_files(session, privacy, worker)
    done = merge(session, privacy, worker, pair.kept, pair.merged)
    late = undo_refusal(session, privacy, worker, done, NOW + timedelta(days=30, seconds=1))
    assert isinstance(late, services.UndoWindowClosedError) and late.params == {"days": 30}
    assert session.get_one(Person, pair.merged.id).merged_into_id == pair.kept.id
    services.undo_merge(
        session, privacy, actor_id=worker.id, merge=done, now=NOW + timedelta(days=30)
    )
    session.commit()
    assert session.get_one(Person, pair.merged.id).merged_into_id is None


def test_an_undone_merge_cannot_be_undone_again(
    session: Session, privacy: Privacy, worker: User
) -> None:
    pair = two_files(session, privacy, worker)
    done = merge(session, privacy, worker, pair.kept, pair.merged)
    services.undo_merge(session, privacy, actor_id=worker.id, merge=done, now=NOW)
    session.commit()
    again = undo_refusal(session, privacy, worker, done, NOW)
    assert isinstance(again, services.AlreadyUndoneError)
    assert [e.may_undo for e in services.merges_of(session, pair.kept, NOW)] == [False]


def test_a_later_merge_of_the_kept_person_is_undone_first(
    session: Session, privacy: Privacy, worker: User
) -> None:
    pair = two_files(session, privacy, worker)
    third = factories.person(session, actor_id=worker.id)
    session.commit()
    first = merge(session, privacy, worker, pair.kept, pair.merged)
    second = merge(session, privacy, worker, third, pair.kept)
    assert people.person_with_code(session, pair.merged.code) == third
    refused = undo_refusal(session, privacy, worker, first, NOW)
    assert isinstance(refused, services.LaterMergeFirstError)
    assert refused.params == {"code": third.code}
    services.undo_merge(session, privacy, actor_id=worker.id, merge=second, now=NOW)
    services.undo_merge(session, privacy, actor_id=worker.id, merge=first, now=NOW)
    session.commit()
    for spec in services.MOVING:
        assert ids_of(session, spec.table, third.id) == []
    assert people.person_with_code(session, pair.merged.code) == pair.merged


def test_an_identity_erased_since_the_merge_stops_the_undo(
    session: Session, privacy: Privacy, worker: User
) -> None:
    pair = two_files(session, privacy, worker)
    done = merge(session, privacy, worker, pair.kept, pair.merged)
    # Retention, say, erased the merged person's identity and key meanwhile: the moved
    # notes cannot be sealed for them again.
    people.erase_identity(
        session, privacy, actor_id=None, person=pair.merged, reason=ErasureReason.RETENTION
    )
    session.commit()
    refused = undo_refusal(session, privacy, worker, done, NOW)
    assert isinstance(refused, services.KeyErasedSinceError)
    assert ids_of(session, "notes", pair.merged.id) == []


def test_notes_written_since_in_a_case_that_goes_back_go_back_with_it(
    session: Session, privacy: Privacy, worker: User
) -> None:
    pair = two_files(session, privacy, worker)
    done = merge(session, privacy, worker, pair.kept, pair.merged)
    moved_case = session.scalars(
        select(CaseFile).where(CaseFile.id.in_(services.moved_rows(done)["case_files"]))
    ).one()
    moved_note = session.get_one(Note, services.moved_rows(done)["notes"][0])
    kept = session.get_one(Person, pair.kept.id)
    in_case = note(session, privacy, kept, worker, "since, in the case", case_id=moved_case.id)
    addendum = note(session, privacy, kept, worker, "since, an addendum", addendum_to=moved_note)
    unrelated = note(session, privacy, kept, worker, "since, about the kept person")
    other = factories.person(session, actor_id=worker.id)
    # An incident corrected to a third person since stays where it was put.
    incident = session.get_one(Incident, services.moved_rows(done)["incidents"][0])
    incident.person_id = other.id
    session.commit()

    back = services.undo_merge(session, privacy, actor_id=worker.id, merge=done, now=NOW)
    session.commit()
    assert {in_case.id, addendum.id} <= set(back["notes"])
    assert incident.id not in back["incidents"]
    merged = session.get_one(Person, pair.merged.id)
    cipher = privacy.cipher_for(merged.data_key_ref or "")
    for written, text in ((in_case, "since, in the case"), (addendum, "since, an addendum")):
        row = session.get_one(Note, written.id)
        assert row.person_id == merged.id and row.body is not None
        assert cipher.decrypt_text("notes", "body", str(row.id), row.body) == text
    assert session.get_one(Note, unrelated.id).person_id == pair.kept.id
    assert session.get_one(Incident, incident.id).person_id == other.id


def test_merges_of_lists_the_merges_into_a_person(
    session: Session, privacy: Privacy, worker: User
) -> None:
    pair = two_files(session, privacy, worker)
    done = merge(session, privacy, worker, pair.kept, pair.merged)
    [entry] = services.merges_of(session, pair.kept, NOW + timedelta(days=1))
    assert entry.merge == done and entry.merged_code == pair.merged.code and entry.may_undo
    assert entry.undo_until == NOW + timedelta(days=30)
    assert not services.merges_of(session, pair.kept, NOW + timedelta(days=31))[0].may_undo
    assert services.merges_of(session, pair.merged) == []
    assert services.merge_of(session, pair.kept, done.id) == done
    assert services.merge_of(session, pair.merged, done.id) is None


def test_two_sign_ups_for_one_day_job_are_refused(
    session: Session, privacy: Privacy, worker: User
) -> None:
    from tests.employment.conftest import offer, signup

    kept = factories.person(session, actor_id=worker.id)
    merged = factories.person(session, actor_id=worker.id)
    job = offer(session, supervisor_id=worker.id, on=DAY)
    for person in (kept, merged):
        signup(session, offer=job, person_id=person.id, by_id=worker.id)
    session.commit()
    assert refusal(session, kept, merged.code) == ["merge_both_day_labour"]
