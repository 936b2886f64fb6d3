"""Day labour's measures for managers and social workers: a period, a provider, no person."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request
from sqlalchemy import select

from centre import db
from centre.auth.permissions import DAY_LABOUR_MEASURES, allow
from centre.cases.services.cases import today_in_brussels
from centre.directory.models import Partner
from centre.i18n import language
from centre.periods import last_twelve_months

from .. import bp
from ..services import measures as services

# The longest period asked for at once: ten years of days.
MAX_DAYS = 3660


def _period() -> tuple[date, date, bool]:
    """The period asked for in the URL, else the last twelve complete months; and whether
    what was asked had to be replaced."""
    today = today_in_brussels()
    start_text, end_text = request.args.get("start", ""), request.args.get("end", "")
    if not start_text and not end_text:
        return (*last_twelve_months(today), False)
    try:
        start, end = date.fromisoformat(start_text), date.fromisoformat(end_text)
    except ValueError:
        return (*last_twelve_months(today), True)
    if end < start or (end - start).days > MAX_DAYS or start.year < 2000:
        return (*last_twelve_months(today), True)
    return start, end, False


@bp.route("/measures")
@allow(DAY_LABOUR_MEASURES)
def measures() -> Any:
    start, end, replaced = _period()
    dbs = db.session()
    partners = list(dbs.scalars(select(Partner).order_by(Partner.name)))
    provider = request.args.get("provider", "")
    if provider not in ("", services.CENTRE) and provider not in {str(p.id) for p in partners}:
        provider, replaced = "", True
    shown = services.measures(dbs, start=start, end=end, provider=provider or None)
    return render_template(
        "employment/measures.html",
        m=shown,
        start=start,
        end=end,
        provider=provider,
        partners=partners,
        how=services.HOW,
        replaced=replaced,
        locale=language(),
    ), (400 if replaced else 200)
