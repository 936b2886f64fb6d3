"""What every reception page works from: the terminal's site, the shift, the settings."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import session
from wtforms.fields.choices import SelectChoice

from centre import db
from centre.catalogues import services as catalogues
from centre.catalogues.models import Site
from centre.catalogues.services import Kind
from centre.i18n import language

from ..forms import SiteForm
from ..settings import settings
from ..shifts import Shift, shift_of


def current_site() -> Site | None:
    """The site this terminal works for: chosen once, remembered in the session; else the
    first active one (None when no site is active)."""
    return catalogues.active_site(db.session(), session.get("site_id"))


def shift_named(day: date, index: int) -> Shift:
    return shift_of(day, index, settings().shift_starts)


def catalogue(kind: Kind) -> list[Any]:
    """Every item in screen order, inactive ones too: older records still name them."""
    return catalogues.in_screen_order(db.session(), kind)


def active(items: list[Any]) -> list[Any]:
    return [item for item in items if item.active]


def site_form(site: Site) -> SiteForm:
    form = SiteForm(site=site.id)
    form.site.choices = [
        SelectChoice(s.id, s.label(language())) for s in catalogues.active_sites(db.session())
    ]
    return form
