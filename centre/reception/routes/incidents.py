"""Incidents: the shift's list (walking back shift by shift), a new one, a correction."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from centre import db, once
from centre.auth.permissions import FRONT_LINE, allow
from centre.catalogues.models import Site
from centre.forms import show_errors
from centre.i18n import BRUSSELS, language
from centre.inputs import row_id
from centre.validation import FieldErrors

from .. import bp
from ..forms import IncidentForm
from ..labels import INCIDENT_KIND_LABELS, INCIDENT_OUTCOME_LABELS
from ..models import Incident, IncidentKind, IncidentOutcome
from ..services import incidents as services
from ..settings import current_shift, settings
from ..shifts import Shift, next_shift, previous_shift
from .context import current_site, shift_named

# Earliest shift an incident list can be asked for (a bound on the URL, not on the data);
# the current shift's list also shows incidents still open from the week before, as
# incidents may be entered up to 7 days late.
MIN_LISTED_DAY = date(2000, 1, 1)
OPEN_INCIDENTS_SHOWN = timedelta(days=7)


def incident_input(form: IncidentForm, site: Site) -> services.IncidentInput:
    occurred = form.occurred_at.data
    return services.IncidentInput(
        site_id=site.id,
        kind=IncidentKind(form.kind.data),
        code=form.code.data or "",
        occurred_at=occurred.replace(tzinfo=BRUSSELS) if occurred else None,
        naloxone_doses=form.naloxone_doses.data or 0,
        ambulance_called=bool(form.ambulance_called.data),
        outcome=IncidentOutcome(form.outcome.data),
        description=form.description.data or "",
        closed=bool(form.closed.data),
    )


def chosen_shift() -> Shift:
    """The shift named by `?day=YYYY-MM-DD&shift=N`, never a future one; else the current."""
    current = current_shift()
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return current
    index = request.args.get("shift", 0, type=row_id)
    if index >= len(settings().shift_starts) or not MIN_LISTED_DAY <= day <= current.day:
        return current
    return min(shift_named(day, index), current)


def incidents_url(shift: Shift) -> str:
    """The incident list of `shift`: where an incident is found once saved."""
    if shift == current_shift():
        return url_for("reception.incidents")
    return url_for("reception.incidents", day=shift.day.isoformat(), shift=shift.index)


def incident_shift(incident: Incident) -> Shift:
    return shift_named(incident.shift_day, incident.shift_index)


@bp.route("/incidents")
@allow(FRONT_LINE)
def incidents() -> str:
    site = current_site()
    shift = chosen_shift()
    current = current_shift()
    dbs = db.session()
    listed = services.shift_incidents(dbs, site_id=site.id, shift=shift) if site else []
    still_open = (
        services.open_incidents_before(
            dbs, site_id=site.id, shift=current, since=current.starts_at - OPEN_INCIDENTS_SHOWN
        )
        if site and shift == current
        else []
    )
    starts = settings().shift_starts
    return render_template(
        "reception/incidents.html",
        site=site,
        shift=shift,
        is_current=shift == current,
        previous_url=incidents_url(previous_shift(shift, starts)),
        next_url=None if shift == current else incidents_url(next_shift(shift, starts)),
        incidents=listed,
        still_open=still_open,
        kinds=INCIDENT_KIND_LABELS,
        outcomes=INCIDENT_OUTCOME_LABELS,
        locale=language(),
    )


@bp.route("/incidents/new", methods=["GET", "POST"])
@allow(FRONT_LINE)
def new_incident() -> Any:
    site = current_site()
    if site is None:
        return redirect(url_for("reception.visits"))  # its empty state says what to do
    form = IncidentForm()
    if request.method == "GET" and request.args.get("kind") in {k.value for k in IncidentKind}:
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        try:
            incident = services.log_incident(
                db.session(), settings(), actor_id=current_user.id, data=incident_input(form, site)
            )
            once.claim(db.session(), form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("reception.incidents"))
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            flash(_("Incident saved."), "success")
            return redirect(incidents_url(incident_shift(incident)))
    return render_template(
        "reception/incident_form.html", form=form, site=site, incident=None, locale=language()
    ), (422 if form.errors else 200)


@bp.route("/incidents/<int:incident_id>", methods=["GET", "POST"])
@allow(FRONT_LINE)
def edit_incident(incident_id: int) -> Any:
    incident = db.session().get(Incident, incident_id)
    if incident is None:
        abort(404)
    if request.method == "GET":
        form = IncidentForm(obj=incident)
        form.kind.data = incident.kind.value
        form.outcome.data = incident.outcome.value
        form.code.data = incident.person.code if incident.person else ""
        form.occurred_at.data = incident.occurred_at.astimezone(BRUSSELS).replace(tzinfo=None)
        form.closed.data = incident.closed_at is not None
    else:
        form = IncidentForm()
    if form.validate_on_submit():
        try:
            services.update_incident(
                db.session(),
                settings(),
                actor_id=current_user.id,
                incident=incident,
                data=incident_input(form, incident.site),
            )
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            flash(_("Incident updated."), "success")
            return redirect(incidents_url(incident_shift(incident)))
    return render_template(
        "reception/incident_form.html",
        form=form,
        site=incident.site,
        incident=incident,
        locale=language(),
    ), (422 if form.errors else 200)
