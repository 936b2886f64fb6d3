"""A person's housing: stays on the ladder, applications; enter a stay, move in, exit."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from centre import db, once
from centre.auth.permissions import SOCIAL_WORK, allow
from centre.cases.services.cases import today_in_brussels
from centre.forms import flash_unplaced, show_errors
from centre.pages import person_or_404
from centre.people.models import Person
from centre.validation import ChangedSinceOpenedError, FieldErrors, single

from .. import bp
from ..forms.stays import EnterStayForm, ExitStayForm, MoveInForm
from ..labels import (
    APPLICATION_STATUS_LABELS,
    DESTINATION_GROUP_LABELS,
    DESTINATION_LABELS,
    EXIT_REASON_LABELS,
    OVERRIDE_REASON_LABELS,
    PROGRAMME_TYPE_LABELS,
    STAY_EVENT_LABELS,
)
from ..models import (
    DESTINATION_GROUPS,
    Bed,
    Destination,
    ExitReason,
    OverrideReason,
    Programme,
    Stay,
)
from ..services import stays as services
from ..services import waiting


@bp.route("/people/<code>")
@allow(SOCIAL_WORK)
def person(code: str) -> str:
    person = person_or_404(code)
    dbs = db.session()
    return render_template(
        "housing/person.html",
        person=person,
        stays=services.stays_of(dbs, person.id),
        applications=waiting.applications_of(dbs, person.id),
        programme_type_labels=PROGRAMME_TYPE_LABELS,
        destination_labels=DESTINATION_LABELS,
        destination_group_labels=DESTINATION_GROUP_LABELS,
        destination_groups=DESTINATION_GROUPS,
        exit_reason_labels=EXIT_REASON_LABELS,
        override_labels=OVERRIDE_REASON_LABELS,
        event_labels=STAY_EVENT_LABELS,
        application_status_labels=APPLICATION_STATUS_LABELS,
    )


def _programmes() -> list[Programme]:
    return list(
        db.session().scalars(
            select(Programme).where(Programme.active.is_(True)).order_by(Programme.name)
        )
    )


def _enter_choices(form: EnterStayForm, programmes: list[Programme]) -> None:
    form.programme.choices = [SelectChoice(p.id, p.name) for p in programmes]
    beds = db.session().execute(
        select(Bed.id, Bed.position, Programme.name)
        .join(Programme, Programme.id == Bed.programme_id)
        .where(Bed.active.is_(True), Programme.active.is_(True))
        .order_by(Programme.name, Bed.position)
    )
    form.bed.choices = [SelectChoice("", _("First free bed"))] + [
        SelectChoice(bed_id, f"{name} · {position}") for bed_id, position, name in beds
    ]


@bp.route("/people/<code>/stays/new", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def enter_stay(code: str) -> Any:
    person = person_or_404(code)
    programmes = _programmes()
    form = EnterStayForm()
    _enter_choices(form, programmes)
    today = today_in_brussels()
    if request.method == "GET":
        form.entry_on.data = today
    warning = None
    if form.validate_on_submit():
        programme = next((p for p in programmes if p.id == form.programme.data), None)
        try:
            if programme is None:
                raise single("programme", "required")
            override = form.override_reason.data
            services.enter_stay(
                db.session(),
                actor_id=current_user.id,
                person=person,
                programme=programme,
                entry_on=form.entry_on.data,
                latest=today,
                bed_id=form.bed.data,
                move_in_on=form.move_in_on.data,
                override_reason=OverrideReason(override) if override else None,
            )
            once.claim(db.session(), form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("housing.person", code=person.code))
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        except services.MaxStayReachedError as reached:
            warning = reached
        except (services.BedTakenError, services.AlreadyHasBedError):
            db.session().rollback()
            flash(_("That bed or this person's bed changed a moment ago: look again."), "error")
        else:
            flash(_("Entry recorded."), "success")
            return redirect(url_for("housing.person", code=person.code))
    return render_template("housing/stay_new.html", person=person, form=form, warning=warning), (
        422 if request.method == "POST" else 200
    )


def _stay_of(code: str, stay_id: int) -> tuple[Person, Stay]:
    person = person_or_404(code)
    stay = db.session().get(Stay, stay_id)
    if stay is None or stay.person_id != person.id:
        abort(404)
    return person, stay


@bp.route("/people/<code>/stays/<int:stay_id>/move-in", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def move_in(code: str, stay_id: int) -> Any:
    person, stay = _stay_of(code, stay_id)
    form = MoveInForm()
    if request.method == "GET":
        form.move_in_on.data = today_in_brussels()
        form.version.data = stay.version
    if form.validate_on_submit():
        try:
            services.record_move_in(
                db.session(),
                actor_id=current_user.id,
                stay=stay,
                move_in_on=form.move_in_on.data,
                latest=today_in_brussels(),
                version=form.version.data,
            )
        except ChangedSinceOpenedError:
            flash_unplaced(show_errors(form, single("stay", "changed_since_opened")))
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            flash(_("Move-in recorded."), "success")
            return redirect(url_for("housing.person", code=person.code))
    return render_template("housing/stay_move_in.html", person=person, stay=stay, form=form), (
        422 if request.method == "POST" else 200
    )


@bp.route("/people/<code>/stays/<int:stay_id>/exit", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def exit_stay(code: str, stay_id: int) -> Any:
    person, stay = _stay_of(code, stay_id)
    form = ExitStayForm()
    if request.method == "GET":
        form.exit_on.data = today_in_brussels()
        form.version.data = stay.version
    if form.validate_on_submit():
        try:
            services.exit_stay(
                db.session(),
                actor_id=current_user.id,
                stay=stay,
                exit_on=form.exit_on.data,
                destination=_destination(form.destination.data),
                exit_reason=ExitReason(form.exit_reason.data) if form.exit_reason.data else None,
                latest=today_in_brussels(),
                version=form.version.data,
            )
        except ChangedSinceOpenedError:
            flash_unplaced(show_errors(form, single("stay", "changed_since_opened")))
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            flash(_("Exit recorded."), "success")
            return redirect(url_for("housing.person", code=person.code))
    return render_template("housing/stay_exit.html", person=person, stay=stay, form=form), (
        422 if request.method == "POST" else 200
    )


def _destination(value: str | None) -> Destination | None:
    try:
        return Destination(value) if value else None
    except ValueError:
        return None
