"""A case's goals: add one, change one (its history kept)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from centre import db, once
from centre.auth.permissions import SOCIAL_WORK, allow
from centre.forms import flash_unplaced, show_errors
from centre.people.models import Person
from centre.validation import ChangedSinceOpenedError, FieldErrors, single

from .. import bp
from ..forms.goals import GoalForm, NewGoalForm
from ..labels import GOAL_STATUS_LABELS, LIFE_DOMAIN_LABELS
from ..models import Goal, GoalStatus, LifeDomain
from ..services import goals as services
from ..services.cases import today_in_brussels
from .context import case_or_404


def goal_input(form: NewGoalForm | GoalForm) -> services.GoalInput:
    return services.GoalInput(
        domain=LifeDomain(form.domain.data) if form.domain.data else None,
        title=form.title.data or "",
        agreed_on=form.agreed_on.data,
        target_on=form.target_on.data,
        next_review_on=form.next_review_on.data,
        status=GoalStatus(form.status.data or GoalStatus.PROPOSED.value),
    )


def code_of(person_id: int) -> str:
    person = db.session().get(Person, person_id)
    return person.code if person else ""


@bp.route("/<int:case_id>/goals/new", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def add_goal(case_id: int) -> Any:
    case_file = case_or_404(case_id)
    code = code_of(case_file.person_id)
    form = NewGoalForm()
    if request.method == "GET":
        form.agreed_on.data = today_in_brussels()
    if form.validate_on_submit():
        try:
            services.add_goal(
                db.session(), actor_id=current_user.id, case_file=case_file, data=goal_input(form)
            )
            once.claim(db.session(), form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("cases.person_file", code=code))
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            flash(_("Goal added."), "success")
            return redirect(url_for("cases.person_file", code=code))
    return render_template(
        "cases/goal.html",
        form=form,
        goal=None,
        case_file=case_file,
        code=code,
    ), (422 if request.method == "POST" else 200)


@bp.route("/goals/<int:goal_id>", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def edit_goal(goal_id: int) -> Any:
    goal = db.session().get(Goal, goal_id)
    if goal is None:
        abort(404)
    form = GoalForm(obj=goal if request.method == "GET" else None)
    if request.method == "GET":
        form.domain.data = goal.domain.value
        form.status.data = goal.status.value
    if form.validate_on_submit():
        try:
            changed = services.update_goal(
                db.session(),
                actor_id=current_user.id,
                goal=goal,
                data=goal_input(form),
                version=form.version.data,
            )
        except ChangedSinceOpenedError:
            flash_unplaced(show_errors(form, single("goal", "changed_since_opened")))
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            flash(_("Goal saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("cases.person_file", code=code_of(goal.case.person_id)))
    return render_template(
        "cases/goal.html",
        form=form,
        goal=goal,
        case_file=goal.case,
        code=code_of(goal.case.person_id),
        status_labels=GOAL_STATUS_LABELS,
        domain_labels=LIFE_DOMAIN_LABELS,
    ), (422 if request.method == "POST" else 200)
