"""What one visit costs inside the process, without HTTP, threads or other clients:

    python -m bench.cost [--engines sqlite,postgresql] [--visits 300]

Side by side in the same run: the real `POST /reception/visits` (logged in, CSRF, form,
validation, audit, commit) and the bare sqlite3 endpoint, both through Flask's test client.
It also lists the SQL statements one visit sends. The HTTP benchmark (`python -m bench`)
says how this cost turns into throughput under load; this one says where to look.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from bench import bare_app
from bench.reception import CSRF, SERVICE, SUPPLY
from bench.servers import PASSWORD, prepare_round, say

BATCHES = 5


def per_request_ms(post: Callable[[], None], visits: int) -> tuple[float, float]:
    """Best and median milliseconds per request over BATCHES batches, after a warm-up."""
    for _ in range(50):
        post()
    batches = []
    for _ in range(BATCHES):
        started = time.perf_counter()
        for _ in range(visits):
            post()
        batches.append((time.perf_counter() - started) / visits * 1000)
    batches.sort()
    return batches[0], batches[len(batches) // 2]


def real_visit_poster(app: Any) -> Callable[[], None]:
    client = app.test_client()
    token = CSRF.search(client.get("/login").text)
    if token is None:
        raise RuntimeError("GET /login has no CSRF token")
    response = client.post(
        "/login", data={"csrf_token": token[1], "username": "bench1", "password": PASSWORD}
    )
    if response.status_code != 302:
        raise RuntimeError(f"login answered {response.status_code}")
    page = client.get("/reception").text
    csrf = CSRF.search(page)
    services = sorted({int(x) for x in SERVICE.findall(page)})
    supplies = sorted({int(x) for x in SUPPLY.findall(page)})
    if csrf is None or not services or len(supplies) < 2:
        raise RuntimeError("GET /reception has no usable visit form")

    def post() -> None:
        response = client.post(
            "/reception/visits",
            data={
                "csrf_token": csrf[1],
                "form_token": secrets.token_urlsafe(24),
                "code": "",
                "age_band": "NK",
                f"service-{services[0]}": "y",
                f"supply-{supplies[0]}": "2",
                f"supply-{supplies[1]}": "1",
            },
        )
        if response.status_code != 302:
            raise RuntimeError(f"visit answered {response.status_code}")

    return post


def statements_of_one_visit(app: Any, post: Callable[[], None]) -> list[str]:
    from sqlalchemy import event

    from centre import db

    with app.app_context():
        engine = db.database().engine
    seen: list[str] = []

    def _note(*args: Any) -> None:
        seen.append(" ".join(args[2].split())[:90])

    event.listen(engine, "before_cursor_execute", _note)
    post()
    event.remove(engine, "before_cursor_execute", _note)
    return seen


def measure(engine: str, visits: int) -> None:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="centre-cost-")))
        round_ = prepare_round(stack, engine, tmp, users=1)
        os.environ.update(round_.env)
        from centre import create_app

        app = create_app()
        post = real_visit_poster(app)
        real_best, real_median = per_request_ms(post, visits)
        statements = statements_of_one_visit(app, post)
        app.extensions["centre.db"].engine.dispose()

        bare_db = tmp / "bare.db"
        bare_app.create_database(str(bare_db))
        os.environ["BENCH_BARE_DB"] = str(bare_db)
        bare = bare_app.app.test_client()

        def post_bare() -> None:
            if bare.post("/visits", data={"site_id": "1", "quantity": "1"}).status_code != 302:
                raise RuntimeError("the bare endpoint did not answer 302")

        bare_best, bare_median = per_request_ms(post_bare, visits)
        with sqlite3.connect(bare_db) as check:
            bare_rows = check.execute("SELECT count(*) FROM visits").fetchone()[0]

    say(f"\n{engine}: {visits} visits x {BATCHES} batches, in-process (Flask test client)")
    say(f"  bare sqlite3 insert            best {bare_best:6.2f} ms   median {bare_median:6.2f} ms")
    say(f"  centre POST /reception/visits  best {real_best:6.2f} ms   median {real_median:6.2f} ms")
    say(f"  throughput ratio real/bare: {bare_best / real_best:.1%}; bare rows: {bare_rows}")
    say(f"  SQL statements for one visit: {len(statements)}")
    for statement in statements:
        say(f"    {statement}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cost", description=__doc__)
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--visits", type=int, default=300, help="visits per batch")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if len(engines) == 1:
        measure(engines[0], args.visits)
        return 0
    # One process per engine: the app's configuration is read from the environment once.
    for engine in engines:
        command = [sys.executable, "-m", "bench.cost", "--engines", engine]
        done = subprocess.run([*command, "--visits", str(args.visits)], check=False)
        if done.returncode != 0:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
