"""The administrator's audit page lists and filters events, ids only."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask

from centre.auth.models import Role
from tests.conftest import LoggedIn


def test_admin_lists_and_filters_events(login_as: Callable[..., LoggedIn]) -> None:
    staff = login_as(Role.RECEPTION)
    staff.get("/admin/users")  # refused, and audited
    admin = login_as(Role.ADMIN)
    english = {"Accept-Language": "en"}
    html = admin.get("/admin/audit", headers=english).get_data(as_text=True)
    assert "<td>Logged in</td>" in html and "<td>Access refused</td>" in html
    html = admin.get("/admin/audit?outcome=refused", headers=english).get_data(as_text=True)
    assert "<td>Access refused</td>" in html and "<td>Logged in</td>" not in html
    html = admin.get(
        "/admin/audit?action=user.created&since=2000-01-01&until=2999-12-31", headers=english
    ).get_data(as_text=True)
    assert "<td>User created</td>" in html and "<td>Logged in</td>" not in html
    html = admin.get("/admin/audit?since=not-a-date&person=abc", headers=english).get_data(
        as_text=True
    )
    assert "<td>Logged in</td>" in html  # bad filters are ignored, not an error


def test_every_action_and_outcome_has_a_translatable_label(app: Flask) -> None:
    from centre.audit.actions import declared
    from centre.audit.labels import OUTCOME_LABELS
    from centre.audit.services import Outcome

    actions = declared()
    assert len(actions) >= 33 and set(OUTCOME_LABELS) == set(Outcome)
    for action in actions:
        assert str(action.label) and str(action.label) != action.key
    assert len({str(action.label) for action in actions}) == len(actions)


def test_actions_show_as_labels_not_raw_keys(login_as: Callable[..., LoggedIn]) -> None:
    admin = login_as(Role.ADMIN)
    html = admin.get("/admin/audit", headers={"Accept-Language": "en"}).get_data(as_text=True)
    # In the table and in the filter: the label is shown, the key is only a value.
    assert "<td>Logged in</td>" in html
    assert '<option value="auth.login">Logged in</option>' in html
    assert ">auth.login<" not in html and "<code>auth.login</code>" not in html
    filtered = admin.get(
        "/admin/audit?action=auth.login", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert '<option value="auth.login" selected>Logged in</option>' in filtered
