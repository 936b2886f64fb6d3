"""The database layer: UTC timestamps, and SQLite write transactions that lock up front."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest
from flask import Flask
from sqlalchemy import event

from centre.auth.models import Role
from centre.db import UTCDateTime
from tests.conftest import Browser


@pytest.fixture
def statements(app: Flask) -> Iterator[list[str]]:
    """The SQL the app sends while the test runs (SQLite only: the lock is SQLite's)."""
    engine = app.extensions["centre.db"].engine
    if engine.dialect.name != "sqlite":
        pytest.skip("BEGIN IMMEDIATE is SQLite's way to take the write lock")
    seen: list[str] = []

    def _record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(
            statement.split()[0].upper() + (" IMMEDIATE" if "IMMEDIATE" in statement else "")
        )

    event.listen(engine, "before_cursor_execute", _record)
    yield seen
    event.remove(engine, "before_cursor_execute", _record)


def test_a_post_takes_the_write_lock_before_reading_anything(
    login_as: Callable[..., Browser], statements: list[str]
) -> None:
    staff = login_as(Role.RECEPTION)
    staff.get("/people/new")
    statements.clear()
    staff.post("/people/new", {"gender": "not_stated"})
    # The session interface reads in its own short transaction; then the request's own
    # transaction starts, and it must start with the lock, before the user is loaded.
    begins = [i for i, s in enumerate(statements) if s.startswith("BEGIN")]
    request_begin = begins[1]
    assert statements[request_begin] == "BEGIN IMMEDIATE", statements
    assert "INSERT" in statements[request_begin:]


def test_a_plain_get_does_not_lock(login_as: Callable[..., Browser], statements: list[str]) -> None:
    staff = login_as(Role.RECEPTION)
    staff.get("/people")
    statements.clear()
    staff.get("/people")
    assert "BEGIN IMMEDIATE" not in statements and "BEGIN" in statements


def test_utc_type_refuses_naive_and_normalises_offsets() -> None:
    column = UTCDateTime()

    class Dialect:
        name = "postgresql"

    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2026, 1, 1), Dialect())  # type: ignore[arg-type]  # noqa: DTZ001
    brussels_noon = datetime(2026, 7, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    stored = column.process_bind_param(brussels_noon, Dialect())  # type: ignore[arg-type]
    assert stored == datetime(2026, 7, 1, 10, tzinfo=UTC)
