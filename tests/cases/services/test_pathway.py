"""The pathway: every source on one timeline, newest first, paged, one person's rows only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

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
from centre.cases.models import (
    Testing as ScreeningStatus,
)
from centre.cases.services import pathway as services
from centre.directory.models import Partner, PartnerKind
from centre.reception.models import Incident, IncidentKind, Visit
from tests import factories
from tests.cases.conftest import Office

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def visit(session: Session, office: Office, person_id: int, hours: int, **extra: object) -> Visit:
    site = factories.site(session) if "site_id" not in extra else None
    row = Visit(
        site_id=site.id if site else extra.pop("site_id"),
        person_id=person_id,
        occurred_at=at(hours),
        shift_day=at(hours).date(),
        shift_index=0,
        created_by_id=office.worker.user.id,
        **extra,
    )
    session.add(row)
    session.flush()
    return row


def test_every_source_shows_newest_first_with_its_codes(session: Session, office: Office) -> None:
    """One row of each source, recorded an hour apart, come back in reverse order."""
    me, person = office.worker.user.id, office.person
    first = visit(session, office, person.id, 0)
    session.add(
        Incident(
            site_id=first.site_id,
            person_id=person.id,
            kind=IncidentKind.OVERDOSE,
            occurred_at=at(1),
            shift_day=at(1).date(),
            shift_index=0,
            created_by_id=me,
        )
    )
    case_file = CaseFile(
        person_id=person.id,
        status=CaseStatus.CLOSED,
        key_worker_id=me,
        opened_on=at(2).date(),
        closed_on=at(9).date(),
        closure_reason=ClosureReason.MOVED_AWAY,
        created_by_id=me,
    )
    case_file.events.append(
        CaseEvent(kind=CaseEventKind.OPENED, on=at(2).date(), at=at(2), by_id=me)
    )
    goal = Goal(
        domain=LifeDomain.HEALTH,
        title="Find a GP",
        status=GoalStatus.PROPOSED,
        agreed_on=at(3).date(),
        created_by_id=me,
    )
    goal.changes.append(GoalChange(status=GoalStatus.PROPOSED, at=at(3), by_id=me))
    case_file.goals.append(goal)
    session.add(case_file)
    session.flush()
    note = Note(
        person_id=person.id,
        kind=NoteKind.PHONE_CALL,
        written_on=at(4).date(),
        author_id=me,
        created_at=at(4),
    )
    session.add(note)
    partner = Partner(name="Medical house Nord", kind=PartnerKind.GENERAL_PRACTICE)
    session.add(partner)
    session.flush()
    referral = Referral(
        person_id=person.id,
        partner_id=partner.id,
        help=PartnerKind.GENERAL_PRACTICE,
        referred_on=at(5).date(),
        urgency=Urgency.ROUTINE,
        worker_id=me,
        status=ReferralStatus.SENT,
    )
    referral.events.append(
        ReferralEvent(status=ReferralStatus.SENT, on=at(5).date(), at=at(5), by_id=me)
    )
    session.add(referral)
    session.add_all(
        [
            InsuranceRecord(
                person_id=person.id,
                status=InsuranceStatus.NOT_IN_ORDER,
                recorded_on=at(6).date(),
                by_id=me,
                created_at=at(6),
            ),
            ReaffiliationEvent(
                person_id=person.id,
                step=ReaffiliationStep.REQUEST_FILED,
                on=at(7).date(),
                by_id=me,
                created_at=at(7),
            ),
            SubstanceAssessment(
                person_id=person.id,
                assessed_on=at(8).date(),
                by_id=me,
                primary_drug=Drug.CRACK,
                secondary_drug=Drug.NOT_KNOWN,
                route=Route.SMOKE,
                frequency=Frequency.DAILY,
                injecting=Injecting.NOT_KNOWN,
                substitution=Substitution.NOT_KNOWN,
                hiv_testing=ScreeningStatus.NOT_KNOWN,
                hcv_testing=ScreeningStatus.NOT_KNOWN,
                treatment_status=TreatmentStatus.NOT_KNOWN,
                referral_source=ReferralSource.NOT_KNOWN,
                living_where=LivingWhere.NOT_KNOWN,
                labour_status=LabourStatus.NOT_KNOWN,
                created_at=at(8),
            ),
        ]
    )
    case_file.events.append(
        CaseEvent(
            kind=CaseEventKind.CLOSED,
            on=at(9).date(),
            at=at(9),
            by_id=me,
            closure_reason=ClosureReason.MOVED_AWAY,
        )
    )
    session.commit()

    shown = services.pathway(session, person.id)
    rows = [(e.source, e.what, e.detail, e.at) for e in shown.page.items]
    assert rows == [
        ("case", "closed", "moved_away", at(9)),
        ("assessment", Drug.CRACK.value, None, at(8)),
        ("reaffiliation", "request_filed", None, at(7)),
        ("insurance", "not_in_order", None, at(6)),
        ("referral", "sent", None, at(5)),
        ("note", "phone_call", None, at(4)),
        ("goal", "proposed", None, at(3)),
        ("case", "opened", None, at(2)),
        ("incident", "overdose", "unknown", at(1)),
        ("visit", None, None, at(0)),
    ]
    assert shown.page.total == 10
    assert all(e.by_id == me for e in shown.page.items)
    assert shown.goals == {goal.id: goal} and shown.referrals == {referral.id: referral}
    declared = {e.source: e.on for e in shown.page.items}
    assert declared["note"] == date(2026, 3, 2) and declared["visit"] is None


def test_only_the_persons_own_and_standing_rows(session: Session, office: Office) -> None:
    """Another person's visit and a deleted visit stay off; an addendum says so."""
    me, person = office.worker.user.id, office.person
    other = factories.person(session, actor_id=me)
    kept = visit(session, office, person.id, 0)
    visit(session, office, other.id, 1, site_id=kept.site_id)
    visit(session, office, person.id, 2, site_id=kept.site_id, deleted_at=at(3), deleted_by_id=me)
    note = Note(
        person_id=person.id,
        kind=NoteKind.OTHER,
        written_on=T0.date(),
        author_id=me,
        created_at=at(4),
    )
    session.add(note)
    session.flush()
    session.add(
        Note(
            person_id=person.id,
            kind=NoteKind.OTHER,
            written_on=T0.date(),
            author_id=me,
            addendum_to_id=note.id,
            created_at=at(5),
        )
    )
    session.commit()
    items = services.pathway(session, person.id).page.items
    assert [(e.source, e.row_id, e.detail, e.about_id) for e in items] == [
        ("note", note.id + 1, "addendum", note.id),
        ("note", note.id, None, None),
        ("visit", kept.id, None, kept.site_id),
    ]


def test_pages_split_the_timeline_without_overlap(session: Session, office: Office) -> None:
    site = factories.site(session)
    made = [visit(session, office, office.person.id, h, site_id=site.id).id for h in range(7)]
    session.commit()
    pages = [
        services.pathway(session, office.person.id, page=n, per_page=3).page for n in (1, 2, 3, 4)
    ]
    assert [[e.row_id for e in p.items] for p in pages] == [
        made[6:3:-1],
        made[3:0:-1],
        made[0:1],
        made[0:1],  # past the last page: the last page
    ]
    assert pages[0].total == 7 and pages[0].pages == 3
