"""Day labour's morning: today's offers and the sign-up, an offer's page, creating offers."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from centre import db, once
from centre.auth import services as accounts
from centre.auth.models import Role
from centre.auth.permissions import DAY_LABOUR_CREW, DAY_LABOUR_SIGN_UP, allow, role_may
from centre.cases.services.cases import today_in_brussels
from centre.directory.models import Partner
from centre.forms import ConfirmForm, flash_unplaced, show_errors
from centre.i18n import language
from centre.inputs import page_number
from centre.pagination import paginate
from centre.people import services as people
from centre.validation import FieldErrors

from .. import bp
from ..forms.offers import OfferForm, SignUpForm
from ..labels import CEILING_LABELS
from ..models import CeilingOverride, Offer, OfferStatus, SignUp, TaskType, WorkPhase
from ..services import signup as services

OFFERS_PAGE = 25


def ceilings() -> services.Ceilings:
    return services.Ceilings.from_config(current_app.config)


def offer_or_404(offer_id: int) -> Offer:
    offer = db.session().get(Offer, offer_id)
    if offer is None:
        abort(404)
    return offer


def _todays_offers(day: date) -> list[Offer]:
    return list(
        db.session().scalars(
            select(Offer)
            .where(Offer.on == day, Offer.status == OfferStatus.OPEN)
            .order_by(Offer.starts_at, Offer.id)
        )
    )


def _render_today(
    failed: dict[int, SignUpForm] | None = None,
    warning: tuple[int, services.CeilingPassedError] | None = None,
    status: int = 200,
) -> Any:
    day = today_in_brussels()
    offers = _todays_offers(day)
    dbs = db.session()
    placed = {offer.id: services.placed_on(dbs, offer) for offer in offers}
    forms = {o.id: (failed or {}).get(o.id) or SignUpForm(prefix=f"o{o.id}") for o in offers}
    return render_template(
        "employment/today.html",
        day=day,
        offers=offers,
        placed=placed,
        forms=forms,
        warning=warning,
        ceiling_labels=CEILING_LABELS,
        locale=language(),
    ), status


@bp.route("/")
@allow(DAY_LABOUR_SIGN_UP)
def today() -> Any:
    return _render_today()


@bp.route("/offers/<int:offer_id>/sign-up", methods=["POST"])
@allow(DAY_LABOUR_SIGN_UP)
def sign_up(offer_id: int) -> Any:
    offer = offer_or_404(offer_id)
    form = SignUpForm(prefix=f"o{offer.id}")
    if not form.validate_on_submit():
        return _render_today({offer.id: form}, status=422)
    dbs = db.session()
    try:
        person = people.find_by_code(dbs, form.code.data or "")
        placed = services.sign_up(
            dbs,
            actor_id=current_user.id,
            person=person,
            offer=offer,
            ceilings=ceilings(),
            override=CeilingOverride(form.override.data) if form.override.data else None,
            wait_if_full=bool(form.wait_if_full.data),
        )
        once.claim(dbs, form.form_token.data)
    except once.AlreadySubmittedError:
        return once.already_saved(url_for("employment.today"))
    except FieldErrors as problems:
        flash_unplaced(show_errors(form, problems))
        return _render_today({offer.id: form}, status=422)
    except services.CeilingPassedError as passed:
        return _render_today({offer.id: form}, warning=(offer.id, passed), status=422)
    if placed.working:
        flash(
            _("%(code)s is signed up (place %(n)d).", code=person.code, n=placed.position),
            "success",
        )
    else:
        flash(
            _("%(code)s waits for a place (number %(n)d).", code=person.code, n=placed.position),
            "info",
        )
    return redirect(url_for("employment.today"))


@bp.route("/offers/<int:offer_id>")
@allow(DAY_LABOUR_SIGN_UP)
def offer(offer_id: int) -> str:
    shown = offer_or_404(offer_id)
    dbs = db.session()
    return render_template(
        "employment/offer.html",
        offer=shown,
        placed=services.placed_on(dbs, shown),
        hours=services.hours_of(shown),
        supervisor=accounts.usernames(dbs, {shown.supervisor_id}).get(shown.supervisor_id, ""),
        locale=language(),
        crew=role_may(current_user.role, DAY_LABOUR_CREW),
        confirm=ConfirmForm(),
    )


@bp.route("/offers")
@allow(DAY_LABOUR_CREW)
def offers() -> str:
    query = select(Offer).order_by(Offer.on.desc(), Offer.starts_at, Offer.id)
    page = paginate(
        db.session(),
        query,
        page=request.args.get("page", 1, type=page_number),
        per_page=OFFERS_PAGE,
    )
    return render_template("employment/offers.html", page=page, locale=language())


def _offer_choices(form: OfferForm) -> None:
    dbs = db.session()
    locale = language()
    form.task_type_id.choices = [
        SelectChoice(t.id, t.label(locale))
        for t in dbs.scalars(
            select(TaskType).where(TaskType.active.is_(True)).order_by(TaskType.sort_order)
        )
    ]
    form.phase_id.choices = [
        SelectChoice(p.id, p.label(locale))
        for p in dbs.scalars(
            select(WorkPhase).where(WorkPhase.active.is_(True)).order_by(WorkPhase.sort_order)
        )
    ]
    form.supervisor_id.choices = [
        SelectChoice(u.id, u.username) for u in accounts.active_users(dbs, Role.SOCIAL_WORKER)
    ]
    form.provider_id.choices = [SelectChoice("", _("The centre"))] + [
        SelectChoice(p.id, p.name)
        for p in dbs.scalars(select(Partner).where(Partner.active.is_(True)).order_by(Partner.name))
    ]


@bp.route("/offers/new", methods=["GET", "POST"])
@allow(DAY_LABOUR_CREW)
def new_offer() -> Response | Any:
    form = OfferForm()
    _offer_choices(form)
    if request.method == "GET":
        form.on.data = today_in_brussels()
        form.supervisor_id.data = current_user.id
    if form.validate_on_submit():
        try:
            made = services.create_offer(
                db.session(),
                actor_id=current_user.id,
                values=services.OfferValues(
                    on=form.on.data,
                    starts_at=form.starts_at.data,
                    ends_at=form.ends_at.data,
                    task_type_id=form.task_type_id.data,
                    place=form.place.data or "",
                    places=form.places.data,
                    hourly_rate=form.hourly_rate.data,
                    supervisor_id=form.supervisor_id.data,
                    phase_id=form.phase_id.data,
                    provider_id=form.provider_id.data,
                ),
                today=today_in_brussels(),
            )
            once.claim(db.session(), form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("employment.offers"))
        except FieldErrors as problems:
            flash_unplaced(show_errors(form, problems))
        else:
            flash(_("Offer created."), "success")
            return redirect(url_for("employment.offer", offer_id=made.id))
    return render_template("employment/offer_new.html", form=form), (
        422 if request.method == "POST" else 200
    )


@bp.route("/signups/<int:signup_id>/cancel", methods=["POST"])
@allow(DAY_LABOUR_SIGN_UP)
def cancel_sign_up(signup_id: int) -> Response:
    placed = db.session().get(SignUp, signup_id)
    if placed is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            services.cancel(db.session(), signup=placed)
        except services.NotCancellableError:
            flash(_("The attendance is recorded: this sign-up stays."), "error")
        else:
            flash(_("Sign-up cancelled: the place goes to the first one waiting."), "success")
    return redirect(url_for("employment.offer", offer_id=placed.offer_id))


@bp.route("/offers/<int:offer_id>/cancel", methods=["POST"])
@allow(DAY_LABOUR_CREW)
def cancel_offer(offer_id: int) -> Response:
    shown = offer_or_404(offer_id)
    if ConfirmForm().validate_on_submit():
        try:
            services.cancel_offer(db.session(), offer=shown)
        except services.OfferPaidError:
            flash(_("Someone was paid for this job: it cannot be cancelled."), "error")
        else:
            flash(_("Job cancelled: nobody can sign up or be paid for it."), "success")
    return redirect(url_for("employment.offer", offer_id=shown.id))
