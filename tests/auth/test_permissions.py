"""No route escapes the policy: every endpoint, every role, allowed and refused.

EXPECTED is the role table of DESIGN.md written out per endpoint. A new route fails this test
until it is added here, so its access is decided on purpose.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role, User
from centre.auth.permissions import AUTHENTICATED, PUBLIC, policy_of
from tests.conftest import Browser, LoggedIn
from tests.routes import build, endpoints, objects_behind_urls

ADMIN = {Role.ADMIN}
FRONT_LINE = {Role.RECEPTION, Role.SOCIAL_WORKER}
CATALOGUES = {Role.MANAGER, Role.ADMIN}
DIRECTORY_READERS = {Role.RECEPTION, Role.SOCIAL_WORKER, Role.MANAGER, Role.ADMIN}
DIRECTORY_EDITORS = {Role.MANAGER, Role.ADMIN}
SOCIAL_WORK = {Role.SOCIAL_WORKER}

EXPECTED: dict[str, set[Role] | str] = {
    "main.index": PUBLIC,
    "main.healthz": PUBLIC,
    "main.set_language": PUBLIC,
    "main.about": AUTHENTICATED,
    "auth.login": PUBLIC,
    "auth.logout": AUTHENTICATED,
    "auth.lock": AUTHENTICATED,
    "auth.change_password": AUTHENTICATED,
    "auth.users": ADMIN,
    "auth.create_user": ADMIN,
    "auth.user_detail": ADMIN,
    "auth.set_user_active": ADMIN,
    "auth.set_user_role": ADMIN,
    "auth.reset_user_password": ADMIN,
    "auth.unlock_user": ADMIN,
    "audit.events": ADMIN,
    "people.index": FRONT_LINE,
    "people.find": FRONT_LINE,
    "people.find_identity": FRONT_LINE,
    "people.create": FRONT_LINE,
    "people.detail": FRONT_LINE,
    "people.reveal": FRONT_LINE,
    "people.edit": FRONT_LINE,
    "people.give_consent": FRONT_LINE,
    "people.identity": FRONT_LINE,
    "people.open_identity": FRONT_LINE,
    "people.withdraw_consent": FRONT_LINE,
    "people.give_sharing_consent": FRONT_LINE,
    "people.withdraw_sharing_consent": FRONT_LINE,
    "people.erase": FRONT_LINE,
    "reception.visits": FRONT_LINE,
    "reception.choose_site": FRONT_LINE,
    "reception.log_visit": FRONT_LINE,
    "reception.edit_visit": FRONT_LINE,
    "reception.delete_visit": FRONT_LINE,
    "reception.incidents": FRONT_LINE,
    "reception.new_incident": FRONT_LINE,
    "reception.edit_incident": FRONT_LINE,
    "reception.handover": FRONT_LINE,
    "reception.mark_read": FRONT_LINE,
    "reception.quick_view": FRONT_LINE,
    "reception.member_card": FRONT_LINE,
    "reception.lookup": FRONT_LINE,
    "cases.person_file": {Role.SOCIAL_WORKER},
    "cases.caseload": {Role.SOCIAL_WORKER},
    "cases.referrals": {Role.SOCIAL_WORKER},
    "cases.new_referral": {Role.SOCIAL_WORKER},
    "cases.referral": {Role.SOCIAL_WORKER},
    "cases.referral_remark": {Role.SOCIAL_WORKER},
    "cases.pathway": {Role.SOCIAL_WORKER},
    "cases.open_case": {Role.SOCIAL_WORKER},
    "cases.change_workers": {Role.SOCIAL_WORKER},
    "cases.close_case": {Role.SOCIAL_WORKER},
    "cases.reopen_case": {Role.SOCIAL_WORKER},
    "cases.add_goal": {Role.SOCIAL_WORKER},
    "cases.edit_goal": {Role.SOCIAL_WORKER},
    "cases.person_notes": {Role.SOCIAL_WORKER},
    "cases.new_note": {Role.SOCIAL_WORKER},
    "cases.view_note": {Role.SOCIAL_WORKER},
    "cases.read_note": {Role.SOCIAL_WORKER},
    "cases.correct_note": {Role.SOCIAL_WORKER},
    "cases.add_addendum": {Role.SOCIAL_WORKER},
    "cases.record_insurance": {Role.SOCIAL_WORKER},
    "cases.add_reaffiliation_step": {Role.SOCIAL_WORKER},
    "cases.substance_profile": {Role.SOCIAL_WORKER},
    "cases.merge": {Role.SOCIAL_WORKER},
    "cases.confirm_merge": {Role.SOCIAL_WORKER},
    "cases.undo_merge": {Role.SOCIAL_WORKER},
    "directory.search": DIRECTORY_READERS,
    "directory.detail": DIRECTORY_READERS,
    "directory.print_list": DIRECTORY_READERS,
    "directory.export_csv": DIRECTORY_READERS,
    "directory.export_xlsx": DIRECTORY_READERS,
    "directory.public_directory": PUBLIC,
    "directory.create": DIRECTORY_EDITORS,
    "directory.edit": DIRECTORY_EDITORS,
    "directory.deactivate": DIRECTORY_EDITORS,
    "directory.reactivate": DIRECTORY_EDITORS,
    "catalogues.index": CATALOGUES,
    "catalogues.items": CATALOGUES,
    "catalogues.create": CATALOGUES,
    "catalogues.edit": CATALOGUES,
    "catalogues.set_active": CATALOGUES,
    # Programmes are maintained as the catalogues are (the ladder is one).
    "housing.programmes": CATALOGUES,
    "housing.new_programme": CATALOGUES,
    "housing.edit_programme": CATALOGUES,
    "housing.deactivate_programme": CATALOGUES,
    "housing.measures": {Role.SOCIAL_WORKER, Role.MANAGER},
    "employment.today": FRONT_LINE,
    "employment.sign_up": FRONT_LINE,
    "employment.offer": FRONT_LINE,
    "employment.cancel_sign_up": FRONT_LINE,
    "employment.offers": SOCIAL_WORK,
    "employment.new_offer": SOCIAL_WORK,
    "employment.cancel_offer": SOCIAL_WORK,
    "employment.phases": SOCIAL_WORK,
    "employment.measures": {Role.SOCIAL_WORKER, Role.MANAGER},
    "employment.attendance": SOCIAL_WORK,
    "employment.pay_offer": SOCIAL_WORK,
    "employment.payout_sheet": SOCIAL_WORK,
    "employment.correct_pay": SOCIAL_WORK,
    "employment.ledger": SOCIAL_WORK,
    "housing.board": {Role.RECEPTION, Role.SOCIAL_WORKER, Role.MANAGER},
    "housing.allocate": FRONT_LINE,
    "housing.release": FRONT_LINE,
    "housing.block_bed": FRONT_LINE,
    "housing.unblock_bed": FRONT_LINE,
    "housing.person": SOCIAL_WORK,
    "housing.enter_stay": SOCIAL_WORK,
    "housing.move_in": SOCIAL_WORK,
    "housing.exit_stay": SOCIAL_WORK,
    # Waiting lists: social workers manage them (person-level, so not managers).
    "housing.waiting_lists": {Role.SOCIAL_WORKER},
    "housing.waiting_list": {Role.SOCIAL_WORKER},
    "housing.apply": {Role.SOCIAL_WORKER},
    "housing.application": {Role.SOCIAL_WORKER},
    "housing.admit": {Role.SOCIAL_WORKER},
}
# Allowed by role, yet each object answers only its owner (a colleague's visit: 403).
OWNER_ONLY = {"reception.edit_visit", "reception.delete_visit"}
SESSION_ENDING = {"auth.logout", "auth.lock"}


def test_every_route_has_a_declared_policy_and_an_expectation(app: Flask) -> None:
    routes = endpoints(app)
    missing_policy = [e for e in routes if policy_of(app.view_functions[e]) is None]
    assert missing_policy == [], "routes without @allow/@public/@authenticated"
    assert set(routes) == set(EXPECTED), "update EXPECTED with the new or removed routes"
    for endpoint, expected in EXPECTED.items():
        declared = policy_of(app.view_functions[endpoint])
        assert declared == (expected if isinstance(expected, str) else frozenset(expected)), (
            endpoint
        )


@pytest.fixture
def url_values(make_user: Callable[..., User], session: Session) -> dict[str, Any]:
    target = make_user(Role.RECEPTION, username="matrix.target")
    return objects_behind_urls(session, owner=target, other=target)


def allowed(expected: set[Role] | str, role: Role | None) -> bool:
    if expected == PUBLIC:
        return True
    if role is None:
        return False
    return expected == AUTHENTICATED or role in expected


def call(client: Browser, method: str, url: str) -> Any:
    if method == "GET":
        return client.get(url)
    return client.post(url)


@pytest.mark.parametrize("role", [None, *Role], ids=lambda r: r.value if r else "anonymous")
def test_each_route_for_each_role(
    role: Role | None,
    app: Flask,
    login_as: Callable[..., LoggedIn],
    url_values: dict[str, Any],
    session: Session,
) -> None:
    def fresh() -> Browser:
        return login_as(role) if role else Browser(app.test_client())

    shared = fresh()
    for endpoint, (rule, methods) in sorted(endpoints(app).items()):
        expected = EXPECTED[endpoint]
        url = build(rule, url_values)
        for method in sorted(methods):
            # Calls that end the session get a client of their own.
            client = fresh() if endpoint in SESSION_ENDING else shared
            response = call(client, method, url)
            where = f"{method} {url} as {role.value if role else 'anonymous'}"
            if allowed(expected, role):
                assert "/login?next=" not in response.headers.get("Location", ""), where
                if endpoint in OWNER_ONLY:
                    assert not policy_refused(session, endpoint), where
                else:
                    assert response.status_code not in (401, 403), where
            elif role is None:
                assert response.status_code == 302, where
                assert response.headers["Location"].startswith("/login"), where
            else:
                assert response.status_code == 403, where


def policy_refused(session: Session, endpoint: str) -> bool:
    """Whether the role policy (not an object check) refused `endpoint`: it audits that."""
    session.rollback()
    return (
        session.scalar(
            select(AuditEvent.id)
            .where(AuditEvent.action == "auth.access_refused", AuditEvent.object_id == endpoint)
            .limit(1)
        )
        is not None
    )


def test_refusals_are_audited(login_as: Callable[..., LoggedIn], session: Session) -> None:
    staff = login_as(Role.RECEPTION)
    assert staff.get("/admin/audit").status_code == 403
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "auth.access_refused")
    ).one()
    assert event.actor_id == staff.user.id
    assert event.object_id == "audit.events"
    assert event.outcome == "refused"
