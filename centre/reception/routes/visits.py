"""The visit screen: log a visit, the shift's list and totals; correct or delete one's own."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from centre import db, once
from centre.auth.permissions import FRONT_LINE, allow
from centre.catalogues import services as catalogues
from centre.catalogues.models import Site, Supply
from centre.catalogues.services import Kind
from centre.db import utcnow
from centre.forms import show_errors
from centre.i18n import language
from centre.inputs import parse_id, row_id
from centre.messages import message
from centre.people.labels import GENDER_LABELS
from centre.people.models import Gender
from centre.validation import FieldErrors

from .. import bp
from ..forms import DeleteVisitForm, VisitForm
from ..labels import DELETION_REASON_LABELS, INCIDENT_KIND_LABELS
from ..models import AgeBand, DeletionReason, Visit
from ..services import handover as handover_services
from ..services import visits as services
from ..settings import current_shift, settings
from .context import active, catalogue, current_site, site_form

# Fields the visit form posts even when left empty (a text box, a list).
VISIT_FORM_ALWAYS_SENDS = frozenset({"code", "age_band"})
# The visit screen lists this many of the shift's latest visits; "all" shows every one.
SCREEN_VISITS = 30


def parse_visit(form: VisitForm, site: Site, raw: MultiDict[str, str]) -> services.VisitInput:
    """The visit from the posted form; FieldErrors for what cannot even be read."""
    problems = FieldErrors()
    if not raw.keys() >= VISIT_FORM_ALWAYS_SENDS:
        # Not what our form sends: a correction must never read missing fields as emptied.
        problems.add("visit", "incomplete")
    service_ids = frozenset(
        service_id
        for key in raw
        if key.startswith("service-") and (service_id := parse_id(key[8:])) is not None
    )
    supplies: dict[int, int] = {}
    for key, value in raw.items():
        supply_id = parse_id(key[7:]) if key.startswith("supply-") else None
        if supply_id is not None and value.strip():
            try:
                supplies[supply_id] = int(value.strip())
            except ValueError:
                problems.add(key, "not_a_number")
    problems.raise_if_any()
    litres = float(form.sharps_litres.data) if form.sharps_litres.data is not None else None
    return services.VisitInput(
        site_id=site.id,
        code=form.code.data or "",
        gender=Gender(form.gender.data) if form.gender.data else None,
        age_band=AgeBand(form.age_band.data or AgeBand.NOT_KNOWN.value),
        service_ids=service_ids,
        supplies=supplies,
        override_max=bool(form.override_max.data),
        returned_count=form.returned_count.data,
        sharps_litres=litres,
        remark=form.remark.data or "",
        womens_space=bool(form.womens_space.data),
    )


def unplaced_errors(problems: FieldErrors, form: VisitForm, supplies: list[Supply]) -> list[str]:
    """Messages with no field on screen to stand beside: about the visit as a whole, or
    about an item deactivated since the page was loaded. Shown above the form."""
    placed = {"services", *(f"supply-{s.id}" for s in supplies)}
    return [
        message(problem)
        for name in problems
        if name not in placed and name not in form
        for problem in problems.get(name)
    ]


def visit_screen(
    form: VisitForm,
    site: Site | None,
    problems: FieldErrors,
    raw: MultiDict[str, str] | None = None,
    status: int = 200,
    saved: str | None = None,
) -> Any:
    dbs = db.session()
    shift = current_shift()
    context: dict[str, Any] = {
        "form": form,
        "site": site,
        "shift": shift,
        "errors": problems,
        "raw": raw or MultiDict(),
        "locale": language(),
        "message": message,
        "saved": saved,
    }
    if site is not None:
        all_services, all_supplies = catalogue(Kind.SERVICES), catalogue(Kind.SUPPLIES)
        supplies = active(all_supplies)
        context.update(
            unplaced_errors=unplaced_errors(problems, form, supplies),
            services=active(all_services),
            supplies=supplies,
            visits=services.shift_visits(
                dbs,
                site_id=site.id,
                shift=shift,
                limit=None if request.args.get("all") else SCREEN_VISITS,
            ),
            totals=services.shift_totals(dbs, site_id=site.id, shift=shift),
            recent_codes=services.recent_codes(
                dbs, site_id=site.id, since=utcnow() - timedelta(days=30)
            ),
            unread=handover_services.unread_handover_count(
                dbs, site_id=site.id, actor_id=current_user.id
            ),
            site_form=site_form(site),
            all_services={s.id: s for s in all_services},
            all_supplies={s.id: s for s in all_supplies},
            incident_labels=INCIDENT_KIND_LABELS,
            gender_labels=GENDER_LABELS,
            is_correctable=lambda v: services.is_correctable(v, current_user.id),
        )
    return render_template("reception/visits.html", **context), status


@bp.route("")
@allow(FRONT_LINE)
def visits() -> Any:
    return visit_screen(
        VisitForm(formdata=None), current_site(), FieldErrors(), saved=saved_message()
    )


def saved_message() -> str | None:
    """The confirmation of the visit just saved, from `?saved=<id>` (own visits only)."""
    saved = request.args.get("saved")
    if saved == "again":
        return _("This visit was already saved.")
    visit_id = parse_id(saved)
    if visit_id is None:
        return None
    visit = db.session().get(Visit, visit_id)
    if visit is None or visit.created_by_id != current_user.id or visit.deleted_at:
        return None
    who = visit.person.code if visit.person else _("anonymous")
    return _("Visit saved (%(who)s).", who=who)


@bp.route("/site", methods=["POST"])
@allow(FRONT_LINE)
def choose_site() -> Response:
    chosen = request.form.get("site", type=row_id)
    if chosen in {s.id for s in catalogues.active_sites(db.session())}:
        session["site_id"] = chosen
    return redirect(url_for("reception.visits"))


@bp.route("/visits", methods=["POST"])
@allow(FRONT_LINE)
def log_visit() -> Any:
    site = current_site()
    if site is None:
        return redirect(url_for("reception.visits"))  # its empty state says what to do
    form = VisitForm()
    problems = FieldErrors()
    if form.validate_on_submit():
        try:
            visit_id = services.log_visit(
                db.session(),
                settings(),
                actor_id=current_user.id,
                data=parse_visit(form, site, request.form),
            )
            once.claim(db.session(), form.form_token.data)
        except once.AlreadySubmittedError:
            db.session().rollback()
            return redirect(url_for("reception.visits", saved="again"))
        except FieldErrors as found:
            problems = found
        else:
            # The confirmation rides on the redirect (an id, nothing else): logging a
            # visit then writes nothing to the server-side session, the hot path.
            return redirect(url_for("reception.visits", saved=visit_id))
    show_errors(form, problems)
    # 422: the page comes back with every value kept and a message beside each problem.
    return visit_screen(form, site, problems, request.form, status=422)


def own_visit(visit_id: int) -> Visit:
    visit = db.session().get(Visit, visit_id)
    if visit is None or visit.deleted_at is not None:
        abort(404)
    if not services.is_correctable(visit, current_user.id):
        abort(403)  # another colleague's entry, or too old to correct here
    return visit


def form_data_of(visit: Visit) -> MultiDict[str, str]:
    data: MultiDict[str, str] = MultiDict(
        {
            "code": visit.person.code if visit.person else "",
            "gender": visit.gender.value if visit.person is None else "",
            "age_band": visit.age_band.value,
            "remark": visit.remark or "",
            "womens_space": "y" if visit.womens_space and not visit.site.is_womens_space else "",
        }
    )
    if visit.return_method is not None and visit.return_method.value == "estimated":
        data["sharps_litres"] = str(visit.sharps_litres)
    elif visit.returned_syringes:
        data["returned_count"] = str(visit.returned_syringes)
    for line in visit.services:
        data[f"service-{line.service_id}"] = "y"
    for supply in visit.supplies:
        data[f"supply-{supply.supply_id}"] = str(supply.quantity)
    return data


@bp.route("/visits/<int:visit_id>/edit", methods=["GET", "POST"])
@allow(FRONT_LINE)
def edit_visit(visit_id: int) -> Any:
    visit = own_visit(visit_id)
    raw = request.form if request.method == "POST" else form_data_of(visit)
    form = VisitForm() if request.method == "POST" else VisitForm(formdata=raw)
    problems = FieldErrors()
    if form.validate_on_submit():
        try:
            services.correct_visit(
                db.session(),
                settings(),
                actor_id=current_user.id,
                visit=visit,
                data=parse_visit(form, visit.site, request.form),
            )
        except FieldErrors as found:
            problems = found
        else:
            flash(_("Visit corrected."), "success")
            return redirect(url_for("reception.visits"))
    show_errors(form, problems)
    supplies = active(catalogue(Kind.SUPPLIES))
    return render_template(
        "reception/visit_edit.html",
        visit=visit,
        site=visit.site,
        form=form,
        raw=raw,
        errors=problems,
        services=active(catalogue(Kind.SERVICES)),
        supplies=supplies,
        unplaced_errors=unplaced_errors(problems, form, supplies),
        locale=language(),
        message=message,
    ), (422 if problems else 200)


@bp.route("/visits/<int:visit_id>/delete", methods=["GET", "POST"])
@allow(FRONT_LINE)
def delete_visit(visit_id: int) -> Any:
    visit = own_visit(visit_id)
    form = DeleteVisitForm()
    if form.validate_on_submit():
        services.delete_visit(
            db.session(),
            actor_id=current_user.id,
            visit=visit,
            reason=DeletionReason(form.reason.data),
        )
        flash(_("Visit deleted."), "success")
        return redirect(url_for("reception.visits"))
    return render_template(
        "reception/visit_delete.html",
        visit=visit,
        form=form,
        locale=language(),
        gender_labels=GENDER_LABELS,
        reasons=DELETION_REASON_LABELS,
    )
