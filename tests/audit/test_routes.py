"""The administrator's audit page lists and filters events, ids only."""

from __future__ import annotations

from collections.abc import Callable

from centre.auth.models import Role
from tests.conftest import Browser


def test_admin_lists_and_filters_events(login_as: Callable[..., Browser]) -> None:
    staff = login_as(Role.RECEPTION)
    staff.get("/admin/users")  # refused, and audited
    admin = login_as(Role.ADMIN)
    html = admin.get("/admin/audit").get_data(as_text=True)
    assert "auth.login" in html and "auth.access_refused" in html
    html = admin.get("/admin/audit?outcome=refused").get_data(as_text=True)
    assert "auth.access_refused" in html and "<code>auth.login</code>" not in html
    html = admin.get("/admin/audit?action=user.created&since=2000-01-01&until=2999-12-31").get_data(
        as_text=True
    )
    assert "user.created" in html
    html = admin.get("/admin/audit?since=not-a-date&person=abc").get_data(as_text=True)
    assert "auth.login" in html  # bad filters are ignored, not an error
