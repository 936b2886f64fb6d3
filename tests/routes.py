"""The application's routes as tests walk them: every endpoint, and a URL for each."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from centre.auth.models import User
from centre.cases.models import (
    CaseFile,
    CaseStatus,
    Goal,
    GoalStatus,
    LifeDomain,
    Note,
    NoteKind,
    PersonMerge,
    Referral,
    ReferralStatus,
    Urgency,
)
from centre.db import utcnow
from centre.directory.models import (
    Commune,
    Language,
    Partner,
    PartnerCommune,
    PartnerKind,
    PartnerLanguage,
)
from centre.housing.models import (
    Application,
    ApplicationStatus,
    Bed,
    CapacityUnit,
    LadderStep,
    Priority,
    Programme,
    ProgrammeType,
    Stay,
)
from centre.reception.models import HandoverEntry, Incident, IncidentKind, Visit
from tests import factories


def endpoints(app: Flask) -> dict[str, tuple[str, set[str]]]:
    """Each endpoint (but static files) with one URL rule and its methods."""
    found: dict[str, tuple[str, set[str]]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            found[rule.endpoint] = (rule.rule, set(rule.methods or ()) - {"HEAD", "OPTIONS"})
    return found


def build(rule: str, values: dict[str, Any]) -> str:
    """The URL of `rule` with each <parameter> taken from `values`."""
    url = rule
    for name, value in values.items():
        for converter in ("int:", ""):
            url = url.replace(f"<{converter}{name}>", str(value))
    assert "<" not in url, f"no test value for a parameter of {rule}"
    return url


def objects_behind_urls(session: Session, *, owner: User, other: User) -> dict[str, Any]:
    """One object for each kind of URL part, and the URL values naming them.

    `owner` created the visit and the incident (their correction pages answer the owner
    only); `other` wrote the handover note and is the user the admin pages show.
    """
    site = factories.site(session, key="routes")
    factories.service(session, key="shower", shortcut="s")
    supply = factories.supply(session, key="injection_set", is_syringe=True)
    person = factories.consenting_person(session, actor_id=owner.id, birth_year=1985)
    now = utcnow()
    shift = {"shift_day": now.date(), "shift_index": 0}
    visit = Visit(site_id=site.id, occurred_at=now, created_by_id=owner.id, **shift)
    incident = Incident(
        site_id=site.id, kind=IncidentKind.OTHER, occurred_at=now, created_by_id=owner.id, **shift
    )
    entry = HandoverEntry(site_id=site.id, author_id=other.id, body="note", **shift)
    case_file = CaseFile(
        person_id=person.id,
        status=CaseStatus.OPEN,
        key_worker_id=owner.id,
        opened_on=now.date(),
        created_by_id=owner.id,
    )
    case_file.goals.append(
        Goal(
            domain=LifeDomain.HEALTH,
            title="Find a GP",
            status=GoalStatus.PROPOSED,
            agreed_on=now.date(),
            created_by_id=owner.id,
        )
    )
    partner = Partner(
        name="Routes partner",
        kind=PartnerKind.OTHER,
        internal_notes="staff only",
        communes=[PartnerCommune(commune=Commune.BRUXELLES)],
        languages=[PartnerLanguage(language=Language.FR)],
    )
    session.add_all([visit, incident, entry, case_file, partner])
    referral = Referral(
        person_id=person.id,
        partner=partner,
        help=PartnerKind.OTHER,
        referred_on=now.date(),
        urgency=Urgency.ROUTINE,
        worker_id=owner.id,
        status=ReferralStatus.PROPOSED,
        follow_up_on=now.date(),
    )
    session.add(referral)
    # Written by `owner`, so the fuzz test reaches its correction too. Its body stays empty:
    # sealing needs the app's keys, which this builder does not have (the notes tests seal).
    note = Note(person_id=person.id, kind=NoteKind.OTHER, written_on=now.date(), author_id=owner.id)
    session.add(note)
    # A code merged into the person's: the undo page of a merge needs one to show.
    duplicate = factories.person(session, actor_id=owner.id)
    duplicate.merged_into_id = person.id
    merge = PersonMerge(
        kept_id=person.id, merged_id=duplicate.id, moved="{}", merged_at=now, merged_by_id=owner.id
    )
    session.add(merge)
    # A programme of the centre's on a step of the ladder, with its beds (programme pages).
    ladder_step = LadderStep(
        key="routes_step", label_fr="Urgence", label_nl="Nood", label_en="Emergency"
    )
    session.add(ladder_step)
    session.flush()
    programme = Programme(
        name="Routes programme",
        type=ProgrammeType.EMERGENCY_SHELTER,
        site_id=site.id,
        capacity=2,
        capacity_unit=CapacityUnit.BEDS,
        ladder_step_id=ladder_step.id,
        beds=[Bed(position=1), Bed(position=2)],
    )
    session.add(programme)
    # The person waiting for it (an application's page and its admission).
    application = Application(
        programme=programme,
        person_id=person.id,
        applied_on=now.date(),
        worker_id=owner.id,
        priority=Priority.NORMAL,
        status=ApplicationStatus.WAITING,
        status_on=now.date(),
    )
    session.add(application)
    session.flush()
    # The person on bed 1 tonight (release, move-in and exit pages); bed 2 free (blocking).
    stay = Stay(
        person_id=person.id,
        programme_id=programme.id,
        bed_id=programme.beds[0].id,
        entry_on=now.date(),
        created_by_id=owner.id,
    )
    session.add(stay)
    # A day job today with the person signed up (the offer's page, the sign-up).
    from tests.employment.conftest import offer, signup

    job = offer(session, supervisor_id=owner.id, on=now.date())
    placed = signup(session, offer=job, person_id=person.id, by_id=owner.id)
    # ... who came for 4 hours and was paid (the correction page).
    from centre.employment.models import Attendance
    from centre.employment.services import pay

    placed.attendance, placed.hours = Attendance.PRESENT, Decimal("4.00")
    paid = pay.pay(session, actor_id=owner.id, signup=placed, now=now)
    session.commit()
    return {
        "note_id": note.id,
        "case_id": case_file.id,
        "partner_id": partner.id,
        "referral_id": referral.id,
        "goal_id": case_file.goals[0].id,
        "user_id": other.id,
        "code": person.code,
        "visit_id": visit.id,
        "incident_id": incident.id,
        "entry_id": entry.id,
        "kind": "supplies",
        "item_id": supply.id,
        "merge_id": merge.id,
        "programme_id": programme.id,
        "application_id": application.id,
        "stay_id": stay.id,
        "bed_id": programme.beds[1].id,
        "offer_id": job.id,
        "line_id": paid.id,
        "signup_id": placed.id,
    }
