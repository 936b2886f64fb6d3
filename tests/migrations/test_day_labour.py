"""1a2c4a7473eb day labour: up and down with data in place, on both engines.

Earlier rows come through both ways untouched; the task types and the progression are
seeded; offers, sign-ups, pay lines and phase steps go in, money as exact decimals, and the
database refuses a second pay line for one sign-up; going down removes them, up works again.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.migrations.test_case_files import execute, rows
from tests.migrations.test_migrations import run

BEFORE, DAY_LABOUR = "b7d2e4f6a8c1", "1a2c4a7473eb"
NEW_TABLES = {
    "task_types",
    "work_phases",
    "work_offers",
    "work_signups",
    "work_pay_lines",
    "work_phase_steps",
}


def earlier_rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    return {
        "users": rows(engine, "SELECT id, username FROM users ORDER BY id"),
        "persons": rows(engine, "SELECT id, code FROM persons ORDER BY id"),
        "stays": rows(engine, "SELECT id, person_id FROM stays ORDER BY id"),
    }


def test_day_labour_up_and_down_with_data(engine: Engine) -> None:
    run(engine, "upgrade", BEFORE)
    execute(
        engine,
        "INSERT INTO users (id, username, role, password_hash, active, must_change_password,"
        " created_at) VALUES (1, 'crew', 'social_worker', 'x', true, false, :now)",
        "INSERT INTO persons (id, code, gender, birth_year, created_at, last_activity_at)"
        " VALUES (1, 'KX7P-3M9Q', 'not_stated', 1985, :now, :now)",
    )
    before = earlier_rows(engine)

    run(engine, "upgrade", DAY_LABOUR)
    assert earlier_rows(engine) == before
    assert set(inspect(engine).get_table_names()) >= NEW_TABLES
    assert len(rows(engine, "SELECT id FROM task_types")) == 7
    phases = rows(engine, "SELECT key FROM work_phases ORDER BY sort_order")
    assert [key for (key,) in phases] == [
        "first_day_jobs",
        "regular_day_jobs",
        "longer_contract",
        "training",
        "regular_job",
    ]
    # Money and hours as the column type writes them: NUMERIC on PostgreSQL, on SQLite whole
    # hundredths (centre.db.ExactDecimal), so 10.25 an hour is 1025 there.
    exact = engine.dialect.name == "postgresql"
    values = (
        {"rate": Decimal("10.25"), "hours": Decimal("3.75"), "amount": Decimal("38.44")}
        if exact
        else {"rate": 1025, "hours": 375, "amount": 3844}
    )
    pay_line = text(
        "INSERT INTO work_pay_lines (person_id, offer_id, signup_id, kind, hours, hourly_rate,"
        " amount, paid_at, paid_by_id)"
        " VALUES (1, 1, 1, 'pay', :hours, :rate, :amount, '2026-11-30 12:00:00', 1)"
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                'INSERT INTO work_offers (id, "on", starts_at, ends_at, task_type_id, place,'
                " places, hourly_rate, supervisor_id, phase_id, status, created_at,"
                " created_by_id, version) SELECT 1, '2026-11-30', '08:00:00', '12:00:00', t.id,"
                " 'Parc', 7, :rate, 1, p.id, 'open', '2026-11-30 07:00:00', 1, 1"
                " FROM task_types t, work_phases p"
                " WHERE t.key = 'gardening' AND p.key = 'first_day_jobs'"
            ),
            values,
        )
        connection.execute(
            text(
                "INSERT INTO work_signups (id, offer_id, person_id, attendance, hours,"
                " created_at, created_by_id, version)"
                " VALUES (1, 1, 1, 'present', :hours, '2026-11-30 07:00:00', 1, 1)"
            ),
            values,
        )
        connection.execute(pay_line, values)
        connection.execute(
            text(
                "INSERT INTO work_phase_steps (person_id, phase_id, reached_on, created_at,"
                " by_id) SELECT 1, id, '2026-11-30', '2026-11-30 07:00:00', 1 FROM work_phases"
                " WHERE key = 'first_day_jobs'"
            )
        )
    assert rows(engine, "SELECT amount FROM work_pay_lines") == [(values["amount"],)]
    # Pay recorded twice for one sign-up: the database refuses the second line.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(pay_line, values)

    run(engine, "downgrade", BEFORE)
    assert earlier_rows(engine) == before
    assert not NEW_TABLES & set(inspect(engine).get_table_names())
    run(engine, "upgrade", DAY_LABOUR)
    assert len(rows(engine, "SELECT id FROM work_phases")) == 5
