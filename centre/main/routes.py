"""Home page by role, language switch, health check."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, session, url_for
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from centre import db
from centre.auth.models import Role
from centre.auth.permissions import authenticated, public
from centre.cases.labels import REFERRAL_STATUS_LABELS
from centre.cases.services import referrals
from centre.inputs import page_number
from centre.navigation import navigation_for
from centre.security import local_path

from . import bp
from .forms import LanguageForm


@bp.route("/")
@public
def index() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return render_template(
        "main/index.html",
        tiles=navigation_for(current_user, in_header=False),
        **follow_ups_of(current_user),
    )


def follow_ups_of(user: Any) -> dict[str, Any]:
    """A social worker's due and overdue referral follow-ups; other roles' home is as it was."""
    if user.role is not Role.SOCIAL_WORKER:
        return {}
    return {
        "follow_ups": referrals.due_follow_ups(
            db.session(),
            user.id,
            referrals.today(),
            page=request.args.get("page", 1, type=page_number),
        ),
        "referral_status_labels": REFERRAL_STATUS_LABELS,
    }


@bp.route("/language", methods=["POST"])
@public
def set_language() -> Response:
    form = LanguageForm()
    target = local_path(form.next.data) or url_for("main.index")
    if form.validate_on_submit():
        session["locale"] = form.language.data
        if current_user.is_authenticated:
            # Remembered per user, on every terminal they log in to.
            current_user.locale = form.language.data
            db.session().merge(current_user._get_current_object())
    return redirect(target)


@bp.route("/healthz")
@public
def healthz() -> tuple[dict[str, str], int]:
    try:
        db.session().execute(text("SELECT 1"))
    except SQLAlchemyError:
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


@bp.route("/about")
@authenticated
def about() -> str:
    return render_template("main/about.html")
