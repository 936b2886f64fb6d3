"""A person's file for social workers: the case and its plan, then each subject's section."""

from __future__ import annotations

from typing import Any

from flask import render_template

from centre import db
from centre.auth import services as accounts
from centre.auth.permissions import SOCIAL_WORK, allow
from centre.pages import person_or_404
from centre.people.models import Person

from .. import bp
from ..labels import (
    CASE_EVENT_LABELS,
    CASE_STATUS_LABELS,
    CLOSURE_REASON_LABELS,
    GOAL_STATUS_LABELS,
    LIFE_DOMAIN_LABELS,
)
from ..services import cases as services
from . import merge, notes, referrals, rights


def _case_context(person: Person) -> dict[str, Any]:
    dbs = db.session()
    current = services.open_case_of(dbs, person.id)
    history = services.cases_of(dbs, person.id)
    users = accounts.usernames(
        dbs,
        {c.key_worker_id for c in history}
        | {c.second_worker_id for c in history if c.second_worker_id}
        | {e.by_id for c in history for e in c.events},
    )
    return {
        "current_case": current,
        "past_cases": [c for c in history if c is not current],
        "usernames": users,
        "case_status_labels": CASE_STATUS_LABELS,
        "case_event_labels": CASE_EVENT_LABELS,
        "closure_labels": CLOSURE_REASON_LABELS,
        "domain_labels": LIFE_DOMAIN_LABELS,
        "goal_status_labels": GOAL_STATUS_LABELS,
        "today": services.today_in_brussels(),
    }


@bp.route("/people/<code>")
@allow(SOCIAL_WORK)
def person_file(code: str) -> str:
    person = person_or_404(code)
    sections: dict[str, Any] = _case_context(person)
    for subject in (notes, referrals, rights, merge):
        sections.update(subject.person_section(person))
    return render_template("cases/person.html", person=person, **sections)
