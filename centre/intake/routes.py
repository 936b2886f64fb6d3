"""The reception screens: visits, incidents, the handover log, the person quick view."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import segno
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from centre import db, once
from centre.auth.models import User
from centre.auth.permissions import FRONT_LINE, allow
from centre.catalogues.models import Service, Site, Supply
from centre.db import utcnow
from centre.i18n import BRUSSELS, language
from centre.inputs import page_number, parse_id, row_id
from centre.pagination import paginate
from centre.people.forms import GENDER_LABELS
from centre.people.models import ConsentScope, Gender
from centre.people.routes import load_person
from centre.privacy.codes import normalise_code
from centre.privacy.errors import InvalidCodeError

from . import bp, services
from .forms import (
    DELETION_REASON_LABELS,
    INCIDENT_KIND_LABELS,
    INCIDENT_OUTCOME_LABELS,
    DeleteVisitForm,
    HandoverForm,
    IncidentForm,
    SiteForm,
    VisitForm,
)
from .models import AgeBand, DeletionReason, HandoverEntry, Incident, IncidentKind, Visit
from .models import IncidentOutcome as Outcome
from .shifts import Shift, next_shift, parse_shift_starts, previous_shift, shift_at, shift_of

ERROR_MESSAGES = {
    "code_length": _l("A code has 8 characters, e.g. K7MQ-3XZ9."),
    "code_character": _l("This code contains a character that codes never use."),
    "code_check": _l("This code is mistyped: its last character does not match."),
    "code_unknown": _l("No person has this code. Check it, or leave it empty."),
    "inactive": _l("This item is no longer in use. Choose another one."),
    "negative": _l("A quantity cannot be negative."),
    "absurd": _l("This quantity is not possible. Check it."),
    "above_max": _l("More than usual for one visit. Tick “Large quantities are right” if so."),
    "not_a_number": _l("Type a whole number."),
    "return_both": _l("Give either a counted number or a container volume, not both."),
    "litres_range": _l("A container volume is between 0.1 and 100 litres."),
    "too_long": _l("Too long: keep it short."),
    "naloxone_range": _l("Between 0 and 20 doses."),
    "naloxone_kind": _l("Naloxone goes with an overdose or a medical emergency."),
    "time_range": _l("The time must be within the last 7 days, not in the future."),
    "required": _l("This field is required."),
    "empty": _l(
        "Nothing to save: give the person's code, tick a service (for example the "
        "reception itself), or give material or a return."
    ),
    "incomplete": _l("The form arrived incomplete, so nothing was changed. Reload the page."),
}


# Earliest shift an incident list can be asked for (a bound on the URL, not on the data);
# the current shift's list also shows incidents still open from the week before, as
# incidents may be entered up to 7 days late.
MIN_LISTED_DAY = date(2000, 1, 1)
OPEN_INCIDENTS_SHOWN = timedelta(days=7)

# Fields the visit form posts even when left empty (a text box, a list).
VISIT_FORM_ALWAYS_SENDS = frozenset({"code", "age_band"})

# The visit screen lists this many of the shift's latest visits; "all" shows every one.
SCREEN_VISITS = 30


def message(code: str) -> str:
    return str(ERROR_MESSAGES.get(code, code))


def settings() -> services.ReceptionSettings:
    cached = current_app.extensions.get("centre.reception")
    if cached is None:
        cached = services.ReceptionSettings(
            shift_starts=parse_shift_starts(current_app.config["SHIFT_STARTS"]),
            syringes_per_litre=current_app.config["SYRINGES_PER_LITRE"],
        )
        current_app.extensions["centre.reception"] = cached
    return cached


# Built once: every visit logged reads it.
_ACTIVE_SITES = select(Site).where(Site.active.is_(True)).order_by(Site.sort_order, Site.id)
_FIRST_ACTIVE_SITE = _ACTIVE_SITES.limit(1)


def active_sites() -> list[Site]:
    return list(db.session().scalars(_ACTIVE_SITES))


def current_site() -> Site | None:
    """The site this terminal works for: chosen once, remembered in the session; else the
    first active one."""
    chosen = session.get("site_id")
    site = db.session().get(Site, chosen) if chosen else None
    if site is not None and site.active:
        return site
    return db.session().scalars(_FIRST_ACTIVE_SITE).first()


def current_shift() -> Shift:
    return shift_at(utcnow(), settings().shift_starts)


def catalogue(model: type[Service] | type[Supply]) -> list[Any]:
    """Every item in screen order, inactive ones too: older visits still name them."""
    return list(db.session().scalars(select(model).order_by(model.sort_order, model.id)))


def active(items: list[Any]) -> list[Any]:
    return [item for item in items if item.active]


def parse_visit(
    form: VisitForm, site: Site, raw: MultiDict[str, str]
) -> tuple[services.VisitInput, dict[str, list[str]]]:
    errors: dict[str, list[str]] = {}
    if not raw.keys() >= VISIT_FORM_ALWAYS_SENDS:
        # Not what our form sends: a correction must never read missing fields as emptied.
        errors["visit"] = ["incomplete"]
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
                errors.setdefault(key, []).append("not_a_number")
    litres = float(form.sharps_litres.data) if form.sharps_litres.data is not None else None
    data = services.VisitInput(
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
    return data, errors


def visit_screen(
    form: VisitForm,
    site: Site | None,
    errors: dict[str, list[str]],
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
        "errors": errors,
        "raw": raw or MultiDict(),
        "locale": language(),
        "message": message,
        "saved": saved,
    }
    if site is not None:
        all_services, all_supplies = catalogue(Service), catalogue(Supply)
        supplies = active(all_supplies)
        context.update(
            unplaced_errors=unplaced_errors(errors, form, supplies),
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
            unread=services.unread_handover_count(dbs, site_id=site.id, actor_id=current_user.id),
            site_form=site_form(site),
            all_services={s.id: s for s in all_services},
            all_supplies={s.id: s for s in all_supplies},
            incident_labels=INCIDENT_KIND_LABELS,
            gender_labels=GENDER_LABELS,
            is_correctable=lambda v: services.is_correctable(v, current_user.id),
        )
    return render_template("intake/visits.html", **context), status


def unplaced_errors(
    errors: dict[str, list[str]], form: VisitForm, supplies: list[Supply]
) -> list[str]:
    """Messages with no field on screen to stand beside: about the visit as a whole, or
    about an item deactivated since the page was loaded. Shown above the form."""
    placed = {"services", *(f"supply-{s.id}" for s in supplies)}
    return [
        message(code)
        for name, codes in errors.items()
        if name not in placed and name not in form
        for code in codes
    ]


def site_form(site: Site) -> SiteForm:
    form = SiteForm(site=site.id)
    form.site.choices = [SelectChoice(s.id, s.label(language())) for s in active_sites()]
    return form


@bp.route("")
@allow(FRONT_LINE)
def visits() -> Any:
    return visit_screen(VisitForm(formdata=None), current_site(), {}, saved=saved_message())


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
    if chosen in {s.id for s in active_sites()}:
        session["site_id"] = chosen
    return redirect(url_for("intake.visits"))


@bp.route("/visits", methods=["POST"])
@allow(FRONT_LINE)
def log_visit() -> Any:
    site = current_site()
    if site is None:
        return redirect(url_for("intake.visits"))  # its empty state says what to do
    form = VisitForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        data, errors = parse_visit(form, site, request.form)
        if not errors:
            try:
                visit_id = services.log_visit(
                    db.session(), settings(), actor_id=current_user.id, data=data
                )
                once.claim(db.session(), form.form_token.data)
            except once.AlreadySubmittedError:
                db.session().rollback()
                return redirect(url_for("intake.visits", saved="again"))
            except services.VisitInvalid as invalid:
                errors = invalid.errors
            else:
                # The confirmation rides on the redirect (an id, nothing else): logging a
                # visit then writes nothing to the server-side session, the hot path.
                return redirect(url_for("intake.visits", saved=visit_id))
    show_errors(form, errors)
    # 422: the page comes back with every value kept and a message beside each problem.
    return visit_screen(form, site, errors, request.form, status=422)


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
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        data, errors = parse_visit(form, visit.site, request.form)
        if not errors:
            try:
                services.correct_visit(
                    db.session(), settings(), actor_id=current_user.id, visit=visit, data=data
                )
            except services.VisitInvalid as invalid:
                errors = invalid.errors
            else:
                flash(_("Visit corrected."), "success")
                return redirect(url_for("intake.visits"))
    show_errors(form, errors)
    supplies = active(catalogue(Supply))
    return render_template(
        "intake/visit_edit.html",
        visit=visit,
        site=visit.site,
        form=form,
        raw=raw,
        errors=errors,
        services=active(catalogue(Service)),
        supplies=supplies,
        unplaced_errors=unplaced_errors(errors, form, supplies),
        locale=language(),
        message=message,
    ), (422 if errors else 200)


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
        return redirect(url_for("intake.visits"))
    return render_template(
        "intake/visit_delete.html",
        visit=visit,
        form=form,
        locale=language(),
        gender_labels=GENDER_LABELS,
        reasons=DELETION_REASON_LABELS,
    )


# --- incidents --------------------------------------------------------------------------------


def incident_input(form: IncidentForm, site: Site) -> services.IncidentInput:
    occurred = form.occurred_at.data
    return services.IncidentInput(
        site_id=site.id,
        kind=IncidentKind(form.kind.data),
        code=form.code.data or "",
        occurred_at=occurred.replace(tzinfo=BRUSSELS) if occurred else None,
        naloxone_doses=form.naloxone_doses.data or 0,
        ambulance_called=bool(form.ambulance_called.data),
        outcome=Outcome(form.outcome.data),
        description=form.description.data or "",
        closed=bool(form.closed.data),
    )


def incident_shift(incident: Incident) -> Shift:
    return shift_of(incident.shift_day, incident.shift_index, settings().shift_starts)


def show_errors(form: Any, errors: dict[str, list[str]]) -> None:
    """Each error code as a message beside its field (fields of `form` only)."""
    for name, codes in errors.items():
        if name in form:
            form[name].errors = [*form[name].errors, *(message(c) for c in codes)]


def chosen_shift() -> Shift:
    """The shift named by `?day=YYYY-MM-DD&shift=N`, never a future one; else the current."""
    current = current_shift()
    starts = settings().shift_starts
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return current
    index = request.args.get("shift", 0, type=row_id)
    if index >= len(starts) or not MIN_LISTED_DAY <= day <= current.day:
        return current
    return min(shift_of(day, index, starts), current)


def incidents_url(shift: Shift) -> str:
    """The incident list of `shift`: where an incident is found once saved."""
    if shift == current_shift():
        return url_for("intake.incidents")
    return url_for("intake.incidents", day=shift.day.isoformat(), shift=shift.index)


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
        "intake/incidents.html",
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
        return redirect(url_for("intake.visits"))  # its empty state says what to do
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
            return once.already_saved(url_for("intake.incidents"))
        except services.IncidentInvalid as invalid:
            show_errors(form, invalid.errors)
        else:
            flash(_("Incident saved."), "success")
            return redirect(incidents_url(incident_shift(incident)))
    return render_template(
        "intake/incident_form.html", form=form, site=site, incident=None, locale=language()
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
        except services.IncidentInvalid as invalid:
            show_errors(form, invalid.errors)
        else:
            flash(_("Incident updated."), "success")
            return redirect(incidents_url(incident_shift(incident)))
    return render_template(
        "intake/incident_form.html",
        form=form,
        site=incident.site,
        incident=incident,
        locale=language(),
    ), (422 if form.errors else 200)


# --- handover log -----------------------------------------------------------------------------


@bp.route("/handover", methods=["GET", "POST"])
@allow(FRONT_LINE)
def handover() -> Any:
    site = current_site()
    if site is None:
        return redirect(url_for("intake.visits"))  # its empty state says what to do
    dbs = db.session()
    form = HandoverForm()
    if form.validate_on_submit():
        try:
            services.write_handover(
                dbs,
                settings(),
                actor_id=current_user.id,
                site_id=site.id,
                body=form.body.data or "",
            )
            once.claim(dbs, form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("intake.handover"))
        except services.VisitInvalid as invalid:
            show_errors(form, invalid.errors)
        else:
            flash(_("Added to the handover log."), "success")
            return redirect(url_for("intake.handover"))
    search = (request.args.get("q") or "").strip()[:100]
    page = paginate(
        dbs,
        services.handover_query(site_id=site.id, search=search),
        page=request.args.get("page", 1, type=page_number),
        per_page=30,
    )
    authors = dict(dbs.execute(select(User.id, User.username)).all())
    return render_template(
        "intake/handover.html",
        form=form,
        site=site,
        page=page,
        search=search,
        authors=authors,
        locale=language(),
        shift=current_shift(),
    ), (422 if form.errors else 200)


@bp.route("/handover/<int:entry_id>/read", methods=["POST"])
@allow(FRONT_LINE)
def mark_read(entry_id: int) -> Response:
    entry = db.session().get(HandoverEntry, entry_id)
    if entry is None:
        abort(404)
    services.mark_handover_read(db.session(), actor_id=current_user.id, entry=entry)
    return redirect(url_for("intake.handover", q=request.args.get("q") or None))


# --- person quick view and member card --------------------------------------------------------


@bp.route("/people/<code>")
@allow(FRONT_LINE)
def quick_view(code: str) -> str:
    person = load_person(code)
    dbs = db.session()
    activity = services.person_activity(dbs, person_id=person.id)
    return render_template(
        "intake/quick_view.html",
        person=person,
        activity=activity,
        locale=language(),
        has_consent=person.active_consent(ConsentScope.IDENTITY) is not None,
        gender_labels=GENDER_LABELS,
        kinds=INCIDENT_KIND_LABELS,
        all_services={s.id: s for s in dbs.scalars(select(Service))},
        all_supplies={s.id: s for s in dbs.scalars(select(Supply))},
    )


@bp.route("/people/<code>/card")
@allow(FRONT_LINE)
def member_card(code: str) -> str:
    person = load_person(code)
    qr = segno.make(person.code, error="m")
    return render_template(
        "intake/card.html", person=person, qr_svg=qr.svg_data_uri(scale=6, border=2)
    )


@bp.route("/lookup")
@allow(FRONT_LINE)
def lookup() -> Response:
    """The code box of the visit screen's header: straight to the person's quick view."""
    try:
        code = normalise_code(request.args.get("code", ""))
    except InvalidCodeError:
        flash(_("This code is mistyped. Check it and try again."), "error")
        return redirect(url_for("intake.visits"))
    return redirect(url_for("intake.quick_view", code=code))
