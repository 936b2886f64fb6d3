"""The administrator's view of the audit log."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import render_template, request
from sqlalchemy.orm import selectinload

from centre import db
from centre.auth.permissions import ADMINISTRATION, allow
from centre.i18n import BRUSSELS
from centre.inputs import page_number, row_id
from centre.pagination import paginate

from . import bp, services
from .actions import declared
from .models import AuditEvent
from .services import Outcome

# Filter days outside these years are ignored like malformed ones: no event lies there, and
# year 1 or 9999 would overflow the time-zone arithmetic.
MIN_YEAR, MAX_YEAR = 2000, 2999


def _day(value: str | None) -> datetime | None:
    # Days are Brussels days; stored timestamps are UTC.
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d").date()  # noqa: DTZ007 - a date, no time
    except ValueError:
        return None
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        return None
    return datetime.combine(day, time(), tzinfo=BRUSSELS)


@bp.route("/admin/audit")
@allow(ADMINISTRATION)
def events() -> str:
    dbs = db.session()
    args = request.args
    since = _day(args.get("since"))
    until = _day(args.get("until"))
    query = services.search(
        dbs,
        action=args.get("action") or None,
        actor_id=args.get("actor", type=row_id),
        person_id=args.get("person", type=row_id),
        outcome=args.get("outcome") or None,
        since=since,
        until=until + timedelta(days=1) if until else None,
    )
    page = paginate(
        dbs,
        query.options(selectinload(AuditEvent.actor)),
        page=args.get("page", 1, type=page_number),
        per_page=100,
    )
    return render_template(
        "audit/events.html",
        page=page,
        actions=declared(),
        outcomes=list(Outcome),
        filters=args,
    )
