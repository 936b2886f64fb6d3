"""A case's own pages (open, workers, close, reopen) and the worker's caseload."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from centre import db, once
from centre.auth import services as accounts
from centre.auth.models import Role
from centre.auth.permissions import SOCIAL_WORK, allow
from centre.forms import flash_unplaced, show_errors
from centre.inputs import page_number
from centre.pages import person_or_404
from centre.pagination import paginate
from centre.people.models import Person
from centre.validation import ChangedSinceOpenedError, FieldErrors, single

from .. import bp
from ..forms.cases import CloseCaseForm, OpenCaseForm, ReopenCaseForm, WorkersForm
from ..models import ClosureReason
from ..services import cases as services
from .context import case_or_404

CASELOAD_PAGE = 25


def worker_choices(form: Any, *, blank_second: bool = True) -> None:
    users = accounts.active_users(db.session(), Role.SOCIAL_WORKER)
    workers = [(user.id, user.username) for user in users]
    form.key_worker.choices = workers
    form.second_worker.choices = [("", "—"), *workers] if blank_second else workers


@bp.route("/people/<code>/open", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def open_case(code: str) -> Any:
    person = person_or_404(code)
    form = OpenCaseForm()
    worker_choices(form)
    if request.method == "GET":
        form.key_worker.data = current_user.id
    if form.validate_on_submit():
        try:
            services.open_case(
                db.session(),
                actor_id=current_user.id,
                person=person,
                key_worker_id=form.key_worker.data,
                second_worker_id=form.second_worker.data,
                opened_on=form.opened_on.data,
            )
            once.claim(db.session(), form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("cases.person_file", code=person.code))
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            flash(_("Case opened."), "success")
            return redirect(url_for("cases.person_file", code=person.code))
    return render_template("cases/open.html", person=person, form=form), (
        422 if form.errors else 200
    )


@bp.route("/<int:case_id>/workers", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def change_workers(case_id: int) -> Any:
    case_file = case_or_404(case_id)
    person = db.session().get(Person, case_file.person_id)
    form = WorkersForm()
    worker_choices(form)
    if request.method == "GET":
        form.key_worker.data = case_file.key_worker_id
        form.second_worker.data = case_file.second_worker_id
        form.version.data = case_file.version
    if form.validate_on_submit():
        try:
            changed = services.change_workers(
                db.session(),
                actor_id=current_user.id,
                case_file=case_file,
                key_worker_id=form.key_worker.data,
                second_worker_id=form.second_worker.data,
                version=form.version.data,
            )
        except ChangedSinceOpenedError:
            flash_unplaced(show_errors(form, single("case", "changed_since_opened")))
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            flash(_("Workers changed.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("cases.person_file", code=person.code if person else ""))
    return render_template("cases/workers.html", case_file=case_file, person=person, form=form), (
        422 if request.method == "POST" else 200
    )


@bp.route("/<int:case_id>/close", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def close_case(case_id: int) -> Any:
    case_file = case_or_404(case_id)
    person = db.session().get(Person, case_file.person_id)
    form = CloseCaseForm()
    if request.method == "GET":
        form.closed_on.data = services.today_in_brussels()
        form.version.data = case_file.version
    if form.validate_on_submit():
        try:
            services.close_case(
                db.session(),
                actor_id=current_user.id,
                case_file=case_file,
                closed_on=form.closed_on.data,
                reason=ClosureReason(form.reason.data) if form.reason.data else None,
                version=form.version.data,
            )
        except ChangedSinceOpenedError:
            flash_unplaced(show_errors(form, single("case", "changed_since_opened")))
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            flash(_("Case closed."), "success")
            return redirect(url_for("cases.person_file", code=person.code if person else ""))
    return render_template("cases/close.html", case_file=case_file, person=person, form=form), (
        422 if request.method == "POST" else 200
    )


@bp.route("/<int:case_id>/reopen", methods=["POST"])
@allow(SOCIAL_WORK)
def reopen_case(case_id: int) -> Response:
    case_file = case_or_404(case_id)
    person = db.session().get(Person, case_file.person_id)
    form = ReopenCaseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.reopen_case(
            db.session(), actor_id=current_user.id, case_file=case_file, version=form.version.data
        )
    except ChangedSinceOpenedError:
        flash(_("Someone else changed this case meanwhile. Look again, then reopen it."), "error")
    except FieldErrors as problems:
        flash_unplaced(show_errors(form, problems))
    else:
        flash(_("Case reopened."), "success")
    return redirect(url_for("cases.person_file", code=person.code if person else ""))


@bp.route("")
@allow(SOCIAL_WORK)
def caseload() -> str:
    dbs = db.session()
    order = request.args.get("sort", services.CaseloadOrder.FOLLOW_UP.value)
    if order not in {o.value for o in services.CaseloadOrder}:
        order = services.CaseloadOrder.FOLLOW_UP.value
    today = services.today_in_brussels()
    page = paginate(
        dbs,
        services.caseload_query(current_user.id, today, services.CaseloadOrder(order)),
        page=request.args.get("page", 1, type=page_number),
        per_page=CASELOAD_PAGE,
        rows=True,
    )
    return render_template(
        "cases/caseload.html",
        page=page,
        rows=services.caseload_rows(page.items),
        order=order,
        orders=services.CaseloadOrder,
        today=today,
    )
