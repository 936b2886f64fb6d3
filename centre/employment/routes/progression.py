"""A person's progression to work: the phases reached, and a new one recorded."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from centre import db, once
from centre.auth.permissions import SOCIAL_WORK, allow
from centre.cases.services.cases import today_in_brussels
from centre.forms import flash_unplaced, show_errors
from centre.i18n import language
from centre.pages import person_or_404
from centre.validation import FieldErrors

from .. import bp
from ..forms.progression import PhaseForm
from ..models import WorkPhase
from ..services import progression as services


@bp.route("/people/<code>/phases", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def phases(code: str) -> Any:
    person = person_or_404(code)
    dbs = db.session()
    active = list(
        dbs.scalars(
            select(WorkPhase).where(WorkPhase.active.is_(True)).order_by(WorkPhase.sort_order)
        )
    )
    locale = language()
    form = PhaseForm()
    form.phase.choices = [SelectChoice(p.id, p.label(locale)) for p in active]
    if request.method == "GET":
        form.reached_on.data = today_in_brussels()
    if form.validate_on_submit():
        try:
            services.reach_phase(
                dbs,
                actor_id=current_user.id,
                person=person,
                phase=next((p for p in active if p.id == form.phase.data), None),
                reached_on=form.reached_on.data,
                today=today_in_brussels(),
            )
            once.claim(dbs, form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("employment.phases", code=person.code))
        except FieldErrors as problems:
            dbs.rollback()
            flash_unplaced(show_errors(form, problems))
        else:
            flash(_("Phase recorded."), "success")
            return redirect(url_for("employment.phases", code=person.code))
    return render_template(
        "employment/phases.html",
        person=person,
        steps=services.steps_of(dbs, person.id),
        form=form,
        locale=locale,
    ), (422 if request.method == "POST" else 200)
