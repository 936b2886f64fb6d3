"""The database layer (centre/db.py): UTC timestamps. SQLite's own machinery, the writer queue
and the write lock, is tested in tests/test_sqlite.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from centre.db import UTCDateTime


def test_utc_type_refuses_naive_and_normalises_offsets() -> None:
    column = UTCDateTime()

    # A stand-in for SQLAlchemy's Dialect: the type reads nothing of it but its name, hence the
    # arg-type ignores below.
    class Dialect:
        name = "postgresql"

    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2026, 1, 1), Dialect())  # type: ignore[arg-type]  # noqa: DTZ001
    brussels_noon = datetime(2026, 7, 1, 12, tzinfo=timezone(timedelta(hours=2)))
    stored = column.process_bind_param(brussels_noon, Dialect())  # type: ignore[arg-type]
    assert stored == datetime(2026, 7, 1, 10, tzinfo=UTC)
