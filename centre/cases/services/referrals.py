"""Care-orientation referrals: a person oriented to a partner service, followed to its end.

Pure: a session, the acting user, keys and today's date come in; results, FieldErrors or
named errors go out. The workflow is a table (`NEXT_STEPS`): which status may follow which,
and what each step needs (`NEEDS`). Every step is a dated `ReferralEvent` by its worker; an
open referral always has its next follow-up date, a finished one none. The remark is free
text about a person, so it is sealed under the person's own data key (as the identity vault
is), bound to its referral: erasing the person's identity makes it unreadable too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from centre.audit.services import record
from centre.db import utcnow
from centre.directory.models import Partner, PartnerKind
from centre.pagination import Page, paginate
from centre.people.models import ConsentScope, Person
from centre.privacy import Privacy
from centre.privacy.errors import DecryptionError, KeyDestroyedError
from centre.privacy.fields import FieldCipher
from centre.validation import ChangedSinceOpenedError, FieldErrors, check_version

from .. import actions
from ..models import (
    CancelReason,
    DeclineReason,
    Referral,
    ReferralEvent,
    ReferralOutcome,
    ReferralStatus,
    Urgency,
)
from .cases import open_case_of, today_in_brussels
from .notes import last_erasure

log = logging.getLogger(__name__)
S = ReferralStatus
TABLE = Referral.__tablename__
MAX_REMARK = 500
# Bounds that catch a mistyped year, not rules of the work.
MAX_LATE = timedelta(days=366)
MAX_AHEAD = timedelta(days=2 * 366)

# Which step may follow which. Cancelling is possible from every open status (below).
# SENT -> APPOINTMENT_SET: a partner that accepts by giving a date at once.
# APPOINTMENT_SET -> itself: the appointment moved to another date.
# NOT_ATTENDED -> APPOINTMENT_SET: a new appointment after a missed one.
# DECLINED stays open until closed: the worker still has to find the person another place.
NEXT_STEPS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.PROPOSED: frozenset({S.SENT}),
    S.SENT: frozenset({S.ACCEPTED, S.DECLINED, S.APPOINTMENT_SET}),
    S.ACCEPTED: frozenset({S.APPOINTMENT_SET}),
    S.DECLINED: frozenset({S.CLOSED}),
    S.APPOINTMENT_SET: frozenset({S.APPOINTMENT_SET, S.ATTENDED, S.NOT_ATTENDED}),
    S.ATTENDED: frozenset({S.CLOSED}),
    S.NOT_ATTENDED: frozenset({S.APPOINTMENT_SET, S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
FINISHED = frozenset({S.CLOSED, S.CANCELLED})
OPEN = frozenset(S) - FINISHED
# What a step must carry (a field of StepInput), beyond its date.
NEEDS: dict[ReferralStatus, str] = {
    S.DECLINED: "decline_reason",
    S.APPOINTMENT_SET: "appointment_on",
    S.CLOSED: "outcome",
    S.CANCELLED: "cancel_reason",
}
# Steps that happen on or after the appointment.
AFTER_APPOINTMENT = frozenset({S.ATTENDED, S.NOT_ATTENDED})


class ReferralError(Exception):
    """Base of the errors routes turn into messages."""


class RemarkErasedError(ReferralError):
    """The person's data key was destroyed (identity erased): the remark is gone for good."""


def today() -> date:
    """Today in Brussels, the day the centre's dates are counted in."""
    return today_in_brussels()


def next_steps(status: ReferralStatus) -> list[ReferralStatus]:
    """The statuses a referral in `status` may move to, in workflow order; cancel last."""
    allowed = NEXT_STEPS[status] | ({S.CANCELLED} if status in OPEN else frozenset())
    return [step for step in S if step in allowed]


def is_open(referral: Referral) -> bool:
    return referral.status in OPEN


# --- making a referral ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferralInput:
    partner_id: int | None
    help: PartnerKind
    referred_on: date
    urgency: Urgency
    follow_up_on: date | None
    shares_identity: bool = False
    remark: str = ""

    def __repr__(self) -> str:
        # The remark is about a person: never in a log line or a traceback.
        return f"ReferralInput(partner_id={self.partner_id}, <remark hidden>)"


def may_share_identity(person: Person) -> bool:
    """Identity goes to a partner only under an active "sharing with partners" consent."""
    return person.active_consent(ConsentScope.SHARING_WITH_PARTNERS) is not None


def _check_referral(session: Session, person: Person, data: ReferralInput, today: date) -> None:
    problems = FieldErrors()
    partner = session.get(Partner, data.partner_id) if data.partner_id is not None else None
    if partner is None:
        problems.add("partner_id", "partner_choose")
    elif not partner.active:
        problems.add("partner_id", "inactive")
    if data.referred_on > today:
        problems.add("referred_on", "referral_in_future")
    elif data.referred_on < today - MAX_LATE:
        problems.add("referred_on", "referral_too_old")
    if data.follow_up_on is None:
        problems.add("follow_up_on", "required")
    elif data.follow_up_on < data.referred_on:
        problems.add("follow_up_on", "follow_up_before_referral")
    elif data.follow_up_on > today + MAX_AHEAD:
        problems.add("follow_up_on", "too_far_ahead")
    if data.shares_identity and not may_share_identity(person):
        problems.add("shares_identity", "sharing_without_consent")
    if len(data.remark) > MAX_REMARK:
        problems.add("remark", "length", n=MAX_REMARK)
    problems.raise_if_any()


def _cipher_for(privacy: Privacy, person: Person) -> FieldCipher:
    # As people's save_identity: the person's own key, made on first need.
    if person.data_key_ref is None:
        person.data_key_ref, cipher = privacy.new_person_key()
        return cipher
    return privacy.cipher_for(person.data_key_ref)


def make_referral(
    session: Session,
    privacy: Privacy,
    *,
    actor_id: int,
    person: Person,
    data: ReferralInput,
    today: date,
) -> Referral:
    """A new referral, proposed on `referred_on` by the acting worker, who follows it up.

    FieldErrors on partner_id (none or inactive), referred_on (in the future), follow_up_on
    (missing, before the referral), shares_identity (without the person's consent to share
    with partners) and remark (too long).
    """
    _check_referral(session, person, data, today)
    now = utcnow()
    referral = Referral(
        person_id=person.id,
        case_id=case.id if (case := open_case_of(session, person.id)) else None,
        partner_id=data.partner_id,
        help=data.help,
        referred_on=data.referred_on,
        urgency=data.urgency,
        worker_id=actor_id,
        status=S.PROPOSED,
        follow_up_on=data.follow_up_on,
        shares_identity=data.shares_identity,
    )
    referral.events.append(
        ReferralEvent(status=S.PROPOSED, on=data.referred_on, at=now, by_id=actor_id)
    )
    session.add(referral)
    session.flush()
    remark = data.remark.strip()
    if remark:
        # Sealed once the row has its id: the ciphertext is bound to it.
        cipher = _cipher_for(privacy, person)
        referral.remark = cipher.encrypt_text(TABLE, "remark", str(referral.id), remark)
    person.last_activity_at = max(person.last_activity_at, now)
    session.flush()
    record(session, actions.REFERRAL_MADE, by=actor_id, on=referral.id, person_id=person.id)
    return referral


# --- moving it along --------------------------------------------------------------------------


@dataclass(frozen=True)
class StepInput:
    """A step of the workflow: `status` None keeps the status (a new follow-up date only)."""

    status: ReferralStatus | None
    on: date | None
    version: int | None
    follow_up_on: date | None = None
    appointment_on: date | None = None
    decline_reason: DeclineReason | None = None
    cancel_reason: CancelReason | None = None
    outcome: ReferralOutcome | None = None


def _check_status(referral: Referral, step: StepInput, problems: FieldErrors) -> None:
    if step.status is None:
        if not is_open(referral):
            problems.add("status", "referral_finished")
    elif step.status not in next_steps(referral.status):
        problems.add("status", "status_jump")
    elif step.status in NEEDS and getattr(step, NEEDS[step.status]) is None:
        problems.add(NEEDS[step.status], "required")


def _check_step_date(
    referral: Referral, step: StepInput, today: date, problems: FieldErrors
) -> None:
    if step.on is None:
        problems.add("on", "required")
        return
    last = max((event.on for event in referral.events), default=referral.referred_on)
    appointment = referral.appointment_on if step.status in AFTER_APPOINTMENT else None
    if step.on > today:
        problems.add("on", "step_in_future")
    elif step.on < referral.referred_on:
        problems.add("on", "step_before_referral")
    elif appointment is not None and step.on < appointment:
        problems.add("on", "step_before_appointment")
    elif step.on < last:
        problems.add("on", "step_before_last")


def _check_appointment(
    referral: Referral, step: StepInput, today: date, problems: FieldErrors
) -> None:
    if step.status is not S.APPOINTMENT_SET or step.appointment_on is None:
        return
    if step.appointment_on < referral.referred_on:
        problems.add("appointment_on", "appointment_before_referral")
    elif step.appointment_on > today + MAX_AHEAD:
        problems.add("appointment_on", "too_far_ahead")


def _check_follow_up(step: StepInput, today: date, problems: FieldErrors) -> None:
    if step.status in FINISHED:
        return  # a finished referral has no follow-up: a date given is dropped
    if step.follow_up_on is None:
        problems.add("follow_up_on", "required")
    elif step.on is not None and step.follow_up_on < step.on:
        problems.add("follow_up_on", "follow_up_before_step")
    elif step.follow_up_on > today + MAX_AHEAD:
        problems.add("follow_up_on", "too_far_ahead")


def _apply_step(referral: Referral, step: StepInput, actor_id: int) -> None:
    if step.status is not None:
        referral.status = step.status
        # Only what the step itself says is kept: a reason typed for another step is not.
        if step.status is S.APPOINTMENT_SET:
            referral.appointment_on = step.appointment_on
        elif step.status is S.DECLINED:
            referral.decline_reason = step.decline_reason
        elif step.status is S.CLOSED:
            referral.outcome = step.outcome
        elif step.status is S.CANCELLED:
            referral.cancel_reason = step.cancel_reason
        assert step.on is not None  # noqa: S101 - checked before
        referral.events.append(
            ReferralEvent(status=step.status, on=step.on, at=utcnow(), by_id=actor_id)
        )
    referral.follow_up_on = step.follow_up_on if is_open(referral) else None


def move_referral(
    session: Session, *, actor_id: int, referral: Referral, step: StepInput, today: date
) -> Referral:
    """Move `referral` to `step.status` (or only set its next follow-up), dated and audited.

    ChangedSinceOpenedError when someone saved it since the form was opened (its version);
    FieldErrors on status (a jump the workflow does not allow), on (in the future, before
    the referral, the last step or the appointment), appointment_on (missing for an
    appointment, before the referral), follow_up_on (missing while open, before the step)
    and on the reason or outcome a step needs.
    """
    check_version(referral.version, step.version)
    problems = FieldErrors()
    _check_status(referral, step, problems)
    _check_step_date(referral, step, today, problems)
    _check_appointment(referral, step, today, problems)
    _check_follow_up(step, today, problems)
    problems.raise_if_any()
    _apply_step(referral, step, actor_id)
    try:
        # The version column makes the UPDATE itself refuse a save made in between.
        session.flush()
    except StaleDataError:
        raise ChangedSinceOpenedError() from None
    record(
        session, actions.REFERRAL_UPDATED, by=actor_id, on=referral.id, person_id=referral.person_id
    )
    return referral


# --- reading ----------------------------------------------------------------------------------


def read_remark(
    session: Session, privacy: Privacy, *, actor_id: int, referral: Referral, person: Person
) -> str | None:
    """The remark in clear (None when there is none). Every read is audited.

    RemarkErasedError when the person's data key was destroyed (identity erased), also once
    a new key replaced it; DecryptionError when the remark does not open under a key that
    was never erased (altered data).
    """
    if referral.remark is None:
        return None
    if person.id != referral.person_id:
        raise ValueError("the referral is not this person's")
    if person.data_key_ref is None:
        raise RemarkErasedError()
    try:
        cipher = privacy.cipher_for(person.data_key_ref)
    except KeyDestroyedError:
        raise RemarkErasedError() from None
    try:
        text = cipher.decrypt_text(TABLE, "remark", str(referral.id), referral.remark)
    except DecryptionError:
        # Sealed under a key erased since, then replaced by the person's new one.
        erased_at = last_erasure(session, person)
        if erased_at is not None and referral.created_at <= erased_at:
            raise RemarkErasedError() from None
        log.warning("referral %s remark does not decrypt under its person's key", referral.id)
        raise
    record(session, actions.REFERRAL_REMARK_READ, by=actor_id, on=referral.id, person_id=person.id)
    return text


def referral_of(session: Session, person: Person, referral_id: int) -> Referral | None:
    """The person's referral with this id; None for another person's or none."""
    referral = session.get(Referral, referral_id)
    if referral is None or referral.person_id != person.id:
        return None
    return referral


def person_referrals_query(person: Person) -> Select[Any]:
    """The person's referrals, open ones first, then the latest (for a paginated list)."""
    return (
        select(Referral)
        .where(Referral.person_id == person.id)
        .options(selectinload(Referral.partner))
        .order_by(
            Referral.status.in_(list(FINISHED)), Referral.referred_on.desc(), Referral.id.desc()
        )
    )


def open_referrals(session: Session, person: Person) -> list[Referral]:
    return list(
        session.scalars(
            select(Referral)
            .where(Referral.person_id == person.id, Referral.status.in_(list(OPEN)))
            .options(selectinload(Referral.partner))
            .order_by(Referral.follow_up_on, Referral.id)
        )
    )


def count_referrals(session: Session, person: Person) -> int:
    return session.scalar(select(func.count()).where(Referral.person_id == person.id)) or 0


@dataclass(frozen=True)
class FollowUp:
    """An open referral whose follow-up is due today or overdue, with the person's code."""

    referral: Referral
    code: str
    overdue: bool


def due_follow_ups(
    session: Session, worker_id: int, today: date, *, page: int = 1, per_page: int = 20
) -> Page[FollowUp]:
    """The worker's open referrals to follow up today or earlier, most overdue first."""
    found = paginate(
        session,
        select(Referral, Person.code)
        .join(Person, Person.id == Referral.person_id)
        .where(
            Referral.worker_id == worker_id,
            Referral.status.in_(list(OPEN)),
            Referral.follow_up_on <= today,
        )
        .options(selectinload(Referral.partner))
        .order_by(Referral.follow_up_on, Referral.id),
        page=page,
        per_page=per_page,
        rows=True,
    )
    return Page(
        items=[
            FollowUp(r, code, r.follow_up_on is not None and r.follow_up_on < today)
            for r, code in found.items
        ],
        number=found.number,
        per_page=found.per_page,
        total=found.total,
    )
