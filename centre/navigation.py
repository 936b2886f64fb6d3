"""The navigation each role sees, derived from the routes' own access policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from centre.auth.models import Role
from centre.auth.permissions import policy_of, role_may

# Order and labels of the main menu; an entry shows only when the user's role may open it.
MENU: tuple[tuple[str, Any, Any], ...] = (
    ("reception.visits", _l("Reception"), _l("Log visits, material and incidents of this shift.")),
    ("housing.board", _l("Beds"), _l("Tonight's beds: allocate, release, block.")),
    ("employment.today", _l("Day jobs"), _l("Today's day jobs: sign people up by code.")),
    ("people.index", _l("People"), _l("Find a person by code or identity; create a person.")),
    ("directory.search", _l("Directory"), _l("Partner services: search, print, export.")),
    ("cases.caseload", _l("My caseload"), _l("Your open cases: follow-ups due, reviews, contact.")),
    ("housing.measures", _l("Housing"), _l("Occupancy, stays, exits, retention.")),
    ("employment.measures", _l("Day labour"), _l("Offers, attendance, hours and pay, phases.")),
    ("catalogues.index", _l("Catalogues"), _l("Sites, services and harm-reduction material.")),
    ("housing.programmes", _l("Programmes"), _l("Housing programmes and the ladder.")),
    ("auth.users", _l("Users"), _l("Create, disable and reset staff accounts.")),
    ("audit.events", _l("Audit log"), _l("Who did what, when; verify the chain.")),
)
# Entries a role may open yet does not see in its menu, so that the header stays one line at
# 1024 px in French (measured: the administrator's menu was full already, a social worker's
# six entries overflow): administrators reach the programmes from the catalogues page, the bed
# board is the front line's tool (managers see occupancy under Housing), and the housing
# measures are a manager's page first (social workers keep the bed board). The home page's
# tiles have room: they show every entry the role may open.
NOT_IN_MENU_OF: dict[str, frozenset[Role]] = {
    "housing.programmes": frozenset({Role.ADMIN}),
    "housing.board": frozenset({Role.MANAGER}),
    "housing.measures": frozenset({Role.SOCIAL_WORKER}),
    "employment.today": frozenset({Role.SOCIAL_WORKER}),
    "employment.measures": frozenset({Role.SOCIAL_WORKER, Role.MANAGER}),
}


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: str
    description: str
    url: str


def navigation_for(user: Any, *, in_header: bool = True) -> list[MenuItem]:
    items = []
    for endpoint, label, description in MENU:
        view = current_app.view_functions.get(endpoint)
        if view is None or not role_may(user.role, policy_of(view)):
            continue
        if in_header and user.role in NOT_IN_MENU_OF.get(endpoint, frozenset()):
            continue
        try:
            url = url_for(endpoint)
        except BuildError:
            continue
        items.append(MenuItem(endpoint, str(label), str(description), url))
    return items
