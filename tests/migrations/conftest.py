"""What migration tests share: an empty database of their own on each engine."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from centre import db
from tests.conftest import ENGINES, drop_database, fresh_database_url


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh database named after the test module, dropped afterwards."""
    name = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")
    url = fresh_database_url(str(request.param), tmp_path, name)
    made = db.make_engine(url)
    yield made
    made.dispose()
    drop_database(url)
