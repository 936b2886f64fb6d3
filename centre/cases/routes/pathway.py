"""The person's pathway page: every domain's rows on one timeline, newest first."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import render_template, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from centre import db
from centre.auth import services as accounts
from centre.auth.permissions import SOCIAL_WORK, allow
from centre.catalogues import services as catalogues
from centre.directory.labels import PARTNER_KIND_LABELS
from centre.employment.labels import ATTENDANCE_LABELS
from centre.employment.models import TaskType, WorkPhase
from centre.employment.services import progression
from centre.housing.labels import (
    APPLICATION_STATUS_LABELS,
    DESTINATION_GROUP_LABELS,
    DESTINATION_LABELS,
    OVERRIDE_REASON_LABELS,
    PRIORITY_LABELS,
    STAY_EVENT_LABELS,
)
from centre.housing.models import DESTINATION_GROUPS, Destination, Stay, StayEventKind
from centre.housing.services.stays import stays_of
from centre.i18n import language
from centre.inputs import page_number
from centre.pages import person_or_404
from centre.people.models import Person
from centre.reception.labels import INCIDENT_KIND_LABELS, INCIDENT_OUTCOME_LABELS
from centre.timeline import Entry

from .. import bp
from ..labels import (
    CANCEL_REASON_LABELS,
    CASE_EVENT_LABELS,
    CLOSURE_REASON_LABELS,
    DECLINE_REASON_LABELS,
    DRUG_LABELS,
    GOAL_STATUS_LABELS,
    INSURANCE_STATUS_LABELS,
    LIFE_DOMAIN_LABELS,
    NOTE_KIND_LABELS,
    REAFFILIATION_STEP_LABELS,
    REFERRAL_OUTCOME_LABELS,
    REFERRAL_STATUS_LABELS,
)
from ..models import ReferralStatus
from ..services import pathway as services

SOURCE_LABELS = {
    "visit": _l("Visit"),
    "incident": _l("Incident"),
    "case": _l("Case"),
    "goal": _l("Goal"),
    "note": _l("Note"),
    "referral": _l("Referral"),
    "insurance": _l("Health insurance"),
    "reaffiliation": _l("Re-affiliation"),
    "assessment": _l("Substance-use profile"),
    "stay": _l("Housing"),
    "application": _l("Waiting list"),
    "phase": _l("Work phase"),
    "day_job": _l("Day job"),
}


# Sources whose row is one step of a closed list, and nothing more.
RIGHTS_STEP_LABELS: dict[str, Mapping[Any, Any]] = {
    "insurance": INSURANCE_STATUS_LABELS,
    "reaffiliation": REAFFILIATION_STEP_LABELS,
}


@dataclass(frozen=True)
class Line:
    """An entry as the page shows it: its kind, what happened, more about it, a link."""

    entry: Entry
    kind: str
    what: str
    detail: str
    href: str | None


def _label(labels: Mapping[Any, Any], code: str | None) -> str:
    return str(labels.get(code, code)) if code else ""


def _line(
    e: Entry,
    person: Person,
    shown: services.Pathway,
    sites: dict[int, str],
    names: dict[tuple[str, int], str],
) -> Line:
    what, detail, href = "", "", None
    if e.source in ("visit", "incident"):
        what = _label(INCIDENT_KIND_LABELS, e.what) if e.source == "incident" else ""
        detail = ", ".join(
            t
            for t in (sites.get(e.about_id or 0, ""), _label(INCIDENT_OUTCOME_LABELS, e.detail))
            if t
        )
    elif e.source == "case":
        what = _label(CASE_EVENT_LABELS, e.what)
        detail = _label(CLOSURE_REASON_LABELS, e.detail)
        href = url_for("cases.person_file", code=person.code)
    elif e.source == "goal" and (goal := shown.goals.get(e.about_id or 0)):
        what = _label(GOAL_STATUS_LABELS, e.what)
        detail = f"{_label(LIFE_DOMAIN_LABELS, goal.domain)}: {goal.title}"
        href = url_for("cases.person_file", code=person.code) + f"#goal-{goal.id}"
    elif e.source == "note":
        what = _label(NOTE_KIND_LABELS, e.what)
        detail = str(_l("addendum")) if e.detail else ""
        href = url_for("cases.view_note", code=person.code, note_id=e.about_id or e.row_id)
    elif e.source == "referral" and (referral := shown.referrals.get(e.about_id or 0)):
        what = _label(REFERRAL_STATUS_LABELS, e.what)
        detail = f"{referral.partner.name} ({_label(PARTNER_KIND_LABELS, referral.help)})"
        reason = (
            {
                ReferralStatus.DECLINED: _label(DECLINE_REASON_LABELS, referral.decline_reason),
                ReferralStatus.CANCELLED: _label(CANCEL_REASON_LABELS, referral.cancel_reason),
                ReferralStatus.CLOSED: _label(REFERRAL_OUTCOME_LABELS, referral.outcome),
            }.get(ReferralStatus(e.what))
            if e.what
            else None
        )
        if reason:
            detail += f": {reason}"
        href = url_for("cases.referral", code=person.code, referral_id=referral.id)
    elif e.source in RIGHTS_STEP_LABELS:
        what = _label(RIGHTS_STEP_LABELS[e.source], e.what)
    elif e.source == "assessment":
        what = str(_l("Primary drug: %(drug)s", drug=_label(DRUG_LABELS, e.what)))
    elif e.source in ("stay", "application", "phase", "day_job"):
        what, detail, href = _other_domain(e, person, shown, names)
    return Line(e, str(SOURCE_LABELS.get(e.source, e.source)), what, detail, href)


def _housing(e: Entry, person: Person, shown: services.Pathway) -> tuple[str, str, str | None]:
    if e.source == "stay" and (stay := shown.stays.get(e.about_id or 0)):
        what, detail = _stay_step(e, stay)
        return what, detail, url_for("housing.person", code=person.code) + f"#stay-{stay.id}"
    if e.source == "application" and (application := shown.applications.get(e.about_id or 0)):
        what = _label(APPLICATION_STATUS_LABELS, e.what)
        detail = f"{application.programme.name} ({_label(PRIORITY_LABELS, e.detail)})"
        return what, detail, url_for("housing.application", application_id=application.id)
    return "", "", None


def _stay_step(e: Entry, stay: Stay) -> tuple[str, str]:
    """A stay's step as the ladder sees it: which rung, and for an exit, where to."""
    what = _label(STAY_EVENT_LABELS, e.what)
    rung = stay.programme.ladder_step.label(language())
    detail = str(_l("%(programme)s · step: %(step)s", programme=stay.programme.name, step=rung))
    if e.what == StayEventKind.EXITED and e.detail in DESTINATION_LABELS:
        group = DESTINATION_GROUP_LABELS[DESTINATION_GROUPS[Destination(e.detail)]]
        detail += f" → {_label(DESTINATION_LABELS, e.detail)} ({group})"
    elif e.what == StayEventKind.OVERRIDDEN:
        detail += f" · {_label(OVERRIDE_REASON_LABELS, e.detail)}"
    return what, detail


# The attendance of a day job; signed up and not yet recorded shows as "Signed up".
DAY_LABOUR_LABELS: dict[Any, Any] = {None: _l("Signed up"), **ATTENDANCE_LABELS}


def _other_domain(
    e: Entry, person: Person, shown: services.Pathway, names: dict[tuple[str, int], str]
) -> tuple[str, str, str | None]:
    """Housing's and day labour's rows."""
    if e.source in ("stay", "application"):
        return _housing(e, person, shown)
    what, detail = _day_labour(e, names)
    return what, detail, None


def _day_labour(e: Entry, names: dict[tuple[str, int], str]) -> tuple[str, str]:
    """A day job: its attendance and task; a phase: its name."""
    what = str(DAY_LABOUR_LABELS.get(e.what, e.what)) if e.source == "day_job" else ""
    return what, names.get((e.source, e.about_id or 0), "")


def day_labour_names(dbs: Any, shown: services.Pathway, locale: str) -> dict[tuple[str, int], str]:
    """The phases and task types the page's day-labour rows name, in the page's language."""
    names: dict[tuple[str, int], str] = {}
    for source, model in (("phase", WorkPhase), ("day_job", TaskType)):
        ids = shown.ids(source)
        if ids:
            for item in dbs.scalars(select(model).where(model.id.in_(ids))):
                names[(source, item.id)] = item.label(locale)
    return names


@bp.route("/people/<code>/pathway")
@allow(SOCIAL_WORK)
def pathway(code: str) -> str:
    person = person_or_404(code)
    dbs = db.session()
    shown = services.pathway(dbs, person.id, page=request.args.get("page", 1, type=page_number))
    entries = shown.page.items
    locale = language()
    site_ids = shown.ids("visit") | shown.ids("incident")
    names = day_labour_names(dbs, shown, locale)
    sites = {
        i: item.label(locale)
        for i, item in catalogues.items_by_id(dbs, catalogues.Kind.SITES, site_ids).items()
    }
    return render_template(
        "cases/pathway.html",
        person=person,
        page=shown.page,
        lines=[_line(e, person, shown, sites, names) for e in entries],
        phases=progression.steps_of(dbs, person.id),
        usernames=accounts.usernames(dbs, {e.by_id for e in entries if e.by_id}),
        ladder=list(reversed(stays_of(dbs, person.id))),
        locale=locale,
    )
