"""The housing measures page: occupancy, lengths of stay, exits, retention, returns, moves.

Aggregates only: no code and no person id ever reaches this page or its CSV export, which
managers read too.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, render_template, request
from flask_babel import format_decimal, format_percent, get_locale
from flask_babel import gettext as _

from centre import db
from centre.auth.permissions import HOUSING_MEASURES, allow
from centre.directory.services import to_csv
from centre.i18n import BRUSSELS, language

from .. import bp
from ..forms.measures import MeasuresForm, read_filters
from ..labels import DESTINATION_GROUP_LABELS, DESTINATION_LABELS, PROGRAMME_TYPE_LABELS
from ..models import DESTINATION_GROUPS
from ..services import measures as services

# The chart has at most this many columns: a longer period is drawn in groups of nights.
CHART_COLUMNS = 366
CHART_HEIGHT = 40


@dataclass(frozen=True)
class Chart:
    """A programme's nights as an SVG area: one column per night, or per group of nights."""

    path: str
    width: int
    full_at: float  # the y of a full house (100 %)
    height: int
    nights_per_column: int
    lowest: float | None
    highest: float | None


def chart(occupancy: services.Occupancy) -> Chart:
    """The share of places used, per column, from 0 at the bottom; over 100 % goes higher."""
    size = len(occupancy.used)
    step = max(1, math.ceil(size / CHART_COLUMNS))
    shares: list[float | None] = []
    for first in range(0, size, step):
        available = sum(occupancy.available[first : first + step])
        used = sum(occupancy.used[first : first + step])
        shares.append(used / available if available else None)
    known = [s for s in shares if s is not None]
    top = max([1.0, *known])
    scale = CHART_HEIGHT / top
    # A step line: down (or up) to each column's height, then across it; one decimal is
    # finer than a pixel, and keeps a year's path to a few kilobytes.
    points = [f"M0,{CHART_HEIGHT}"]
    for x, share in enumerate(shares):
        points.append(f"V{CHART_HEIGHT - (share or 0) * scale:.1f}H{x + 1}")
    points.append(f"V{CHART_HEIGHT}Z")
    return Chart(
        path="".join(points),
        width=len(shares),
        full_at=round(CHART_HEIGHT - scale, 2),
        height=CHART_HEIGHT,
        nights_per_column=step,
        lowest=min(known) if known else None,
        highest=max(known) if known else None,
    )


def percent(share: float | None) -> str:
    """A share with one decimal, in the locale's own way ("91.0%", "91,0 %")."""
    if share is None:
        return "—"
    locale = get_locale()
    pattern = locale.percent_formats[None].pattern if locale else "#,##0%"
    return format_percent(share, pattern.replace("#,##0", "#,##0.0", 1))


def number(value: float | None) -> str:
    return "—" if value is None else format_decimal(value, "#,##0.#")


def csv_rows(measured: services.HousingMeasures, locale: str) -> Iterator[list[str]]:
    """Every figure of the page, one a line: measure, programme or group, item, value."""
    for o in measured.occupancy:
        name = o.programme.name
        yield [_("Occupancy"), name, _("Nights used"), str(o.used_nights)]
        yield [_("Occupancy"), name, _("Nights available"), str(o.available_nights)]
        for night, used, available in o.nights():
            yield [_("Occupancy per night"), name, night.isoformat(), f"{used}/{available}"]
    for lengths in measured.lengths:
        name = lengths.programme.name if lengths.programme else _("All programmes")
        yield [_("Length of stay"), name, _("Stays ended"), str(lengths.count)]
        yield [_("Length of stay"), name, _("Mean nights"), _plain(lengths.mean)]
        yield [_("Length of stay"), name, _("Median nights"), _plain(lengths.median)]
    for group, count in measured.exits.by_group:
        yield [_("Exits"), str(DESTINATION_GROUP_LABELS[group]), "", str(count)]
    for destination, count in measured.exits.by_destination:
        yield [_("Exits"), "", str(DESTINATION_LABELS[destination]), str(count)]
    for title, horizons in ((_("Retention"), measured.retention), (_("Returns"), measured.returns)):
        for h in horizons:
            months = _("%(num)d months", num=h.months)
            yield [title, months, _("People counted"), str(h.cohort)]
            yield [title, months, _("Counted as such"), str(h.count)]
    for m in measured.moves.by_steps:
        before = m.from_.label(locale) if m.from_ else _("No earlier stay")
        yield [_("Moves on the ladder"), before, m.to.label(locale), str(m.count)]


def _plain(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


@bp.route("/measures")
@allow(HOUSING_MEASURES)
def measures() -> Any:
    dbs = db.session()
    known = services.programmes(dbs)
    form = MeasuresForm(request.args)
    form.offer(known.values())
    filters = read_filters(form, known, datetime.now(BRUSSELS).date())
    measured = services.housing_measures(
        dbs,
        start=filters.start,
        end=filters.end,
        programme_ids=filters.programme_ids,
        known=known,
    )
    locale = language()
    if request.args.get("format") == "csv" and not form.errors:
        name = f"housing-measures-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
        header = [_("Measure"), _("Programme or group"), _("Item"), _("Value")]
        return Response(
            to_csv(header, csv_rows(measured, locale)),
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return render_template(
        "housing/measures.html",
        form=form,
        filters=filters,
        measured=measured,
        charts={o.programme.id: chart(o) for o in measured.occupancy},
        methods={
            "occupancy": services.OCCUPANCY_METHOD,
            "lengths": services.LENGTH_METHOD,
            "exits": services.EXITS_METHOD,
            "retention": services.RETENTION_METHOD,
            "returns": services.RETURNS_METHOD,
            "moves": services.MOVES_METHOD,
        },
        type_labels=PROGRAMME_TYPE_LABELS,
        group_labels=DESTINATION_GROUP_LABELS,
        destination_labels=DESTINATION_LABELS,
        groups_of=DESTINATION_GROUPS,
        moves=services.Move,
        percent=percent,
        number=number,
        locale=locale,
        csv_args={
            "start": filters.start.isoformat(),
            "end": filters.end.isoformat(),
            "programme": filters.programme,
            "format": "csv",
        },
    ), (400 if form.errors else 200)
