"""The baseline: a bare Flask endpoint that inserts one row with the raw `sqlite3` module.

No login, no CSRF, no ORM, no audit: one connection per request, WAL mode, the same busy
timeout and `synchronous` level as the real app's SQLite engine. Served by gunicorn with the
same worker settings as the real app (`gunicorn bench.bare_app:app`); the database file comes
from BENCH_BARE_DB and its table is created by the harness before the workers start.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime

from flask import Flask, redirect, request
from werkzeug.wrappers import Response

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS visits ("
    " id INTEGER PRIMARY KEY,"
    " site_id INTEGER NOT NULL,"
    " occurred_at TEXT NOT NULL,"
    " quantity INTEGER NOT NULL)"
)


def connect(path: str) -> sqlite3.Connection:
    connection = sqlite3.connect(path, timeout=10.0, isolation_level=None)
    connection.execute("PRAGMA busy_timeout = 10000")
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")  # as the real app's SQLite engine
    return connection


def create_database(path: str) -> None:
    connection = connect(path)
    try:
        connection.execute(SCHEMA)
    finally:
        connection.close()


app = Flask(__name__)


@app.post("/visits")
def log_visit() -> Response:
    site_id = request.form.get("site_id", 1, type=int)
    quantity = request.form.get("quantity", 1, type=int)
    connection = connect(os.environ["BENCH_BARE_DB"])
    try:
        connection.execute(
            "INSERT INTO visits (site_id, occurred_at, quantity) VALUES (?, ?, ?)",
            (site_id, datetime.now(UTC).isoformat(), quantity),
        )
    finally:
        connection.close()
    # Answer like the real endpoint (post/redirect/get), so both count 302 as a success.
    return redirect("/", code=302)


@app.get("/healthz")
def healthz() -> dict[str, str]:
    return {"status": "ok"}
