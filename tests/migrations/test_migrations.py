"""Alembic owns the schema: every revision goes up and down, and head equals the models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, inspect

from centre import db
from centre.cli import alembic_config
from centre.db import Base
from tests.conftest import ENGINES, drop_database, fresh_database_url

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


@pytest.fixture(params=ENGINES)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    url = fresh_database_url(str(request.param), tmp_path, "migrations")
    engine = db.make_engine(url)
    yield engine
    engine.dispose()
    drop_database(url)


def run(engine: Engine, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["configure_logging"] = False
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        getattr(command, action)(config, revision)
        connection.commit()


def differences(engine: Engine, metadata: MetaData) -> list[object]:
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, metadata))


def revisions_in_order(config: AlembicConfig) -> list[str]:
    script = ScriptDirectory.from_config(config)
    return [r.revision for r in reversed(list(script.walk_revisions("base", "heads")))]


def test_there_is_one_head_and_files_are_dated() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    for path in VERSIONS.glob("*.py"):
        date, time = path.name.split("_")[:2]
        assert len(date) == 8 and date.isdigit() and len(time) == 4 and time.isdigit(), path.name


def test_head_schema_equals_the_models(empty_engine: Engine) -> None:
    run(empty_engine, "upgrade", "head")
    assert differences(empty_engine, Base.metadata) == []


def test_every_revision_upgrades_and_downgrades(empty_engine: Engine) -> None:
    revisions = revisions_in_order(alembic_config())
    assert revisions, "no migration found"
    for revision in revisions:
        run(empty_engine, "upgrade", revision)
        run(empty_engine, "downgrade", "-1")
        run(empty_engine, "upgrade", revision)
    run(empty_engine, "downgrade", "base")
    assert set(inspect(empty_engine).get_table_names()) <= {"alembic_version"}
    run(empty_engine, "upgrade", "head")
    assert differences(empty_engine, Base.metadata) == []


def test_a_model_change_without_migration_is_detected(empty_engine: Engine) -> None:
    """The check behind `make lint` (`flask db check`) must fail on drift."""
    run(empty_engine, "upgrade", "head")
    drifted = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(drifted)
    Table("visits_unmigrated", drifted, Column("id", Integer, primary_key=True))
    drifted.tables["users"].append_column(Column("nickname", String(40)))
    found = differences(empty_engine, drifted)
    kinds = {(d[0], getattr(d[-1], "name", None)) for d in found if isinstance(d, tuple)}
    assert ("add_table", "visits_unmigrated") in kinds
    assert ("add_column", "nickname") in kinds


def test_key_store_has_its_own_history_up_down_and_equal_to_its_table(
    empty_engine: Engine,
) -> None:
    from centre.privacy.keystore import keystore_alembic_config, metadata

    config = keystore_alembic_config()
    with empty_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()
    assert {"data_keys", "keystore_alembic_version"} <= set(inspect(empty_engine).get_table_names())
    with empty_engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={"compare_type": True, "version_table": "keystore_alembic_version"},
        )
        assert list(compare_metadata(context, metadata)) == []
    with empty_engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
        connection.commit()
    assert "data_keys" not in inspect(empty_engine).get_table_names()
