"""The navigation each role sees, derived from the routes' own access policies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.routing import BuildError

from centre.auth.permissions import policy_of, role_may

# Order and labels of the main menu; an entry shows only when the user's role may open it.
MENU: tuple[tuple[str, Any, Any], ...] = (
    ("reception.visits", _l("Reception"), _l("Log visits, material and incidents of this shift.")),
    ("people.index", _l("People"), _l("Find a person by code or identity; create a person.")),
    ("directory.search", _l("Directory"), _l("Partner services: search, print, export.")),
    ("cases.caseload", _l("My caseload"), _l("Your open cases: follow-ups due, reviews, contact.")),
    ("catalogues.index", _l("Catalogues"), _l("Sites, services and harm-reduction material.")),
    ("auth.users", _l("Users"), _l("Create, disable and reset staff accounts.")),
    ("audit.events", _l("Audit log"), _l("Who did what, when; verify the chain.")),
)


@dataclass(frozen=True)
class MenuItem:
    endpoint: str
    label: str
    description: str
    url: str


def navigation_for(user: Any) -> list[MenuItem]:
    items = []
    for endpoint, label, description in MENU:
        view = current_app.view_functions.get(endpoint)
        if view is None or not role_may(user.role, policy_of(view)):
            continue
        try:
            url = url_for(endpoint)
        except BuildError:
            continue
        items.append(MenuItem(endpoint, str(label), str(description), url))
    return items
