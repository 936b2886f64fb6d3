"""Waiting lists: a person applies to a programme, waits, is offered a place, and is admitted
(or declines, is refused, withdraws).

Pure: a session, the acting user, plain values and today's date in; results, FieldErrors or
named errors out. The workflow is a table (`NEXT_STATUSES`); "accepted" is reached only by
`admit`, which enters the stay in the same savepoint, so a refused admission changes nothing.
Every change is a dated `ApplicationEvent`. A person's place in the list is computed (priority,
then application date, then id), never stored: nothing to renumber when someone leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from centre.audit.services import record
from centre.auth.models import Role, User
from centre.cases.services.cases import today_in_brussels
from centre.db import utcnow
from centre.pagination import Page, paginate
from centre.people.models import Person
from centre.validation import (
    ChangedSinceOpenedError,
    FieldErrors,
    check_day,
    check_version,
    single,
)

from .. import actions
from ..models import (
    NIGHT_BY_NIGHT,
    PENDING,
    PRIORITY_RANK,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    LadderStep,
    OverrideReason,
    Priority,
    Programme,
    Stay,
)
from .stays import enter_stay

S = ApplicationStatus
PER_PAGE = 25

# Which status may follow which. ACCEPTED comes only with a stay (`admit`); an offer the
# person let lapse puts them back on the list (OFFERED -> WAITING), keeping their date.
NEXT_STATUSES: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.WAITING: frozenset({S.OFFERED, S.DECLINED, S.REFUSED, S.WITHDRAWN}),
    S.OFFERED: frozenset({S.WAITING, S.DECLINED, S.REFUSED, S.WITHDRAWN}),
    S.ACCEPTED: frozenset(),
    S.DECLINED: frozenset(),
    S.REFUSED: frozenset(),
    S.WITHDRAWN: frozenset(),
}
FINAL = frozenset(status for status, following in NEXT_STATUSES.items() if not following)


def today() -> date:
    """Today in Brussels, the day the centre's dates are counted in."""
    return today_in_brussels()


def next_statuses(status: ApplicationStatus) -> list[ApplicationStatus]:
    """The statuses an application in `status` may move to (admission aside), in list order."""
    return [s for s in S if s in NEXT_STATUSES[status]]


def has_waiting_list(programme: Programme) -> bool:
    """Shelters give beds night by night on the bed board (reception's work): no list."""
    return programme.type not in NIGHT_BY_NIGHT


# --- reading ----------------------------------------------------------------------------------


def _rank() -> ColumnElement[int]:
    return case(
        *((Application.priority == priority, rank) for priority, rank in PRIORITY_RANK.items()),
        else_=len(PRIORITY_RANK),
    )


def _pending_in(programme_id: int) -> ColumnElement[bool]:
    return and_(Application.programme_id == programme_id, Application.status.in_(list(PENDING)))


@dataclass(frozen=True)
class Entry:
    """A pending application as its list shows it: its place, and the person's code."""

    application: Application
    code: str
    position: int


def waiting_list(
    session: Session, programme_id: int, page: int, *, per_page: int = PER_PAGE
) -> Page[Entry]:
    """The programme's pending applications (waiting or offered) in list order, one page.

    Positions run 1..n over the whole list, computed by the database (a window function), so
    a page costs its own rows, not the list's.
    """
    ranked = (
        select(
            Application.id.label("id"),
            func.row_number()
            .over(order_by=(_rank(), Application.applied_on, Application.id))
            .label("position"),
        )
        .where(_pending_in(programme_id))
        .subquery()
    )
    found = paginate(
        session,
        select(Application, Person.code, ranked.c.position)
        .join(ranked, ranked.c.id == Application.id)
        .join(Person, Person.id == Application.person_id)
        .order_by(ranked.c.position),
        page=page,
        per_page=per_page,
        rows=True,
    )
    return Page(
        items=[
            Entry(application, code, int(position)) for application, code, position in found.items
        ],
        number=found.number,
        per_page=found.per_page,
        total=found.total,
    )


def position_of(session: Session, application: Application) -> int | None:
    """Its place in its programme's list (1 first); None once it is no longer pending."""
    if application.status not in PENDING:
        return None
    rank = PRIORITY_RANK[application.priority]
    ahead = session.scalar(
        select(func.count())
        .select_from(Application)
        .where(
            _pending_in(application.programme_id),
            or_(
                _rank() < rank,
                and_(_rank() == rank, Application.applied_on < application.applied_on),
                and_(
                    _rank() == rank,
                    Application.applied_on == application.applied_on,
                    Application.id < application.id,
                ),
            ),
        )
    )
    return (ahead or 0) + 1


def applications_of(session: Session, person_id: int) -> list[Application]:
    """Every application of a person, to any programme, newest first."""
    return list(
        session.scalars(
            select(Application)
            .where(Application.person_id == person_id)
            .order_by(Application.applied_on.desc(), Application.id.desc())
        )
    )


@dataclass(frozen=True)
class ListSummary:
    programme: Programme
    waiting: int
    offered: int


def pending_programmes(session: Session, person_id: int) -> set[int]:
    """The programmes whose list the person is on (waiting, or offered a place)."""
    return set(
        session.scalars(
            select(Application.programme_id).where(
                Application.person_id == person_id, Application.status.in_(list(PENDING))
            )
        )
    )


def programmes_with_lists(session: Session) -> list[Programme]:
    """Active programmes that keep a waiting list, up the ladder, then by name."""
    return list(
        session.scalars(
            select(Programme)
            .join(LadderStep, LadderStep.id == Programme.ladder_step_id)
            .where(Programme.active.is_(True), Programme.type.not_in(list(NIGHT_BY_NIGHT)))
            .order_by(LadderStep.sort_order, Programme.name)
        )
    )


def summaries(session: Session) -> list[ListSummary]:
    """Each list with how many wait and how many have an offer to answer (one query)."""
    counts = {
        programme_id: (waiting or 0, offered or 0)
        for programme_id, waiting, offered in session.execute(
            select(
                Application.programme_id,
                func.count(case((Application.status == S.WAITING, 1))),
                func.count(case((Application.status == S.OFFERED, 1))),
            )
            .where(Application.status.in_(list(PENDING)))
            .group_by(Application.programme_id)
        )
    }
    return [
        ListSummary(programme, *counts.get(programme.id, (0, 0)))
        for programme in programmes_with_lists(session)
    ]


# --- applying ---------------------------------------------------------------------------------


def _has_pending(session: Session, person_id: int, programme_id: int) -> bool:
    return (
        session.scalar(
            select(Application.id)
            .where(_pending_in(programme_id), Application.person_id == person_id)
            .limit(1)
        )
        is not None
    )


def _is_pending_clash(error: IntegrityError) -> bool:
    # PostgreSQL names the partial unique index; SQLite names its columns.
    text = str(error.orig)
    return "uq_housing_applications_one_pending" in text or (
        "housing_applications.programme_id" in text and "housing_applications.person_id" in text
    )


def _event(application: Application, actor_id: int, on: date, now: datetime | None = None) -> None:
    application.events.append(
        ApplicationEvent(
            status=application.status,
            priority=application.priority,
            on=on,
            at=now or utcnow(),
            by_id=actor_id,
        )
    )


def apply(
    session: Session,
    *,
    actor_id: int,
    person: Person,
    programme: Programme | None,
    applied_on: date | None,
    worker_id: int | None,
    priority: Priority | None,
    today: date,
) -> Application:
    """Put the person on the programme's waiting list, followed by `worker_id`.

    FieldErrors on programme (none, closed, a shelter without a list, the person already
    waiting there), applied_on (missing, in the future, before 2000), worker (not an active
    social worker) and priority (missing). Two terminals applying at once: the database's
    partial unique index lets one win, and the other is told as "already waiting".
    """
    problems = FieldErrors()
    if programme is None:
        problems.add("programme", "required")
    elif not programme.active:
        problems.add("programme", "programme_inactive")
    elif not has_waiting_list(programme):
        problems.add("programme", "programme_without_list")
    elif _has_pending(session, person.id, programme.id):
        problems.add("programme", "application_pending")
    check_day(problems, "applied_on", applied_on, today)
    worker = session.get(User, worker_id) if worker_id is not None else None
    if worker_id is None:
        problems.add("worker", "required")
    elif worker is None or not worker.active or worker.role is not Role.SOCIAL_WORKER:
        problems.add("worker", "worker_invalid")
    if priority is None:
        problems.add("priority", "required")
    problems.raise_if_any()
    assert programme is not None and applied_on is not None and priority is not None  # noqa: S101
    assert worker_id is not None  # noqa: S101 - checked above
    application = Application(
        programme_id=programme.id,
        person_id=person.id,
        applied_on=applied_on,
        worker_id=worker_id,
        priority=priority,
        status=S.WAITING,
        status_on=applied_on,
    )
    now = utcnow()
    _event(application, actor_id, applied_on, now)
    try:
        # A savepoint: the clash is told as a field problem and the session stays usable.
        with session.begin_nested():
            session.add(application)
            session.flush()
    except IntegrityError as error:
        if _is_pending_clash(error):
            raise single("programme", "application_pending") from None
        raise
    record(session, actions.APPLICATION_MADE, by=actor_id, on=application.id, person_id=person.id)
    person.last_activity_at = max(person.last_activity_at, now)
    return application


# --- changing it ------------------------------------------------------------------------------


def _check_change_day(
    problems: FieldErrors, application: Application, on: date | None, today: date
) -> None:
    check_day(problems, "on", on, today)
    if on is None or "on" in problems:
        return
    if on < application.applied_on:
        problems.add("on", "before_application")
    elif on < application.status_on:
        problems.add("on", "before_last_change")


def _save(session: Session, application: Application, actor_id: int) -> None:
    try:
        # The version column makes the UPDATE itself refuse a save made in between.
        session.flush()
    except StaleDataError:
        raise ChangedSinceOpenedError() from None
    record(
        session,
        actions.APPLICATION_UPDATED,
        by=actor_id,
        on=application.id,
        person_id=application.person_id,
    )


def change_status(
    session: Session,
    *,
    actor_id: int,
    application: Application,
    status: ApplicationStatus | None,
    on: date | None,
    version: int | None,
    today: date,
) -> None:
    """Move the application to `status` on `on` (an offer made, declined, refused…).

    ChangedSinceOpenedError when someone saved it since the form was opened; FieldErrors on
    status (final already, or a change the workflow does not allow; "accepted" is `admit`'s)
    and on (missing, in the future, before the application or its last change).
    """
    check_version(application.version, version)
    problems = FieldErrors()
    if application.status in FINAL:
        problems.add("status", "application_final")
    elif status is None:
        problems.add("status", "required")
    elif status not in NEXT_STATUSES[application.status]:
        problems.add("status", "application_status_jump")
    _check_change_day(problems, application, on, today)
    problems.raise_if_any()
    assert status is not None and on is not None  # noqa: S101 - checked above
    application.status = status
    application.status_on = on
    _event(application, actor_id, on)
    _save(session, application, actor_id)


def change_priority(
    session: Session,
    *,
    actor_id: int,
    application: Application,
    priority: Priority | None,
    version: int | None,
    today: date,
) -> bool:
    """A new priority from today (an event dated today); False when it was that already.

    ChangedSinceOpenedError as `change_status`; FieldErrors on priority (missing, or the
    application no longer pending: a closed list place has no priority to change).
    """
    check_version(application.version, version)
    if application.status not in PENDING:
        raise single("priority", "application_final")
    if priority is None:
        raise single("priority", "required")
    if priority is application.priority:
        return False
    application.priority = priority
    _event(application, actor_id, today)
    _save(session, application, actor_id)
    return True


def admit(
    session: Session,
    *,
    actor_id: int,
    application: Application,
    entry_on: date | None,
    today: date,
    version: int | None,
    bed_id: int | None = None,
    move_in_on: date | None = None,
    override_reason: OverrideReason | None = None,
) -> Stay:
    """The place is offered and taken in one step: the stay is entered, the application
    accepted (dated `entry_on`) and linked to it, or, when anything is refused, neither.

    ChangedSinceOpenedError as `change_status`; FieldErrors on status (no longer pending),
    entry_on (before the application or its last change) and every FieldErrors of
    `enter_stay` (entry_on, move_in_on, bed, programme, code); MaxStayReachedError,
    BedTakenError and AlreadyHasBedError from `enter_stay` too.
    """
    check_version(application.version, version)
    if application.status not in PENDING:
        raise single("status", "application_final")
    problems = FieldErrors()
    if entry_on is not None and entry_on <= today:
        if entry_on < application.applied_on:
            problems.add("entry_on", "before_application")
        elif entry_on < application.status_on:
            problems.add("entry_on", "before_last_change")
    problems.raise_if_any()
    person = session.get(Person, application.person_id)
    assert person is not None  # noqa: S101 - a foreign key
    try:
        # One savepoint for the stay and the acceptance: a refusal of either undoes both,
        # and the caller's session stays usable to show the form again.
        with session.begin_nested():
            stay = enter_stay(
                session,
                actor_id=actor_id,
                person=person,
                programme=application.programme,
                entry_on=entry_on,
                latest=today,
                bed_id=bed_id,
                move_in_on=move_in_on,
                override_reason=override_reason,
            )
            assert entry_on is not None  # noqa: S101 - enter_stay refuses none
            application.status = S.ACCEPTED
            application.status_on = entry_on
            application.stay_id = stay.id
            _event(application, actor_id, entry_on)
            session.flush()
    except StaleDataError:
        raise ChangedSinceOpenedError() from None
    record(
        session,
        actions.APPLICATION_UPDATED,
        by=actor_id,
        on=application.id,
        person_id=application.person_id,
    )
    return stay


def stay_of(session: Session, application: Application) -> Stay | None:
    return session.get(Stay, application.stay_id) if application.stay_id is not None else None
