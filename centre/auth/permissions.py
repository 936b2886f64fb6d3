"""Who may use which route: declared next to each view, enforced in one place.

Every view states its policy with `@allow(...)` or `@public`. A single before-request hook
enforces it; a view without a policy is refused to everyone (deny by default), and a test
walks `app.url_map` to prove no route lacks one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from .models import Role

F = TypeVar("F", bound=Callable[..., Any])

POLICY_ATTRIBUTE = "access_policy"
PUBLIC = "public"
AUTHENTICATED = "authenticated"

# Roles by domain, as DESIGN.md's role table gives them.
FRONT_LINE = frozenset({Role.RECEPTION, Role.SOCIAL_WORKER})
SOCIAL_WORK = frozenset({Role.SOCIAL_WORKER})  # case files, notes, referrals, rights
CATALOGUES = frozenset({Role.MANAGER, Role.ADMIN})
DIRECTORY_READERS = frozenset({Role.RECEPTION, Role.SOCIAL_WORKER, Role.MANAGER, Role.ADMIN})
DIRECTORY_EDITORS = frozenset({Role.MANAGER, Role.ADMIN})
ADMINISTRATION = frozenset({Role.ADMIN})
# Housing: reception and social workers work the bed board; managers see its counts only.
BED_BOARD = FRONT_LINE
BED_BOARD_COUNTS = frozenset({Role.RECEPTION, Role.SOCIAL_WORKER, Role.MANAGER})
HOUSING_MEASURES = frozenset({Role.SOCIAL_WORKER, Role.MANAGER})  # aggregates, never codes
PROGRAMMES = CATALOGUES  # programmes and the ladder: maintained, nothing person-level
# Day labour: reception sees today's offers and signs people up; the crews' staff (social
# workers) also create offers, record attendance and pay.
DAY_LABOUR_SIGN_UP = FRONT_LINE
DAY_LABOUR_CREW = SOCIAL_WORK
DAY_LABOUR_MEASURES = frozenset({Role.SOCIAL_WORKER, Role.MANAGER})  # aggregates only

Policy = frozenset[Role] | str

# Until a one-time password is replaced, only these endpoints answer.
MAY_USE_WITH_ONE_TIME_PASSWORD = frozenset(
    {"auth.change_password", "auth.logout", "auth.lock", "main.set_language", "main.healthz"}
)


def allow(*roles: Role | frozenset[Role]) -> Callable[[F], F]:
    """Only logged-in users with one of these roles may use the view."""
    allowed: set[Role] = set()
    for role in roles:
        allowed |= role if isinstance(role, frozenset) else {role}

    def decorate(view: F) -> F:
        setattr(view, POLICY_ATTRIBUTE, frozenset(allowed))
        return view

    return decorate


def public(view: F) -> F:
    """Anyone may use the view, logged in or not (login page, health check)."""
    setattr(view, POLICY_ATTRIBUTE, PUBLIC)
    return view


def authenticated(view: F) -> F:
    """Any logged-in user, whatever the role (logout, own password, language)."""
    setattr(view, POLICY_ATTRIBUTE, AUTHENTICATED)
    return view


def policy_of(view: Callable[..., Any]) -> Policy | None:
    policy: Policy | None = getattr(view, POLICY_ATTRIBUTE, None)
    return policy


def role_may(role: Role, policy: Policy | None) -> bool:
    if policy in (PUBLIC, AUTHENTICATED):
        return True
    return isinstance(policy, frozenset) and role in policy


def register_policy_enforcement(app: Flask, on_refusal: Callable[[str], None]) -> None:
    """Enforce each view's policy before it runs.

    `on_refusal` records the refusal (the audit log) before the 403 is sent.
    """

    @app.before_request
    def _enforce_policy() -> Any:
        if request.endpoint is None or request.endpoint == "static":
            return None  # 404 and 405 are answered by the router; static files are public
        if (
            current_user.is_authenticated
            and current_user.must_change_password
            and request.endpoint not in MAY_USE_WITH_ONE_TIME_PASSWORD
        ):
            return redirect(url_for("auth.change_password"))
        policy = policy_of(current_app.view_functions[request.endpoint])
        if policy == PUBLIC:
            return None
        if not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()  # type: ignore[attr-defined]
        if policy is None or not role_may(current_user.role, policy):
            on_refusal(request.endpoint)
            abort(403)
        return None
