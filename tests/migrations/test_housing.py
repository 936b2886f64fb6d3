"""fdf0912362e9 housing: up and down with data in place, on both engines.

Earlier rows (accounts, persons, partners, case files) come through both ways untouched; the
default ladder is there after the upgrade; the new tables take programmes, beds, blocks,
stays and applications, and the database itself keeps one open stay per bed; going down
removes them, and going up again works.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError

from tests.migrations.test_case_files import execute, rows
from tests.migrations.test_migrations import run

BEFORE, HOUSING, BY_EXIT = "a4c6e8f0b2d4", "fdf0912362e9", "b7d2e4f6a8c1"
NEW_TABLES = {
    "ladder_steps",
    "housing_programmes",
    "beds",
    "bed_blocks",
    "stays",
    "stay_events",
    "housing_applications",
    "housing_application_events",
}


def earlier_rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    return {
        "users": rows(engine, "SELECT id, username, role FROM users ORDER BY id"),
        "persons": rows(engine, "SELECT id, code FROM persons ORDER BY id"),
        "partners": rows(engine, "SELECT id, name FROM partners ORDER BY id"),
        "case_files": rows(engine, "SELECT id, person_id, status FROM case_files ORDER BY id"),
    }


def test_housing_up_and_down_with_data(engine: Engine) -> None:
    run(engine, "upgrade", BEFORE)
    execute(
        engine,
        "INSERT INTO users (id, username, role, password_hash, active, must_change_password,"
        " created_at) VALUES (1, 'worker', 'social_worker', 'x', true, false, :now)",
        "INSERT INTO persons (id, code, gender, birth_year, created_at, last_activity_at)"
        " VALUES (1, 'KX7P-3M9Q', 'not_stated', 1985, :now, :now),"
        " (2, 'HT4R-8N2W', 'not_stated', NULL, :now, :now)",
        "INSERT INTO partners (id, name, kind, accepts_uninsured, low_threshold, active,"
        " created_at, version) VALUES (1, 'AIS Bruxelles', 'housing', false, false, true,"
        " :now, 1)",
        "INSERT INTO case_files (id, person_id, status, key_worker_id, opened_on, created_at,"
        " created_by_id, version) VALUES (1, 1, 'open', 1, '2026-11-01', :now, 1, 1)",
    )
    before = earlier_rows(engine)

    run(engine, "upgrade", HOUSING)
    assert earlier_rows(engine) == before
    assert set(inspect(engine).get_table_names()) >= NEW_TABLES
    ladder = rows(engine, "SELECT key FROM ladder_steps ORDER BY sort_order")
    assert [key for (key,) in ladder] == [
        "street",
        "emergency",
        "transit_home",
        "supported",
        "independent",
    ]
    execute(
        engine,
        "INSERT INTO housing_programmes (id, name, type, site_id, capacity, capacity_unit,"
        " max_nights, ladder_step_id, active, created_at, version)"
        " SELECT 1, 'Crisis beds', 'emergency_shelter', min(s.id), 2, 'beds', 13,"
        " (SELECT id FROM ladder_steps WHERE key = 'emergency'), true, :now, 1 FROM sites s",
        "INSERT INTO housing_programmes (id, name, type, partner_id, capacity, capacity_unit,"
        " ladder_step_id, active, created_at, version) SELECT 2, 'AIS flats',"
        " 'social_rental_agency', 1, 10, 'units', id, true, :now, 1 FROM ladder_steps"
        " WHERE key = 'independent'",
        "INSERT INTO beds (id, programme_id, position, active) VALUES (1, 1, 1, true),"
        " (2, 1, 2, true)",
        "INSERT INTO bed_blocks (bed_id, from_night, reason, by_id, created_at)"
        " VALUES (2, '2026-11-20', 'repair', 1, :now)",
        "INSERT INTO stays (id, person_id, programme_id, bed_id, entry_on, created_at,"
        " created_by_id, version) VALUES (1, 1, 1, 1, '2026-11-20', :now, 1, 1)",
        'INSERT INTO stay_events (stay_id, kind, "on", at, by_id)'
        " VALUES (1, 'entered', '2026-11-20', :now, 1)",
        "INSERT INTO housing_applications (id, programme_id, person_id, applied_on, worker_id,"
        " priority, status, status_on, created_at, version) VALUES (1, 2, 1, '2026-11-21', 1,"
        " 'urgent', 'waiting', '2026-11-21', :now, 1)",
        'INSERT INTO housing_application_events (application_id, status, priority, "on",'
        " at, by_id) VALUES (1, 'waiting', 'urgent', '2026-11-21', :now, 1)",
    )
    # The database itself: one open stay per bed; an exit has its destination; a programme
    # is the centre's or a partner's, never both.
    with pytest.raises(IntegrityError):
        execute(
            engine,
            "INSERT INTO stays (person_id, programme_id, bed_id, entry_on, created_at,"
            " created_by_id, version) VALUES (2, 1, 1, '2026-11-21', :now, 1, 1)",
        )
    with pytest.raises(IntegrityError):
        execute(engine, "UPDATE stays SET exit_on = '2026-11-22' WHERE id = 1")
    with pytest.raises(IntegrityError):
        execute(engine, "UPDATE housing_programmes SET partner_id = 1 WHERE id = 1")

    # b7d2e4f6a8c1 indexes the stays by exit date, the rows untouched, and takes it back.
    stays = rows(engine, "SELECT id, person_id, bed_id, entry_on, exit_on FROM stays")
    run(engine, "upgrade", BY_EXIT)
    assert "ix_stays_exit_on" in {i["name"] for i in inspect(engine).get_indexes("stays")}
    assert rows(engine, "SELECT id, person_id, bed_id, entry_on, exit_on FROM stays") == stays
    run(engine, "downgrade", HOUSING)
    assert "ix_stays_exit_on" not in {i["name"] for i in inspect(engine).get_indexes("stays")}

    run(engine, "downgrade", BEFORE)
    assert earlier_rows(engine) == before
    assert not NEW_TABLES & set(inspect(engine).get_table_names())

    run(engine, "upgrade", HOUSING)
    assert earlier_rows(engine) == before
    assert len(rows(engine, "SELECT id FROM ladder_steps")) == 5
