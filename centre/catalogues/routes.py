"""Catalogue pages for managers and administrators: overview, lists, create, edit, (de)activate."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from centre import db, once
from centre.auth.permissions import CATALOGUES, allow
from centre.forms import ConfirmForm, show_errors
from centre.i18n import language
from centre.messages import message
from centre.validation import FieldErrors

from . import bp, services
from .forms import (
    EDIT_FORMS,
    NEW_FORMS,
    ItemForm,
    ServiceForm,
    SiteForm,
    SupplyForm,
)
from .labels import KIND_DESCRIPTIONS, KIND_LABELS, NEW_ITEM_TITLES, SITE_KIND_LABELS
from .models import SiteKind
from .services import Item, Kind


def kind_or_404(kind: str) -> Kind:
    try:
        return Kind(kind)
    except ValueError:
        abort(404)


def item_or_404(kind: Kind, item_id: int) -> Item:
    try:
        return services.get_item(db.session(), kind, item_id)
    except services.ItemNotFoundError:
        abort(404)


def values_from(form: ItemForm) -> services.ItemValues:
    return services.ItemValues(
        label_fr=form.label_fr.data or "",
        label_nl=form.label_nl.data or "",
        label_en=form.label_en.data or "",
        sort_order=form.sort_order.data or 0,
        shortcut=form.shortcut.data if isinstance(form, ServiceForm) else None,
        max_per_visit=form.max_per_visit.data if isinstance(form, SupplyForm) else 50,
        is_syringe=bool(form.is_syringe.data) if isinstance(form, SupplyForm) else False,
        site_kind=SiteKind(form.kind.data) if isinstance(form, SiteForm) else SiteKind.CENTRE,
    )


def render_form(kind: Kind, form: ItemForm, item: Item | None) -> str:
    return render_template(
        "catalogues/form.html",
        kind=kind,
        kind_label=KIND_LABELS[kind],
        title=NEW_ITEM_TITLES[kind] if item is None else item.label(language()),
        form=form,
        item=item,
    )


@bp.route("")
@allow(CATALOGUES)
def index() -> str:
    return render_template(
        "catalogues/index.html",
        counts=services.counts(db.session()),
        kind_labels=KIND_LABELS,
        kind_descriptions=KIND_DESCRIPTIONS,
    )


@bp.route("/<kind>")
@allow(CATALOGUES)
def items(kind: str) -> str:
    catalogue = kind_or_404(kind)
    return render_template(
        "catalogues/items.html",
        kind=catalogue,
        kind_label=KIND_LABELS[catalogue],
        new_label=NEW_ITEM_TITLES[catalogue],
        items=services.list_items(db.session(), catalogue),
        locale=language(),
        site_kind_labels=SITE_KIND_LABELS,
    )


@bp.route("/<kind>/new", methods=["GET", "POST"])
@allow(CATALOGUES)
def create(kind: str) -> Any:
    catalogue = kind_or_404(kind)
    form = NEW_FORMS[catalogue]()
    if form.validate_on_submit():
        try:
            item = services.create_item(
                db.session(),
                actor_id=current_user.id,
                kind=catalogue,
                key=form.key.data or "",
                values=values_from(form),
            )
            once.claim(db.session(), form.form_token.data)
        except once.AlreadySubmittedError:
            return once.already_saved(url_for("catalogues.items", kind=catalogue.value))
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            flash(_("“%(label)s” was added.", label=item.label(language())), "success")
            return redirect(url_for("catalogues.items", kind=catalogue.value))
    return render_form(catalogue, form, None)


@bp.route("/<kind>/<int:item_id>", methods=["GET", "POST"])
@allow(CATALOGUES)
def edit(kind: str, item_id: int) -> Any:
    catalogue = kind_or_404(kind)
    item = item_or_404(catalogue, item_id)
    form = EDIT_FORMS[catalogue](obj=item if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            changed = services.update_item(
                db.session(),
                actor_id=current_user.id,
                kind=catalogue,
                item=item,
                values=values_from(form),
            )
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            if changed:
                flash(_("“%(label)s” was saved.", label=item.label(language())), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for("catalogues.items", kind=catalogue.value))
    return render_form(catalogue, form, item)


def deactivated_text(kind: Kind, label: str) -> str:
    if kind is Kind.LADDER:
        return _(
            "“%(label)s” is deactivated: programmes can no longer be placed on it; past records "
            "keep it.",
            label=label,
        )
    if kind in (Kind.TASK_TYPES, Kind.WORK_PHASES):
        return _(
            "“%(label)s” is deactivated: new offers and steps can no longer choose it; past "
            "records keep it.",
            label=label,
        )
    return _(
        "“%(label)s” is deactivated: reception no longer sees it; past records keep it.",
        label=label,
    )


@bp.route("/<kind>/<int:item_id>/active", methods=["POST"])
@allow(CATALOGUES)
def set_active(kind: str, item_id: int) -> Response:
    catalogue = kind_or_404(kind)
    item = item_or_404(catalogue, item_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    label = item.label(language())
    if request.form.get("active") == "1":
        try:
            services.reactivate_item(
                db.session(), actor_id=current_user.id, kind=catalogue, item=item
            )
        except FieldErrors as problems:
            taken = " ".join(message(p) for p in problems.get("shortcut"))
            flash(taken + " " + _("Change one of the two letters, then reactivate."), "error")
        else:
            flash(_("“%(label)s” is offered again.", label=label), "success")
    else:
        try:
            services.deactivate_item(
                db.session(), actor_id=current_user.id, kind=catalogue, item=item
            )
        except FieldErrors as problems:
            flash(" ".join(message(p) for p in problems.get("active")), "error")
        else:
            flash(deactivated_text(catalogue, label), "success")
    return redirect(url_for("catalogues.items", kind=catalogue.value))
