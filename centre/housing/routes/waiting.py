"""Waiting lists: every list with its counts, a programme's list with computed places, putting
a person on a list, an application's page (status, priority, dated history), and admitting
from the list (the place offered and taken: a stay, in one step)."""

from __future__ import annotations

from datetime import date
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
from centre.inputs import page_number, row_id
from centre.messages import message
from centre.pages import person_or_404
from centre.people.models import Person
from centre.validation import EARLIEST, ChangedSinceOpenedError, FieldErrors, single

from .. import bp
from ..forms.waiting import (
    PRIORITY_ACTION,
    STATUS_ACTION,
    AdmitForm,
    ApplyForm,
    PriorityForm,
    StatusForm,
    offer_statuses,
)
from ..labels import (
    APPLICATION_STATUS_LABELS,
    OVERRIDE_REASON_LABELS,
    PRIORITY_LABELS,
    PROGRAMME_TYPE_LABELS,
)
from ..models import (
    PENDING,
    Application,
    ApplicationStatus,
    CapacityUnit,
    OverrideReason,
    Priority,
    Programme,
)
from ..services import stays
from ..services import waiting as services

# The waiting list's own "Record an offer" button sends the worker back to the list.
BACK_TO_LIST = "list"


def template_labels() -> dict[str, Any]:
    return {
        "priority_labels": PRIORITY_LABELS,
        "status_labels": APPLICATION_STATUS_LABELS,
        "programme_type_labels": PROGRAMME_TYPE_LABELS,
        "override_labels": OVERRIDE_REASON_LABELS,
    }


def _enum_or_none(kind: type[Any], value: str | None) -> Any:
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def programme_or_404(programme_id: int) -> Programme:
    """A programme that keeps a waiting list (shelters have none: the bed board is theirs)."""
    programme = db.session().get(Programme, programme_id)
    if programme is None or not services.has_waiting_list(programme):
        abort(404)
    return programme


def application_or_404(application_id: int) -> Application:
    found = db.session().get(Application, application_id)
    if found is None:
        abort(404)
    return found


def show_version(form: Any, version: int) -> None:
    """The version the page now shows: the posted one would win (WTForms renders raw data)."""
    form.version.data = version
    form.version.raw_data = [str(version)]


def code_of(application: Application) -> str:
    person = db.session().get(Person, application.person_id)
    assert person is not None  # noqa: S101 - a foreign key
    return person.code


# --- the lists --------------------------------------------------------------------------------


@bp.route("/waiting")
@allow(SOCIAL_WORK)
def waiting_lists() -> str:
    return render_template(
        "housing/waiting_lists.html",
        lists=services.summaries(db.session()),
        **template_labels(),
    )


@bp.route("/programmes/<int:programme_id>/waiting")
@allow(SOCIAL_WORK)
def waiting_list(programme_id: int) -> str:
    programme = programme_or_404(programme_id)
    dbs = db.session()
    page = services.waiting_list(dbs, programme.id, request.args.get("page", 1, type=page_number))
    return render_template(
        "housing/waiting_list.html",
        programme=programme,
        page=page,
        today=services.today(),
        usernames=accounts.usernames(dbs, {e.application.worker_id for e in page.items}),
        **template_labels(),
    )


# --- applying ---------------------------------------------------------------------------------


@bp.route("/people/<code>/apply", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def apply(code: str) -> Any:
    person = person_or_404(code)
    dbs = db.session()
    form = ApplyForm()
    form.programme.choices = [("", "—")] + [
        (p.id, p.name) for p in services.programmes_with_lists(dbs)
    ]
    form.worker.choices = [
        (user.id, user.username) for user in accounts.active_users(dbs, Role.SOCIAL_WORKER)
    ]
    if request.method == "GET":
        form.worker.data = current_user.id
        form.programme.data = request.args.get("programme_id", type=row_id)
    if form.validate_on_submit():
        programme_id = form.programme.data
        try:
            # The claim first: a form posted twice is told "already saved", not refused as a
            # second application. A refused form is answered 422, which undoes the claim.
            once.claim(dbs, form.form_token.data)
            made = services.apply(
                dbs,
                actor_id=current_user.id,
                person=person,
                programme=dbs.get(Programme, programme_id) if programme_id else None,
                applied_on=form.applied_on.data,
                worker_id=form.worker.data,
                priority=_enum_or_none(Priority, form.priority.data),
                today=services.today(),
            )
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("housing.person", code=person.code))
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            flash(_("Added to the waiting list."), "success")
            return redirect(url_for("housing.application", application_id=made.id))
    return render_template("housing/apply.html", person=person, form=form, **template_labels()), (
        422 if request.method == "POST" else 200
    )


# --- an application ---------------------------------------------------------------------------


def render_application(
    found: Application,
    status_form: StatusForm,
    priority_form: PriorityForm,
    problems: list[str] | None = None,
) -> str:
    dbs = db.session()
    offer_statuses(status_form, found.status)
    return render_template(
        "housing/application.html",
        application=found,
        code=code_of(found),
        position=services.position_of(dbs, found),
        stay=services.stay_of(dbs, found),
        pending=found.status in PENDING,
        status_form=status_form,
        priority_form=priority_form,
        problems=problems or [],
        usernames=accounts.usernames(
            dbs, {found.worker_id} | {event.by_id for event in found.events}
        ),
        **template_labels(),
    )


def _fresh_forms(found: Application) -> tuple[StatusForm, PriorityForm]:
    status_form = StatusForm(formdata=None)
    priority_form = PriorityForm(formdata=None)
    status_form.version.data = priority_form.version.data = found.version
    priority_form.priority.data = found.priority.value
    return status_form, priority_form


@bp.route("/applications/<int:application_id>", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def application(application_id: int) -> Any:
    found = application_or_404(application_id)
    status_form, priority_form = _fresh_forms(found)
    if request.method == "GET":
        return render_application(found, status_form, priority_form)
    action = request.form.get("action")
    if action == STATUS_ACTION:
        status_form = StatusForm()
        return _post_status(found, status_form, priority_form)
    if action == PRIORITY_ACTION:
        priority_form = PriorityForm()
        return _post_priority(found, status_form, priority_form)
    abort(400)


def _changed_since(
    found: Application, status_form: StatusForm, priority_form: PriorityForm
) -> tuple[str, int]:
    # Nothing of this post is saved; the page shows the application as it is now, with what
    # was typed and the version it now has, so saving again is deliberate.
    db.session().rollback()
    show_version(status_form, found.version)
    show_version(priority_form, found.version)
    return render_application(
        found, status_form, priority_form, [message("changed_since_opened")]
    ), 409


def _post_status(found: Application, status_form: StatusForm, priority_form: PriorityForm) -> Any:
    offer_statuses(status_form, found.status)
    problems: list[str] = []
    if status_form.validate():
        try:
            services.change_status(
                db.session(),
                actor_id=current_user.id,
                application=found,
                status=_enum_or_none(ApplicationStatus, status_form.status.data),
                on=status_form.on.data,
                version=status_form.version.data,
                today=services.today(),
            )
        except ChangedSinceOpenedError:
            return _changed_since(found, status_form, priority_form)
        except FieldErrors as problems_found:
            problems = show_errors(status_form, problems_found)
        else:
            flash(_("Application updated."), "success")
            if status_form.back.data == BACK_TO_LIST:
                return redirect(url_for("housing.waiting_list", programme_id=found.programme_id))
            return redirect(url_for("housing.application", application_id=found.id))
    return render_application(found, status_form, priority_form, problems), 422


def _post_priority(found: Application, status_form: StatusForm, priority_form: PriorityForm) -> Any:
    problems: list[str] = []
    if priority_form.validate():
        try:
            changed = services.change_priority(
                db.session(),
                actor_id=current_user.id,
                application=found,
                priority=_enum_or_none(Priority, priority_form.priority.data),
                version=priority_form.version.data,
                today=services.today(),
            )
        except ChangedSinceOpenedError:
            return _changed_since(found, status_form, priority_form)
        except FieldErrors as problems_found:
            problems = show_errors(priority_form, problems_found)
        else:
            flash(_("Priority changed.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("housing.application", application_id=found.id))
    return render_application(found, status_form, priority_form, problems), 422


# --- admitting: the place offered and taken ---------------------------------------------------


def _night_of(form: AdmitForm, today: date) -> date:
    """The night whose free beds the form offers: the entry date typed, if it is a possible
    one, else tonight."""
    entry_on = form.entry_on.data
    if isinstance(entry_on, date) and EARLIEST <= entry_on <= today:
        return entry_on
    return today


def _bed_choices(form: AdmitForm, programme: Programme, night: date) -> None:
    if not programme.run_by_centre:
        form.bed.choices = []
        return
    free = stays.free_beds(db.session(), programme, night)
    form.bed.choices = [("", _("First free bed"))] + [
        (bed.id, _("Bed %(n)d", n=bed.position)) for bed in free
    ]


def _post_admit(
    found: Application, form: AdmitForm, code: str, today: date
) -> Response | tuple[stays.MaxStayReachedError | None, int]:
    """The admission, or why not: the maximum stay's figures (a warning) and the status."""
    dbs = db.session()
    try:
        # The claim first, as on the apply page: a double click is told "already saved".
        once.claim(dbs, form.form_token.data)
        services.admit(
            dbs,
            actor_id=current_user.id,
            application=found,
            entry_on=form.entry_on.data,
            today=today,
            version=form.version.data,
            bed_id=form.bed.data,
            move_in_on=form.move_in_on.data,
            override_reason=_enum_or_none(OverrideReason, form.override_reason.data),
        )
    except once.AlreadySubmittedError:
        return once.already_saved(url_for("housing.person", code=code))
    except ChangedSinceOpenedError:
        dbs.rollback()
        show_version(form, found.version)
        flash_unplaced([message("changed_since_opened")])
        return None, 409
    except FieldErrors as problems:
        flash_unplaced(show_errors(form, problems))
    except stays.MaxStayReachedError as reached:
        return reached, 422
    except stays.BedTakenError:
        show_errors(form, single("bed", "bed_taken"))
    except stays.AlreadyHasBedError:
        flash_unplaced(show_errors(form, single("code", "person_has_stay")))
    else:
        flash(_("Place given: the stay is recorded and the application accepted."), "success")
        return redirect(url_for("housing.person", code=code))
    return None, 422


@bp.route("/applications/<int:application_id>/admit", methods=["GET", "POST"])
@allow(SOCIAL_WORK)
def admit(application_id: int) -> Any:
    found = application_or_404(application_id)
    code = code_of(found)
    if request.method == "GET" and found.status not in PENDING:
        flash(_("This application is no longer on the waiting list."), "info")
        return redirect(url_for("housing.application", application_id=found.id))
    form = AdmitForm()
    today = services.today()
    if request.method == "GET":
        form.version.data = found.version
    warning, status = None, (422 if request.method == "POST" else 200)
    if form.validate_on_submit():
        outcome = _post_admit(found, form, code, today)
        if isinstance(outcome, Response):
            return outcome
        warning, status = outcome
    # Offered after the post, so a bed taken meanwhile is no longer among them.
    _bed_choices(form, found.programme, _night_of(form, today))
    return render_template(
        "housing/admit.html",
        application=found,
        code=code,
        form=form,
        warning=warning,
        units=found.programme.capacity_unit is CapacityUnit.UNITS,
        **template_labels(),
    ), status
