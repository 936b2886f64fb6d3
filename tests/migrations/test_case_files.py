"""eefdc66d6575 case files and a4c6e8f0b2d4 visits by person: up and down with data in place.

The earlier rows (accounts, persons, consents, visits) come through both ways untouched; the
new tables take rows; going down removes them with what has no place in the older schema
(consents to share with partners, merges), and going up again works.
"""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from tests.migrations.test_migrations import run

BEFORE, CASES, HEAD = "c5d7e9f1b345", "eefdc66d6575", "a4c6e8f0b2d4"
NOW = "2026-11-29 10:00:00"
NEW_TABLES = {
    "case_files",
    "case_events",
    "goals",
    "goal_changes",
    "notes",
    "referrals",
    "referral_events",
    "insurance_records",
    "reaffiliation_events",
    "substance_assessments",
    "person_merges",
    "partners",
    "partner_communes",
    "partner_languages",
}


def execute(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"now": NOW})


def rows(engine: Engine, query: str) -> list[tuple[object, ...]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(text(query))]


def earlier_rows(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    return {
        "users": rows(engine, "SELECT id, username, role FROM users ORDER BY id"),
        "persons": rows(engine, "SELECT id, code, birth_year FROM persons ORDER BY id"),
        "consents": rows(engine, "SELECT id, person_id, scope FROM consents ORDER BY id"),
        "visits": rows(engine, "SELECT id, person_id, site_id FROM visits ORDER BY id"),
    }


def test_case_files_up_and_down_with_data(engine: Engine) -> None:
    run(engine, "upgrade", BEFORE)
    execute(
        engine,
        "INSERT INTO users (id, username, role, password_hash, active, must_change_password,"
        " created_at) VALUES (1, 'worker', 'social_worker', 'x', true, false, :now)",
        "INSERT INTO persons (id, code, gender, birth_year, created_at, last_activity_at)"
        " VALUES (1, 'KX7P-3M9Q', 'not_stated', 1985, :now, :now),"
        " (2, 'HT4R-8N2W', 'not_stated', NULL, :now, :now)",
        "INSERT INTO consents (id, person_id, scope, method, given_at, given_by_id)"
        " VALUES (1, 1, 'identity', 'oral', :now, 1)",
        "INSERT INTO visits (id, site_id, person_id, gender, age_band, womens_space,"
        " occurred_at, shift_day, shift_index, created_by_id, created_at)"
        " SELECT 1, min(id), 1, 'not_stated', 'NK', false, :now, '2026-11-29', 0, 1, :now"
        " FROM sites",
    )
    before = earlier_rows(engine)
    assert before["visits"] and before["consents"]

    run(engine, "upgrade", HEAD)
    assert earlier_rows(engine) == before
    assert set(inspect(engine).get_table_names()) >= NEW_TABLES
    indexes = {i["name"] for i in inspect(engine).get_indexes("visits")}
    assert "ix_visits_person_occurred" in indexes and "ix_visits_person_id" not in indexes
    execute(
        engine,
        "INSERT INTO consents (id, person_id, scope, method, given_at, given_by_id)"
        " VALUES (2, 1, 'sharing_with_partners', 'oral', :now, 1)",
        "UPDATE persons SET merged_into_id = 1 WHERE id = 2",
        "INSERT INTO person_merges (kept_id, merged_id, moved, merged_at, merged_by_id)"
        " VALUES (1, 2, '{}', :now, 1)",
        "INSERT INTO case_files (id, person_id, status, key_worker_id, opened_on, created_at,"
        " created_by_id, version) VALUES (1, 1, 'open', 1, '2026-11-01', :now, 1, 1)",
        "INSERT INTO partners (id, name, kind, accepts_uninsured, low_threshold, active,"
        " created_at, version) VALUES (1, 'Maison médicale', 'general_practice', true, true,"
        " true, :now, 1)",
        "INSERT INTO partner_communes (partner_id, commune) VALUES (1, 'schaerbeek')",
        "INSERT INTO referrals (id, person_id, case_id, partner_id, help, referred_on, urgency,"
        " worker_id, status, shares_identity, created_at, version) VALUES (1, 1, 1, 1,"
        " 'general_practice', '2026-11-02', 'routine', 1, 'sent', false, :now, 1)",
    )
    # The database itself keeps one open case per person, and the new scope's closed list.
    with pytest.raises(IntegrityError):
        execute(
            engine,
            "INSERT INTO case_files (person_id, status, key_worker_id, opened_on, created_at,"
            " created_by_id, version) VALUES (1, 'reopened', 1, '2026-11-03', :now, 1, 1)",
        )
    with pytest.raises(IntegrityError):
        execute(
            engine,
            "INSERT INTO consents (person_id, scope, method, given_at, given_by_id)"
            " VALUES (1, 'anything', 'oral', :now, 1)",
        )

    run(engine, "downgrade", BEFORE)
    assert earlier_rows(engine) == before  # the partners' consent gone, the rest as it was
    assert not NEW_TABLES & set(inspect(engine).get_table_names())
    assert "merged_into_id" not in {c["name"] for c in inspect(engine).get_columns("persons")}
    with pytest.raises(IntegrityError):
        execute(
            engine,
            "INSERT INTO consents (person_id, scope, method, given_at, given_by_id)"
            " VALUES (1, 'sharing_with_partners', 'oral', :now, 1)",
        )

    run(engine, "upgrade", HEAD)
    assert earlier_rows(engine) == before
