"""A person at the counter: their quick view, member card, and the header's code lookup."""

from __future__ import annotations

import segno
from flask import abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from centre import db
from centre.auth import services as accounts
from centre.auth.permissions import FRONT_LINE, allow
from centre.cases.services import cases
from centre.catalogues.services import Kind
from centre.i18n import language
from centre.messages import message
from centre.people import services as people
from centre.people.labels import GENDER_LABELS
from centre.people.models import ConsentScope, Person
from centre.validation import FieldErrors

from .. import bp
from ..labels import INCIDENT_KIND_LABELS
from ..services.quick_view import person_activity
from .context import catalogue


def person_or_404(code: str) -> Person:
    person = people.person_with_code(db.session(), code)
    if person is None:
        abort(404)
    return person


@bp.route("/people/<code>")
@allow(FRONT_LINE)
def quick_view(code: str) -> str:
    person = person_or_404(code)
    dbs = db.session()
    activity = person_activity(dbs, person_id=person.id)
    # Reception sees whether someone follows the person, never the case itself.
    open_case = cases.open_case_of(dbs, person.id)
    key_worker = accounts.usernames(dbs, [open_case.key_worker_id]) if open_case else {}
    return render_template(
        "reception/quick_view.html",
        person=person,
        activity=activity,
        locale=language(),
        has_consent=person.active_consent(ConsentScope.IDENTITY) is not None,
        open_case=open_case,
        key_worker=next(iter(key_worker.values()), ""),
        gender_labels=GENDER_LABELS,
        kinds=INCIDENT_KIND_LABELS,
        all_services={s.id: s for s in catalogue(Kind.SERVICES)},
        all_supplies={s.id: s for s in catalogue(Kind.SUPPLIES)},
    )


@bp.route("/people/<code>/card")
@allow(FRONT_LINE)
def member_card(code: str) -> str:
    person = person_or_404(code)
    qr = segno.make(person.code, error="m")
    return render_template(
        "reception/card.html", person=person, qr_svg=qr.svg_data_uri(scale=6, border=2)
    )


@bp.route("/lookup")
@allow(FRONT_LINE)
def lookup() -> Response:
    """The code box of the visit screen's header: straight to the person's quick view."""
    try:
        person = people.find_by_code(db.session(), request.args.get("code", ""))
    except FieldErrors as problems:
        unknown = problems.codes("code") == ["code_unknown"]
        flash(message("code_unknown" if unknown else "code_mistyped"), "error")
        return redirect(url_for("reception.visits"))
    return redirect(url_for("reception.quick_view", code=person.code))
