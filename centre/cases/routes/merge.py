"""Duplicates: merge another code into this person's, after a confirmation; undo it.

The person whose file it is stays: the code typed is the one merged into it. Each step that
changes something is a POST after a page that says what it will do.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from centre import db, once
from centre.auth import services as accounts
from centre.auth.permissions import SOCIAL_WORK, allow
from centre.db import utcnow
from centre.forms import flash_unplaced, show_errors
from centre.messages import message
from centre.pages import person_or_404
from centre.people.models import Person
from centre.privacy import privacy
from centre.validation import FieldErrors, Problem

from .. import bp
from ..forms.merge import ConfirmMergeForm, MergeForm, UndoMergeForm
from ..models import PersonMerge
from ..services import merge as services

# What moves, as the confirmation pages name it (the tables of services.MOVING).
MOVING_LABELS = {
    "visits": _l("Visits"),
    "incidents": _l("Incidents"),
    "case_files": _l("Cases, with their plans and history"),
    "notes": _l("Notes"),
    "referrals": _l("Referrals"),
    "insurance_records": _l("Health-insurance records"),
    "reaffiliation_events": _l("Re-affiliation steps"),
    "substance_assessments": _l("Substance-use profiles"),
}


def person_section(person: Person) -> dict[str, Any]:
    """What the person's file page shows of merges (templates/cases/_merge.html)."""
    dbs = db.session()
    merges = services.merges_of(dbs, person)
    users = accounts.usernames(
        dbs,
        {entry.merge.merged_by_id for entry in merges}
        | {entry.merge.undone_by_id for entry in merges if entry.merge.undone_by_id},
    )
    return {"merges": merges, "merge_usernames": users}


def _confirmation(kept: Person, other: Person) -> str:
    plan = services.plan_merge(db.session(), privacy(), kept=kept, merged=other)
    return render_template(
        "cases/merge_confirm.html",
        person=kept,
        other=other,
        counts=plan.counts(),
        staying=sum(len(ids) for ids in plan.staying.values()),
        labels=MOVING_LABELS,
        form=ConfirmMergeForm(formdata=None, code=other.code),
    )


@bp.route("/people/<code>/merge", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def merge(code: str) -> Any:
    kept = person_or_404(code)
    form = MergeForm()
    if form.validate_on_submit():
        try:
            other = services.person_to_merge(db.session(), kept=kept, code=form.code.data or "")
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            return _confirmation(kept, other)
    return render_template("cases/merge.html", person=kept, form=form), (
        422 if form.errors else 200
    )


@bp.route("/people/<code>/merge/confirm", methods=["POST"])
@allow(SOCIAL_WORK)
def confirm_merge(code: str) -> Any:
    kept = person_or_404(code)
    form = ConfirmMergeForm()
    if not form.validate_on_submit():
        abort(400)
    dbs = db.session()
    kept_code = kept.code
    try:
        # Checked again: the other code may have been merged, or a case opened, meanwhile.
        other = services.person_to_merge(dbs, kept=kept, code=form.code.data or "")
        merged_code = other.code
        services.merge_persons(dbs, privacy(), actor_id=current_user.id, kept=kept, merged=other)
        once.claim(dbs, form.form_token.data)
    except once.AlreadySubmittedError:
        return once.already_saved(url_for("cases.person_file", code=kept_code))
    except FieldErrors as problems:
        again = MergeForm(formdata=None, code=form.code.data)
        flash_unplaced(show_errors(again, problems))
        return render_template("cases/merge.html", person=kept, form=again), 422
    flash(
        _(
            "%(merged)s is now the same file as %(kept)s: its records moved here, and its "
            "code leads here.",
            merged=merged_code,
            kept=kept_code,
        ),
        "success",
    )
    return redirect(url_for("cases.person_file", code=kept_code))


def _merge_or_404(kept: Person, merge_id: int) -> PersonMerge:
    found = services.merge_of(db.session(), kept, merge_id)
    if found is None:
        abort(404)
    return found


def _undo_page(kept: Person, merge: PersonMerge, refusal: services.UndoRefusedError | None) -> str:
    dbs = db.session()
    merged = dbs.get(Person, merge.merged_id)
    counts: dict[str, int] = {}
    if refusal is None:
        try:
            back = services.undo_plan(dbs, privacy(), merge=merge, now=utcnow())
            counts = {table: len(ids) for table, ids in back.items()}
        except services.UndoRefusedError as refused:
            refusal = refused
    return render_template(
        "cases/merge_undo.html",
        person=kept,
        merge=merge,
        merged_code=merged.code if merged else "",
        counts=counts,
        labels=MOVING_LABELS,
        refusal=message(Problem(refusal.code, refusal.params)) if refusal else None,
        form=UndoMergeForm(formdata=None),
    )


@bp.route("/people/<code>/merges/<int:merge_id>/undo", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def undo_merge(code: str, merge_id: int) -> Any:
    kept = person_or_404(code)
    found = _merge_or_404(kept, merge_id)
    if request.method == "GET":
        return _undo_page(kept, found, None)
    if not UndoMergeForm().validate_on_submit():
        abort(400)
    kept_code = kept.code
    try:
        services.undo_merge(db.session(), privacy(), actor_id=current_user.id, merge=found)
    except services.UndoRefusedError as refusal:
        return _undo_page(kept, found, refusal), 409
    merged = db.session().get(Person, found.merged_id)
    flash(
        _(
            "Merge undone: %(merged)s is a person of its own again, with what had moved.",
            merged=merged.code if merged else "",
        ),
        "success",
    )
    return redirect(url_for("cases.person_file", code=kept_code))
