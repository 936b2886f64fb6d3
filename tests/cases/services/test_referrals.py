"""Referrals: the workflow table, dates in order, follow-ups, the consent rule, the sealed
remark, optimistic locking."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role, User
from centre.cases.models import (
    CancelReason,
    CaseFile,
    CaseStatus,
    DeclineReason,
    Referral,
    ReferralOutcome,
    ReferralStatus,
    Urgency,
)
from centre.cases.services import referrals as services
from centre.directory.models import (
    Commune,
    Language,
    Partner,
    PartnerCommune,
    PartnerKind,
    PartnerLanguage,
)
from centre.people import services as people
from centre.people.models import ConsentMethod, ConsentScope, ErasureReason, Person
from centre.privacy import Privacy
from centre.privacy.errors import DecryptionError
from centre.validation import ChangedSinceOpenedError, FieldErrors
from tests import factories

S = ReferralStatus
TODAY = date(2026, 3, 10)
REFERRED = date(2026, 3, 2)


def a_partner(
    session: Session,
    name: str = "Projet Lama",
    *,
    kind: PartnerKind = PartnerKind.DRUG_TREATMENT,
    communes: tuple[Commune, ...] = (Commune.BRUXELLES,),
    languages: tuple[Language, ...] = (Language.FR,),
    active: bool = True,
) -> Partner:
    """A partner made with the models (the directory's own tests go through its service)."""
    partner = Partner(
        name=name,
        kind=kind,
        active=active,
        communes=[PartnerCommune(commune=c) for c in communes],
        languages=[PartnerLanguage(language=lang) for lang in languages],
    )
    session.add(partner)
    session.flush()
    return partner


def referral_input(partner: Partner, **overrides: Any) -> services.ReferralInput:
    values: dict[str, Any] = {
        "partner_id": partner.id,
        "help": PartnerKind.DRUG_TREATMENT,
        "referred_on": REFERRED,
        "urgency": Urgency.ROUTINE,
        "follow_up_on": REFERRED + timedelta(days=7),
        **overrides,
    }
    return services.ReferralInput(**values)


@pytest.fixture
def privacy(app: Flask) -> Privacy:
    ext: Privacy = app.extensions["centre.privacy"]
    return ext


@pytest.fixture
def worker(session: Session, app: Flask) -> User:
    return factories.user(session, app, role=Role.SOCIAL_WORKER)


@pytest.fixture
def person(session: Session, worker: User) -> Person:
    return factories.person(session, actor_id=worker.id)


@pytest.fixture
def partner(session: Session) -> Partner:
    return a_partner(session)


def refer(
    session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner, **kw: Any
) -> Referral:
    return services.make_referral(
        session,
        privacy,
        actor_id=worker.id,
        person=person,
        data=referral_input(partner, **kw),
        today=TODAY,
    )


def step(referral: Referral, status: ReferralStatus | None, **overrides: Any) -> services.StepInput:
    """A complete step to `status` on TODAY, with what the step needs."""
    values: dict[str, Any] = {
        "status": status,
        "on": TODAY,
        "version": referral.version,
        "follow_up_on": TODAY + timedelta(days=3),
        "appointment_on": TODAY + timedelta(days=1),
        "decline_reason": DeclineReason.NO_CAPACITY,
        "cancel_reason": CancelReason.NO_LONGER_NEEDED,
        "outcome": ReferralOutcome.CARE_STARTED,
        **overrides,
    }
    return services.StepInput(**values)


def move(session: Session, worker: User, referral: Referral, data: services.StepInput) -> Referral:
    return services.move_referral(
        session, actor_id=worker.id, referral=referral, step=data, today=TODAY
    )


def in_status(referral: Referral, status: ReferralStatus) -> Referral:
    """Put a referral in `status` as its steps would have (an appointment where one is due)."""
    referral.status = status
    if status in (S.APPOINTMENT_SET, S.ATTENDED, S.NOT_ATTENDED):
        referral.appointment_on = REFERRED + timedelta(days=2)
    return referral


ALLOWED = [(before, after) for before in S for after in services.next_steps(before)]
REFUSED = [
    (before, after) for before in S for after in S if after not in services.next_steps(before)
]


def test_the_workflow_table_reads_as_the_issue_says() -> None:
    assert services.next_steps(S.PROPOSED) == [S.SENT, S.CANCELLED]
    assert services.next_steps(S.SENT) == [S.ACCEPTED, S.DECLINED, S.APPOINTMENT_SET, S.CANCELLED]
    assert services.next_steps(S.APPOINTMENT_SET) == [
        S.APPOINTMENT_SET,
        S.ATTENDED,
        S.NOT_ATTENDED,
        S.CANCELLED,
    ]
    assert services.next_steps(S.ATTENDED) == [S.CLOSED, S.CANCELLED]
    assert services.next_steps(S.CLOSED) == services.next_steps(S.CANCELLED) == []
    # Cancelling is possible from every open status, and from no finished one.
    assert all((s, S.CANCELLED) in ALLOWED for s in services.OPEN)


@pytest.mark.parametrize(("before", "after"), ALLOWED, ids=lambda s: s.value)
def test_every_allowed_step_is_taken_dated_and_by_whom(
    session: Session,
    privacy: Privacy,
    worker: User,
    person: Person,
    partner: Partner,
    app: Flask,
    before: ReferralStatus,
    after: ReferralStatus,
) -> None:
    referral = in_status(refer(session, privacy, worker, person, partner), before)
    session.flush()
    colleague = factories.user(session, app, role=Role.SOCIAL_WORKER)
    move(session, colleague, referral, step(referral, after))
    assert referral.status is after
    event = referral.events[-1]
    assert (event.status, event.on, event.by_id) == (after, TODAY, colleague.id)
    assert event.at is not None
    if after in services.FINISHED:
        assert referral.follow_up_on is None, "a finished referral has no follow-up"
    else:
        assert referral.follow_up_on == TODAY + timedelta(days=3)
    # Only what the step says is kept.
    assert (referral.outcome is not None) == (after is S.CLOSED)
    assert (referral.cancel_reason is not None) == (after is S.CANCELLED)
    assert (referral.decline_reason is not None) == (after is S.DECLINED)
    if after is S.APPOINTMENT_SET:
        assert referral.appointment_on == TODAY + timedelta(days=1)


@pytest.mark.parametrize(("before", "after"), REFUSED, ids=lambda s: s.value)
def test_a_jump_the_workflow_does_not_allow_is_refused(
    session: Session,
    privacy: Privacy,
    worker: User,
    person: Person,
    partner: Partner,
    before: ReferralStatus,
    after: ReferralStatus,
) -> None:
    referral = in_status(refer(session, privacy, worker, person, partner), before)
    session.flush()
    with pytest.raises(FieldErrors) as refused:
        move(session, worker, referral, step(referral, after))
    assert refused.value.codes("status") == ["status_jump"]
    assert referral.status is before and len(referral.events) == 1


def test_proposed_to_attended_is_refused_and_nothing_changes(
    session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner
) -> None:
    referral = refer(session, privacy, worker, person, partner)
    with pytest.raises(FieldErrors) as refused:
        move(session, worker, referral, step(referral, S.ATTENDED))
    assert refused.value.codes("status") == ["status_jump"]
    assert referral.status is S.PROPOSED
    assert referral.follow_up_on == REFERRED + timedelta(days=7)


@pytest.mark.parametrize(
    ("before", "after", "needed"),
    [
        (S.SENT, S.DECLINED, "decline_reason"),
        (S.ACCEPTED, S.APPOINTMENT_SET, "appointment_on"),
        (S.ATTENDED, S.CLOSED, "outcome"),
        (S.PROPOSED, S.CANCELLED, "cancel_reason"),
    ],
)
def test_a_step_needs_its_reason_outcome_or_date(
    session: Session,
    privacy: Privacy,
    worker: User,
    person: Person,
    partner: Partner,
    before: ReferralStatus,
    after: ReferralStatus,
    needed: str,
) -> None:
    referral = in_status(refer(session, privacy, worker, person, partner), before)
    session.flush()
    with pytest.raises(FieldErrors) as refused:
        move(session, worker, referral, step(referral, after, **{needed: None}))
    assert list(refused.value) == [needed]
    assert refused.value.codes(needed) == ["required"]


@pytest.mark.parametrize(
    ("before", "overrides", "field", "code"),
    [
        (S.ACCEPTED, {"appointment_on": REFERRED - timedelta(days=1)}, "appointment_on",
         "appointment_before_referral"),
        (S.ACCEPTED, {"appointment_on": TODAY + timedelta(days=800)}, "appointment_on",
         "too_far_ahead"),
        (S.PROPOSED, {"on": TODAY + timedelta(days=1)}, "on", "step_in_future"),
        (S.PROPOSED, {"on": REFERRED - timedelta(days=1)}, "on", "step_before_referral"),
        (S.PROPOSED, {"on": None}, "on", "required"),
        (S.PROPOSED, {"follow_up_on": None}, "follow_up_on", "required"),
        (S.PROPOSED, {"follow_up_on": TODAY - timedelta(days=1)}, "follow_up_on",
         "follow_up_before_step"),
        (S.PROPOSED, {"follow_up_on": TODAY + timedelta(days=800)}, "follow_up_on",
         "too_far_ahead"),
    ],
)  # fmt: skip
def test_dates_out_of_order_are_refused_beside_their_field(
    session: Session,
    privacy: Privacy,
    worker: User,
    person: Person,
    partner: Partner,
    before: ReferralStatus,
    overrides: dict[str, Any],
    field: str,
    code: str,
) -> None:
    referral = in_status(refer(session, privacy, worker, person, partner), before)
    session.flush()
    after = S.APPOINTMENT_SET if before is S.ACCEPTED else S.SENT
    with pytest.raises(FieldErrors) as refused:
        move(session, worker, referral, step(referral, after, **overrides))
    assert list(refused.value) == [field]
    assert refused.value.codes(field) == [code]


def test_a_step_is_not_dated_before_the_last_one_nor_attended_before_the_appointment(
    session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner
) -> None:
    referral = refer(session, privacy, worker, person, partner)
    move(session, worker, referral, step(referral, S.SENT, on=REFERRED + timedelta(days=3)))
    with pytest.raises(FieldErrors) as before_last:
        move(session, worker, referral, step(referral, S.ACCEPTED, on=REFERRED + timedelta(days=2)))
    assert before_last.value.codes("on") == ["step_before_last"]
    move(session, worker, referral, step(referral, S.APPOINTMENT_SET, appointment_on=TODAY))
    with pytest.raises(FieldErrors) as early:
        move(session, worker, referral, step(referral, S.ATTENDED, on=TODAY - timedelta(days=1)))
    assert early.value.codes("on") == ["step_before_appointment"]


def test_the_whole_way_from_proposed_to_closed_with_care_started(
    session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner
) -> None:
    referral = refer(session, privacy, worker, person, partner)
    for status in (S.SENT, S.ACCEPTED, S.APPOINTMENT_SET, S.ATTENDED):
        move(session, worker, referral, step(referral, status, appointment_on=TODAY))
    move(session, worker, referral, step(referral, S.CLOSED, follow_up_on=None))
    assert [e.status for e in referral.events] == [
        S.PROPOSED,
        S.SENT,
        S.ACCEPTED,
        S.APPOINTMENT_SET,
        S.ATTENDED,
        S.CLOSED,
    ]
    assert referral.outcome is ReferralOutcome.CARE_STARTED
    assert referral.follow_up_on is None and referral.version == 6
    session.commit()
    audited = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "referral")
    ).all()
    assert audited == ["referral.made"] + ["referral.updated"] * 5


def test_a_new_follow_up_date_alone_changes_no_status_and_is_audited(
    session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner
) -> None:
    referral = refer(session, privacy, worker, person, partner)
    move(session, worker, referral, step(referral, None, follow_up_on=TODAY + timedelta(days=9)))
    assert referral.status is S.PROPOSED and len(referral.events) == 1
    assert referral.follow_up_on == TODAY + timedelta(days=9)
    move(session, worker, referral, step(referral, S.CANCELLED))
    with pytest.raises(FieldErrors) as finished:
        move(session, worker, referral, step(referral, None))
    assert finished.value.codes("status") == ["referral_finished"]


# --- making a referral ------------------------------------------------------------------------


def test_a_referral_starts_proposed_by_its_worker_on_the_persons_open_case(
    session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner
) -> None:
    case_file = CaseFile(
        person_id=person.id,
        status=CaseStatus.OPEN,
        key_worker_id=worker.id,
        opened_on=REFERRED,
        created_by_id=worker.id,
    )
    session.add(case_file)
    session.flush()
    referral = refer(session, privacy, worker, person, partner, urgency=Urgency.URGENT)
    assert referral.status is S.PROPOSED and referral.worker_id == worker.id
    assert referral.case_id == case_file.id and referral.urgency is Urgency.URGENT
    assert [(e.status, e.on, e.by_id) for e in referral.events] == [
        (S.PROPOSED, REFERRED, worker.id)
    ]
    assert referral.remark is None and person.data_key_ref is None, "no remark, no key made"


def test_bad_referral_input_is_reported_field_by_field(
    session: Session, privacy: Privacy, worker: User, person: Person
) -> None:
    closed = a_partner(session, "Fermé", active=False)
    with pytest.raises(FieldErrors) as refused:
        refer(
            session,
            privacy,
            worker,
            person,
            closed,
            referred_on=TODAY + timedelta(days=1),
            follow_up_on=TODAY,
            remark="x" * (services.MAX_REMARK + 1),
        )
    problems = refused.value
    assert problems.codes("partner_id") == ["inactive"]
    assert problems.codes("referred_on") == ["referral_in_future"]
    assert problems.codes("follow_up_on") == ["follow_up_before_referral"]
    assert problems.codes("remark") == ["length"]
    with pytest.raises(FieldErrors) as missing:
        services.make_referral(
            session,
            privacy,
            actor_id=worker.id,
            person=person,
            data=referral_input(closed, partner_id=None, follow_up_on=None),
            today=TODAY,
        )
    assert missing.value.codes("partner_id") == ["partner_choose"]
    assert missing.value.codes("follow_up_on") == ["required"]
    assert session.scalars(select(Referral)).all() == []


def test_identity_is_shared_only_under_the_sharing_consent(
    session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner
) -> None:
    with pytest.raises(FieldErrors) as refused:
        refer(session, privacy, worker, person, partner, shares_identity=True)
    assert refused.value.codes("shares_identity") == ["sharing_without_consent"]
    # The identity consent is not the sharing consent.
    people.give_consent(
        session, actor_id=worker.id, person=person, scope=ConsentScope.IDENTITY,
        method=ConsentMethod.ORAL,
    )  # fmt: skip
    assert not services.may_share_identity(person)
    with pytest.raises(FieldErrors):
        refer(session, privacy, worker, person, partner, shares_identity=True)
    people.give_consent(
        session,
        actor_id=worker.id,
        person=person,
        scope=ConsentScope.SHARING_WITH_PARTNERS,
        method=ConsentMethod.WRITTEN,
    )
    assert services.may_share_identity(person)
    assert refer(session, privacy, worker, person, partner, shares_identity=True).shares_identity
    # Without asking to share, the partner gets the code only, consent or not.
    assert not refer(session, privacy, worker, person, partner).shares_identity


# --- the sealed remark ------------------------------------------------------------------------

CANARY = "Canari-Referral-7Q4X Hôpital Saint-Pierre, pas de mutuelle"


def test_the_remark_is_sealed_read_once_audited_and_gone_with_the_identity(
    session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner
) -> None:
    referral = refer(session, privacy, worker, person, partner, remark=f"  {CANARY}\n")
    session.commit()
    assert referral.remark is not None and CANARY.encode() not in referral.remark
    assert person.data_key_ref is not None, "the person's own key was made for it"
    read = services.read_remark(
        session, privacy, actor_id=worker.id, referral=referral, person=person
    )
    assert read == CANARY
    session.commit()
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "referral.remark_read")
    ).one()
    assert (event.actor_id, event.object_id, event.person_id) == (
        worker.id,
        str(referral.id),
        person.id,
    )
    people.erase_identity(
        session, privacy, actor_id=worker.id, person=person, reason=ErasureReason.REQUEST
    )
    with pytest.raises(services.RemarkErasedError):
        services.read_remark(session, privacy, actor_id=worker.id, referral=referral, person=person)


def test_a_remark_sealed_before_an_erasure_stays_erased_under_the_new_key(
    session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner
) -> None:
    """Erased, then a new remark gives the person a new key: the old remark does not open
    under it, and is told as erased, not as altered data."""
    old = refer(session, privacy, worker, person, partner, remark=CANARY)
    session.commit()
    people.erase_identity(
        session, privacy, actor_id=worker.id, person=person, reason=ErasureReason.REQUEST
    )
    session.commit()
    new = refer(session, privacy, worker, person, partner, remark="nouvelle remarque")
    session.commit()
    assert person.data_key_ref is not None, "a new key for the new remark"
    with pytest.raises(services.RemarkErasedError):
        services.read_remark(session, privacy, actor_id=worker.id, referral=old, person=person)
    assert (
        services.read_remark(session, privacy, actor_id=worker.id, referral=new, person=person)
        == "nouvelle remarque"
    )


def test_a_remark_moved_to_another_referral_does_not_open(
    session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner
) -> None:
    first = refer(session, privacy, worker, person, partner, remark=CANARY)
    second = refer(session, privacy, worker, person, partner, remark="autre")
    second.remark = first.remark
    with pytest.raises(DecryptionError):
        services.read_remark(session, privacy, actor_id=worker.id, referral=second, person=person)


def test_the_input_never_prints_its_remark(partner: Partner) -> None:
    assert CANARY not in repr(referral_input(partner, remark=CANARY))


# --- follow-ups -------------------------------------------------------------------------------


def test_due_and_overdue_follow_ups_are_the_workers_open_ones(
    session: Session,
    privacy: Privacy,
    worker: User,
    person: Person,
    partner: Partner,
    app: Flask,
) -> None:
    colleague = factories.user(session, app, role=Role.SOCIAL_WORKER)
    overdue = refer(session, privacy, worker, person, partner, follow_up_on=TODAY - timedelta(1))
    due = refer(session, privacy, worker, person, partner, follow_up_on=TODAY)
    refer(session, privacy, worker, person, partner, follow_up_on=TODAY + timedelta(1))
    theirs = refer(session, privacy, colleague, person, partner, follow_up_on=TODAY)
    finished = refer(session, privacy, worker, person, partner, follow_up_on=TODAY)
    move(session, worker, finished, step(finished, S.CANCELLED))
    found = services.due_follow_ups(session, worker.id, TODAY).items
    assert [(f.referral.id, f.overdue, f.code) for f in found] == [
        (overdue.id, True, person.code),
        (due.id, False, person.code),
    ]
    theirs_due = services.due_follow_ups(session, colleague.id, TODAY)
    assert [f.referral.id for f in theirs_due.items] == [theirs.id]
    one_a_page = services.due_follow_ups(session, worker.id, TODAY, page=2, per_page=1)
    assert [f.referral.id for f in one_a_page.items] == [due.id] and one_a_page.pages == 2


# --- two workers at once ----------------------------------------------------------------------


def test_a_step_saved_on_a_stale_page_is_refused(
    session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner
) -> None:
    referral = refer(session, privacy, worker, person, partner)
    opened = referral.version
    move(session, worker, referral, step(referral, S.SENT))
    with pytest.raises(ChangedSinceOpenedError):
        move(session, worker, referral, step(referral, S.ACCEPTED, version=opened))
    assert referral.status is S.SENT


def test_two_saves_racing_past_the_check_leave_one_standing(
    app: Flask, session: Session, privacy: Privacy, worker: User, person: Person, partner: Partner
) -> None:
    """Both pass the version check; the version column makes the second UPDATE refuse."""
    referral = refer(session, privacy, worker, person, partner)
    session.commit()
    with app.extensions["centre.db"].new_session() as other:
        theirs = other.get(Referral, referral.id)
        assert theirs is not None
        mine = step(referral, S.SENT)
        move(other, worker, theirs, step(theirs, S.SENT))
        other.commit()
        with pytest.raises(ChangedSinceOpenedError):
            move(session, worker, referral, mine)
        session.rollback()
    session.expire_all()
    assert session.get(Referral, referral.id).version == 2  # type: ignore[union-attr]
