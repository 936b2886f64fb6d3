"""Directory pages: staff search, detail, print and exports; editors' create, edit and
(de)activate; the public page, which needs no login and shows published fields only."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from centre import db, once
from centre.auth.permissions import DIRECTORY_EDITORS, DIRECTORY_READERS, allow, public
from centre.forms import ConfirmForm, show_errors
from centre.i18n import BRUSSELS
from centre.inputs import page_number, parse_id
from centre.messages import message
from centre.validation import ChangedSinceOpenedError, FieldErrors

from . import bp, services
from .forms import EditPartnerForm, NewPartnerForm, PartnerForm, SearchForm, StaffSearchForm
from .labels import COMMUNE_LABELS, LANGUAGE_LABELS, PARTNER_KIND_LABELS
from .models import Commune, Language, Partner, PartnerKind

PER_PAGE = 25
# The query-string names of a search, carried from the list to its print and export links.
SEARCH_ARGS = ("q", "kind", "commune", "language", "uninsured")


E = TypeVar("E", PartnerKind, Commune, Language)


def _choice(kind: type[E], value: str | None) -> E | None:
    """The enum member named in a query string; an unknown value filters nothing."""
    try:
        return kind(value) if value else None
    except ValueError:
        return None


def list_labels() -> dict[str, Any]:
    """Labels and headings translated once per page: a list repeats them on every row."""
    return {
        "kind_labels": {kind: str(label) for kind, label in PARTNER_KIND_LABELS.items()},
        "commune_labels": COMMUNE_LABELS,
        "language_labels": {lang: str(label) for lang, label in LANGUAGE_LABELS.items()},
        "words": {
            "low_threshold": _("Low threshold"),
            "accepts_uninsured": _("Accepts people without health insurance"),
            "without_insurance": _("Without health insurance"),
            "opening_hours": _("Opening hours"),
            "address": _("Address"),
            "phone": _("Phone"),
            "email": _("E-mail"),
            "website": _("Website"),
            "languages": _("Languages"),
            "communes": _("Communes served"),
            "whole_region": _("The whole region"),
        },
    }


def filters_from_request(*, active_only: bool = True) -> services.SearchFilters:
    args = request.args
    return services.SearchFilters(
        text=args.get("q", ""),
        kind=_choice(PartnerKind, args.get("kind")),
        commune=_choice(Commune, args.get("commune")),
        language=_choice(Language, args.get("language")),
        accepts_uninsured=True if args.get("uninsured") else None,
        active_only=active_only,
    )


def search_args() -> dict[str, str]:
    """The current search, for links that keep it (print, exports)."""
    return {name: request.args[name] for name in SEARCH_ARGS if request.args.get(name)}


def may_edit() -> bool:
    return current_user.is_authenticated and current_user.role in DIRECTORY_EDITORS


def partner_or_404(partner_id: int) -> Partner:
    partner = services.get_partner(db.session(), partner_id)
    if partner is None:
        abort(404)
    return partner


# --- staff: search, detail, print, exports ----------------------------------------------------


@bp.route("")
@allow(DIRECTORY_READERS)
def search() -> str:
    editor = may_edit()
    # Editors may look for inactive partners, to reactivate one; others see the active only.
    filters = filters_from_request(active_only=not (editor and request.args.get("inactive")))
    page = services.search_page(
        db.session(),
        filters,
        page=request.args.get("page", 1, type=page_number),
        per_page=PER_PAGE,
    )
    form = StaffSearchForm(request.args) if editor else SearchForm(request.args)
    return render_template(
        "directory/search.html",
        form=form,
        page=page,
        searched=bool(search_args()),
        may_edit=editor,
        export_args=search_args(),
        **list_labels(),
    )


@bp.route("/<int:partner_id>")
@allow(DIRECTORY_READERS)
def detail(partner_id: int) -> str:
    partner = partner_or_404(partner_id)
    return render_template(
        "directory/detail.html",
        partner=partner,
        may_edit=may_edit(),
        confirm_form=ConfirmForm(),
        **list_labels(),
    )


def active_matches() -> list[services.PublishedPartner]:
    """The current search's active partners as they may be handed out (published fields)."""
    return services.published_search(db.session(), filters_from_request(active_only=True))


@bp.route("/print")
@allow(DIRECTORY_READERS)
def print_list() -> str:
    return render_template(
        "directory/print.html",
        partners=active_matches(),
        today=datetime.now(BRUSSELS).date(),
        search_args=search_args(),
        **list_labels(),
    )


def export_name(extension: str) -> str:
    return f"partners-{datetime.now(BRUSSELS).date().isoformat()}.{extension}"


@bp.route("/export.csv")
@allow(DIRECTORY_READERS)
def export_csv() -> Response:
    header, rows = services.export_rows(active_matches())
    return Response(
        services.to_csv(header, rows),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{export_name("csv")}"'},
    )


@bp.route("/export.xlsx")
@allow(DIRECTORY_READERS)
def export_xlsx() -> Response:
    header, rows = services.export_rows(active_matches())
    return Response(
        services.to_xlsx(header, rows, title=_("Partners")),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{export_name("xlsx")}"'},
    )


# --- the public page --------------------------------------------------------------------------


@bp.route("/public")
@public
def public_directory() -> str:
    # Active partners only, and only their published fields (services.PublishedPartner).
    page = services.published_page(
        db.session(),
        filters_from_request(active_only=True),
        page=request.args.get("page", 1, type=page_number),
        per_page=PER_PAGE,
    )
    return render_template(
        "directory/public.html",
        form=SearchForm(request.args),
        page=page,
        searched=bool(search_args()),
        **list_labels(),
    )


# --- editors: create, edit, (de)activate ------------------------------------------------------


def values_from(form: PartnerForm) -> services.PartnerValues:
    """What the form holds; its choices are checked by the form itself."""
    communes = frozenset(Commune(value) for value in form.communes.data or ())
    if form.whole_region.data:
        communes = frozenset(Commune)
    return services.PartnerValues(
        name=form.name.data or "",
        kind=PartnerKind(form.kind.data) if form.kind.data else None,
        organisation=form.organisation.data or "",
        description=form.description.data or "",
        opening_hours=form.opening_hours.data or "",
        address=form.address.data or "",
        phone=form.phone.data or "",
        email=form.email.data or "",
        website=form.website.data or "",
        communes=communes,
        languages=frozenset(Language(value) for value in form.languages.data or ()),
        other_languages=form.other_languages.data or "",
        accepts_uninsured=bool(form.accepts_uninsured.data),
        low_threshold=bool(form.low_threshold.data),
        internal_notes=form.internal_notes.data or "",
    )


def form_data(partner: Partner) -> dict[str, Any]:
    data: dict[str, Any] = {name: getattr(partner, name) for name in services.TEXT_FIELDS}
    data.update(
        kind=partner.kind.value,
        communes=[link.commune.value for link in partner.communes],
        languages=[link.language.value for link in partner.languages],
        accepts_uninsured=partner.accepts_uninsured,
        low_threshold=partner.low_threshold,
        version=str(partner.version),
    )
    return data


def render_form(
    form: PartnerForm,
    partner: Partner | None,
    *,
    unplaced: list[str] | None = None,
    saved_now: list[tuple[str, str]] | None = None,
) -> tuple[str, int]:
    page = render_template(
        "directory/form.html",
        form=form,
        partner=partner,
        unplaced=unplaced or [],
        saved_now=saved_now or [],
    )
    return page, (422 if form.errors or unplaced else 200)


@bp.route("/new", methods=["GET", "POST"])
@allow(DIRECTORY_EDITORS)
def create() -> Any:
    form = NewPartnerForm()
    unplaced: list[str] = []
    if form.validate_on_submit():
        try:
            partner = services.create_partner(
                db.session(), actor_id=current_user.id, values=values_from(form)
            )
            once.claim(db.session(), form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("directory.search"))
        except FieldErrors as problems:
            unplaced = show_errors(form, problems)
        else:
            flash(_("“%(name)s” was added to the directory.", name=partner.name), "success")
            return redirect(url_for("directory.detail", partner_id=partner.id))
    return render_form(form, None, unplaced=unplaced)


def saved_now(form: PartnerForm, partner: Partner, values: services.PartnerValues) -> list[Any]:
    """What the partner holds now where it differs from the input: the other person's save."""
    return [
        (form[name].label.text, services.saved_value(partner, name))
        for name in services.differences(partner, values)
    ]


@bp.route("/<int:partner_id>/edit", methods=["GET", "POST"])
@allow(DIRECTORY_EDITORS)
def edit(partner_id: int) -> Any:
    partner = partner_or_404(partner_id)
    form = EditPartnerForm(data=form_data(partner) if request.method == "GET" else None)
    unplaced: list[str] = []
    conflict: list[tuple[str, str]] = []
    if form.validate_on_submit():
        values = values_from(form)
        try:
            changed = services.update_partner(
                db.session(),
                actor_id=current_user.id,
                partner=partner,
                values=values,
                version=parse_id(form.version.data),
            )
        except ChangedSinceOpenedError:
            unplaced = [message("changed_since_opened")]
            conflict = saved_now(form, partner, values)
            # Saving again (after checking their changes) then overwrites knowingly.
            form.version.data = str(partner.version)
        except FieldErrors as problems:
            unplaced = show_errors(form, problems)
        else:
            if changed:
                flash(_("“%(name)s” was saved.", name=partner.name), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("directory.detail", partner_id=partner.id))
    return render_form(form, partner, unplaced=unplaced, saved_now=conflict)


@bp.route("/<int:partner_id>/deactivate", methods=["GET", "POST"])
@allow(DIRECTORY_EDITORS)
def deactivate(partner_id: int) -> Any:
    partner = partner_or_404(partner_id)
    form = ConfirmForm()
    if not partner.active:
        flash(_("“%(name)s” is already inactive.", name=partner.name), "info")
        return redirect(url_for("directory.detail", partner_id=partner.id))
    if form.validate_on_submit():
        services.set_active(db.session(), actor_id=current_user.id, partner=partner, active=False)
        flash(
            _(
                "“%(name)s” is deactivated: it no longer appears in searches, exports or on "
                "the public page. Past referrals keep it.",
                name=partner.name,
            ),
            "success",
        )
        return redirect(url_for("directory.detail", partner_id=partner.id))
    return render_template("directory/deactivate.html", partner=partner, form=form)


@bp.route("/<int:partner_id>/reactivate", methods=["POST"])
@allow(DIRECTORY_EDITORS)
def reactivate(partner_id: int) -> Response:
    partner = partner_or_404(partner_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if services.set_active(db.session(), actor_id=current_user.id, partner=partner, active=True):
        flash(_("“%(name)s” is in the directory again.", name=partner.name), "success")
    return redirect(url_for("directory.detail", partner_id=partner.id))
