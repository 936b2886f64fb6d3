"""Catalogue labels, translated: catalogue and site-kind names as pages show them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .models import SiteKind
from .services import Kind

KIND_LABELS = {
    Kind.SITES: _l("Sites"),
    Kind.SERVICES: _l("Services"),
    Kind.SUPPLIES: _l("Harm-reduction supplies"),
    Kind.LADDER: _l("Housing ladder"),
    Kind.TASK_TYPES: _l("Day-job tasks"),
    Kind.WORK_PHASES: _l("Progression to work"),
}
KIND_DESCRIPTIONS = {
    Kind.SITES: _l("Where visits happen: the centre, exchange counters, outreach."),
    Kind.SERVICES: _l("What reception ticks on a visit, each with its keyboard letter."),
    Kind.SUPPLIES: _l("Material handed out and taken back, with its per-visit limit."),
    Kind.LADDER: _l("The steps of the housing pathway, from the street to independent housing."),
    Kind.TASK_TYPES: _l("The kinds of day job offered: cleaning, gardening, removals…"),
    Kind.WORK_PHASES: _l("The phases from first day jobs to a regular job, in order."),
}
NEW_ITEM_TITLES = {
    Kind.SITES: _l("New site"),
    Kind.SERVICES: _l("New service"),
    Kind.SUPPLIES: _l("New supply"),
    Kind.LADDER: _l("New step"),
    Kind.TASK_TYPES: _l("New task"),
    Kind.WORK_PHASES: _l("New phase"),
}
SITE_KIND_LABELS = {
    SiteKind.CENTRE: _l("Centre"),
    SiteKind.EXCHANGE_COUNTER: _l("Exchange counter"),
    SiteKind.WOMENS_SPACE: _l("Women's space"),
    SiteKind.OUTREACH: _l("Outreach"),
}
