"""Programme pages for managers and administrators: the list, create, edit, deactivate."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from centre import db, once
from centre.auth.permissions import CATALOGUES, PROGRAMMES, allow
from centre.forms import ConfirmForm, show_errors
from centre.i18n import language
from centre.inputs import page_number, parse_id
from centre.messages import message
from centre.validation import ChangedSinceOpenedError, FieldErrors

from .. import bp
from ..forms.programmes import EditProgrammeForm, NewProgrammeForm, ProgrammeForm
from ..labels import CAPACITY_UNIT_LABELS, PROGRAMME_TYPE_LABELS, max_stay_text
from ..models import CapacityUnit, Programme, ProgrammeType
from ..services import programmes as services

PER_PAGE = 50


def programme_or_404(programme_id: int) -> Programme:
    programme = services.programme_or_none(db.session(), programme_id)
    if programme is None:
        abort(404)
    return programme


def offer_choices(form: ProgrammeForm, programme: Programme | None) -> None:
    """The active sites, partners and steps; an edit keeps its own even if inactive now."""
    session, locale = db.session(), language()
    inactive = _("(inactive)")
    keep_site = programme.site_id if programme else None
    keep_partner = programme.partner_id if programme else None
    keep_step = programme.ladder_step_id if programme else None
    form.site_id.choices = [SelectChoice("", "—")] + [
        SelectChoice(str(site.id), f"{site.label(locale)}{'' if site.active else ' ' + inactive}")
        for site in services.site_choices(session, keep_site)
    ]
    form.partner_id.choices = [SelectChoice("", _("The centre"))] + [
        SelectChoice(str(partner_id), f"{name}{'' if active else ' ' + inactive}")
        for partner_id, name, active in services.partner_choices(session, keep_partner)
    ]
    form.ladder_step_id.choices = [SelectChoice("", _("Choose a step"))] + [
        SelectChoice(str(step.id), step.label(locale))
        for step in services.step_choices(session, keep_step)
    ]


def values_from(form: ProgrammeForm) -> services.ProgrammeValues:
    """What the form holds; unknown choices become None (the service then says so)."""
    return services.ProgrammeValues(
        name=form.name.data or "",
        type=ProgrammeType(form.type.data) if form.type.data else None,
        site_id=form.site_id.data,
        partner_id=form.partner_id.data,
        capacity=form.capacity.data,
        capacity_unit=CapacityUnit(form.capacity_unit.data) if form.capacity_unit.data else None,
        ladder_step_id=form.ladder_step_id.data,
        max_nights=form.max_nights.data,
        window_days=form.window_days.data,
    )


def form_data(programme: Programme) -> dict[str, Any]:
    return {
        "name": programme.name,
        "type": programme.type.value,
        "site_id": programme.site_id,
        "partner_id": programme.partner_id,
        "capacity": programme.capacity,
        "capacity_unit": programme.capacity_unit.value,
        "max_nights": programme.max_nights,
        "window_days": programme.window_days,
        "ladder_step_id": programme.ladder_step_id,
        "version": str(programme.version),
    }


def render_form(
    form: ProgrammeForm, programme: Programme | None, unplaced: list[str]
) -> tuple[str, int]:
    page = render_template(
        "housing/programme_form.html", form=form, programme=programme, unplaced=unplaced
    )
    return page, (422 if form.errors or unplaced else 200)


@bp.route("/programmes")
@allow(PROGRAMMES)
def programmes() -> str:
    session, locale = db.session(), language()
    page = services.programmes_page(
        session, page=request.args.get("page", 1, type=page_number), per_page=PER_PAGE
    )
    return render_template(
        "housing/programmes.html",
        page=page,
        sites=services.sites_by_id(session, page.items),
        partners=services.partner_names(session, page.items),
        steps=services.step_choices(session),
        locale=locale,
        type_labels={kind: str(label) for kind, label in PROGRAMME_TYPE_LABELS.items()},
        unit_labels={unit: str(label) for unit, label in CAPACITY_UNIT_LABELS.items()},
        max_stay_text=max_stay_text,
        # The ladder is a catalogue: a link to it only for those who may open catalogues.
        may_edit_ladder=current_user.role in CATALOGUES,
    )


@bp.route("/programmes/new", methods=["GET", "POST"])
@allow(PROGRAMMES)
def new_programme() -> Any:
    form = NewProgrammeForm()
    offer_choices(form, None)
    unplaced: list[str] = []
    if form.validate_on_submit():
        try:
            # The token claimed first, with the record in one savepoint: a second post is
            # told it was saved (not that the name is taken), and a refused form leaves the
            # token unclaimed.
            with db.session().begin_nested():
                once.claim(db.session(), form.form_token.data)
                programme = services.create_programme(
                    db.session(), actor_id=current_user.id, values=values_from(form)
                )
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("housing.programmes"))
        except FieldErrors as problems:
            unplaced = show_errors(form, problems)
        else:
            flash(_("“%(name)s” was added.", name=programme.name), "success")
            return redirect(url_for("housing.programmes"))
    return render_form(form, None, unplaced)


@bp.route("/programmes/<int:programme_id>/edit", methods=["GET", "POST"])
@allow(PROGRAMMES)
def edit_programme(programme_id: int) -> Any:
    programme = programme_or_404(programme_id)
    form = EditProgrammeForm(data=form_data(programme) if request.method == "GET" else None)
    offer_choices(form, programme)
    unplaced: list[str] = []
    if form.validate_on_submit():
        try:
            changed = services.update_programme(
                db.session(),
                actor_id=current_user.id,
                programme=programme,
                values=values_from(form),
                version=parse_id(form.version.data),
            )
        except ChangedSinceOpenedError:
            unplaced = [message("changed_since_opened")]
            # Saving again (after checking their changes) then overwrites knowingly.
            form.version.data = str(programme.version)
        except FieldErrors as problems:
            unplaced = show_errors(form, problems)
        else:
            if changed:
                flash(_("“%(name)s” was saved.", name=programme.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("housing.programmes"))
    return render_form(form, programme, unplaced)


@bp.route("/programmes/<int:programme_id>/deactivate", methods=["GET", "POST"])
@allow(PROGRAMMES)
def deactivate_programme(programme_id: int) -> Any:
    programme = programme_or_404(programme_id)
    if not programme.active:
        flash(_("“%(name)s” is already inactive.", name=programme.name), "info")
        return redirect(url_for("housing.programmes"))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            services.deactivate_programme(
                db.session(), actor_id=current_user.id, programme=programme
            )
        except services.ProgrammeOccupiedError:
            pass  # the page below says who is still staying
        else:
            flash(
                _(
                    "“%(name)s” is deactivated: no new stays or applications; past stays keep it.",
                    name=programme.name,
                ),
                "success",
            )
            return redirect(url_for("housing.programmes"))
    return render_template(
        "housing/programme_deactivate.html",
        programme=programme,
        usage=services.usage(db.session(), programme),
        form=form,
    )
