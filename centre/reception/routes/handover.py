"""The shift handover log: read and search it, add a note, mark a colleague's note read."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from centre import db, once
from centre.auth import services as accounts
from centre.auth.permissions import FRONT_LINE, allow
from centre.forms import show_errors
from centre.i18n import language
from centre.inputs import page_number
from centre.pagination import paginate
from centre.validation import FieldErrors

from .. import bp
from ..forms import HandoverForm
from ..models import HandoverEntry
from ..services import handover as services
from ..settings import current_shift, settings
from .context import current_site


@bp.route("/handover", methods=["GET", "POST"])
@allow(FRONT_LINE)
def handover() -> Any:
    site = current_site()
    if site is None:
        return redirect(url_for("reception.visits"))  # its empty state says what to do
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
            return once.already_saved(url_for("reception.handover"))
        except FieldErrors as problems:
            show_errors(form, problems)
        else:
            flash(_("Added to the handover log."), "success")
            return redirect(url_for("reception.handover"))
    search = (request.args.get("q") or "").strip()[:100]
    page = paginate(
        dbs,
        services.handover_query(site_id=site.id, search=search),
        page=request.args.get("page", 1, type=page_number),
        per_page=30,
    )
    return render_template(
        "reception/handover.html",
        form=form,
        site=site,
        page=page,
        search=search,
        authors=accounts.usernames(dbs, {entry.author_id for entry in page.items}),
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
    return redirect(url_for("reception.handover", q=request.args.get("q") or None))
