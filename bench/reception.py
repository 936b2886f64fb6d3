"""Logging a visit through HTTP, side by side with a bare sqlite3 insert, on SQLite and
PostgreSQL (acceptance criterion of the reception issue):

    target: the real endpoint reaches at least 40 % of the bare one's throughput,
            with a p95 under 50 ms at 16 concurrent clients.

Run `python -m bench --help` for the options; bench/README.md explains the method.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import secrets
import signal
import sqlite3
import subprocess
import sys
import tempfile
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from bench import bare_app
from bench.load import Browser, LoadResult, Step, run_load
from bench.servers import PASSWORD, PG_ADMIN_URL, ROOT, Round, prepare_round, say, start_gunicorn

TARGET_RATIO = 0.40
TARGET_P95_MS = 50.0
TARGET_CLIENTS = 16
RESULTS_DIR = Path(__file__).resolve().parent / "results"

CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
SERVICE = re.compile(r'name="service-(\d+)"')
SUPPLY = re.compile(r'name="supply-(\d+)"')
AGE_BANDS = ("NK", "20-24", "25-29", "30-34", "35-39", "40-44")
GENDERS = ("", "man", "woman", "not_stated")


# --- the clients ------------------------------------------------------------------------------


def reception_client(port: int, username: str, seed: int) -> Step:
    """Log in as `username`, read the visit screen once, and return the step that posts one
    anonymous visit (1-2 services, 1-3 supplies) with a fresh one-time form token."""
    browser = Browser(port)
    status, page = browser.request("GET", "/login")
    token = CSRF.search(page)
    if status != 200 or token is None:
        raise RuntimeError(f"GET /login answered {status} without a CSRF token")
    status, _ = browser.request(
        "POST",
        "/login",
        {"csrf_token": token.group(1), "username": username, "password": PASSWORD},
    )
    if status != 302:
        raise RuntimeError(f"login as {username} answered {status}, not 302")
    status, page = browser.request("GET", "/reception")
    token = CSRF.search(page)
    services = sorted({int(x) for x in SERVICE.findall(page)})
    supplies = sorted({int(x) for x in SUPPLY.findall(page)})
    if status != 200 or token is None or not services or not supplies:
        raise RuntimeError(f"GET /reception answered {status} without a usable visit form")
    csrf = token.group(1)
    rng = random.Random(seed)
    counter = 0

    def post_visit() -> int:
        nonlocal counter
        counter += 1
        form = {
            "csrf_token": csrf,
            "form_token": secrets.token_urlsafe(24),
            "code": "",
            "gender": rng.choice(GENDERS),
            "age_band": rng.choice(AGE_BANDS),
        }
        for service in rng.sample(services, 1 + counter % 2):  # alternately 1 and 2
            form[f"service-{service}"] = "y"
        for supply in rng.sample(supplies, rng.randint(1, min(3, len(supplies)))):
            form[f"supply-{supply}"] = str(rng.randint(1, 2))  # every maximum is 2 or more
        if counter % 4 == 0:
            form["returned_count"] = str(rng.randint(1, 10))
        status, _ = browser.request("POST", "/reception/visits", form)
        return status

    return post_visit


def bare_client(port: int, seed: int) -> Step:
    browser = Browser(port)
    rng = random.Random(seed)

    def post_row() -> int:
        form = {"site_id": "1", "quantity": str(rng.randint(1, 10))}
        status, _ = browser.request("POST", "/visits", form)
        return status

    return post_row


# --- one round --------------------------------------------------------------------------------


COUNTS = {
    "visits": "SELECT count(*) FROM visits",
    "audit_events": "SELECT count(*) FROM audit_events",
}


def count_rows(round_: Round) -> dict[str, int]:
    """Rows written by the real endpoint, as a sanity check of the successes counted."""
    if round_.engine == "sqlite":
        connection = sqlite3.connect(round_.database_url.removeprefix("sqlite:///"))
        try:
            return {t: connection.execute(q).fetchone()[0] for t, q in COUNTS.items()}
        finally:
            connection.close()
    import psycopg

    schema = round_.database_url.rsplit("%3D", 1)[1]
    with psycopg.connect(PG_ADMIN_URL, options=f"-csearch_path={schema}") as pg:
        counts: dict[str, int] = {}
        for table_name, query in COUNTS.items():
            row = pg.execute(query).fetchone()
            counts[table_name] = row[0] if row else 0
        return counts


def loading(name: str, args: argparse.Namespace) -> str:
    return (
        f"-- {name}: {args.clients} clients, warm-up {args.warmup:g} s,"
        f" measuring {args.duration:g} s"
    )


def run_round(engine: str, args: argparse.Namespace) -> dict[str, Any]:
    say(f"\n== {engine}: preparing a fresh database, keyring and {args.clients} accounts")
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-{engine}-")))
        round_ = prepare_round(stack, engine, tmp, args.clients)

        bare_db = tmp / "bare.db"
        bare_app.create_database(str(bare_db))
        bare_env = {**round_.env, "BENCH_BARE_DB": str(bare_db)}
        bare = start_gunicorn(
            stack,
            "bare sqlite3 app",
            "bench.bare_app:app",
            bare_env,
            tmp / "bare.log",
            workers=args.workers,
            threads=args.threads,
        )
        real = start_gunicorn(
            stack,
            "centre",
            "wsgi:app",
            round_.env,
            tmp / "centre.log",
            workers=args.workers,
            threads=args.threads,
        )

        say(loading("bare", args))
        bare_steps = [bare_client(bare.port, seed=i) for i in range(args.clients)]
        bare_result = run_load(
            "bare sqlite3 insert", bare_steps, warmup=args.warmup, duration=args.duration
        )
        say(f"   {bare_result.requests} rows, {bare_result.throughput:.1f} req/s")

        say(f"-- centre: logging in {args.clients} receptionists (Argon2, once each)")
        real_steps = [
            reception_client(real.port, username, seed=i)
            for i, username in enumerate(round_.usernames)
        ]
        say(loading("centre", args))
        real_result = run_load(
            "centre POST /reception/visits",
            real_steps,
            warmup=args.warmup,
            duration=args.duration,
        )
        say(f"   {real_result.requests} visits, {real_result.throughput:.1f} req/s")
        rows = count_rows(round_)
        say(f"   in the database: {rows['visits']} visits, {rows['audit_events']} audit events")
        for server, result in ((bare, bare_result), (real, real_result)):
            if server.process.poll() is not None:
                say(f"   warning: {server.name} died:\n{server.tail()}")
            elif any(kind.startswith("HTTP 5") for kind in result.errors):
                say(f"   server errors in {server.name}; the end of its log:\n{server.tail(40)}")
        say("-- cleaning up")
    return evaluate(engine, args, bare_result, real_result, rows)


def evaluate(
    engine: str,
    args: argparse.Namespace,
    bare: LoadResult,
    real: LoadResult,
    rows: dict[str, int],
) -> dict[str, Any]:
    ratio = real.throughput / bare.throughput if bare.throughput else math.nan
    p95 = real.percentile_ms(95)
    return {
        "engine": engine,
        "bare": bare.as_dict(),
        "real": real.as_dict(),
        "ratio": round(ratio, 4),
        "rows_written": rows,
        "ratio_ok": ratio >= TARGET_RATIO,
        "p95_ok": p95 < TARGET_P95_MS,
        "pass": ratio >= TARGET_RATIO and p95 < TARGET_P95_MS and real.error_count == 0,
        "at_target_clients": args.clients == TARGET_CLIENTS,
    }


# --- the report -------------------------------------------------------------------------------


def table(result: dict[str, Any], args: argparse.Namespace) -> str:
    head = (
        f"{'endpoint':<31}{'requests':>9}{'errors':>8}{'req/s':>9}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    )
    lines = [
        f"{result['engine']}: {args.clients} clients, {args.workers} workers x {args.threads}"
        f" threads, {args.duration:g} s measured after {args.warmup:g} s warm-up",
        head,
        "-" * len(head),
    ]
    for row in (result["bare"], result["real"]):
        lines.append(
            f"{row['endpoint']:<31}{row['requests']:>9}{row['errors']:>8}"
            f"{row['throughput_rps']:>9.1f}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}"
            f"{row['p99_ms']:>9.1f}"
        )
        if row["error_kinds"]:
            kinds = ", ".join(f"{k}: {v}" for k, v in row["error_kinds"].items())
            lines.append(f"{'':<4}errors: {kinds}")
    ratio, p95 = result["ratio"], result["real"]["p95_ms"]
    lines.append(f"ratio real/bare throughput: {ratio:.1%}")
    verdict = "PASS" if result["pass"] else "MISS"
    note = (
        "" if result["at_target_clients"] else f" (the target is set at {TARGET_CLIENTS} clients)"
    )
    lines.append(
        f"{verdict}: ratio {ratio:.1%} {'>=' if result['ratio_ok'] else '<'} "
        f"{TARGET_RATIO:.0%}, p95 {p95:.1f} ms {'<' if result['p95_ok'] else '>='} "
        f"{TARGET_P95_MS:g} ms"
        + (f", {result['real']['errors']} failed requests" if result["real"]["errors"] else "")
        + note
    )
    return "\n".join(lines)


def git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Log visits through HTTP against a bare sqlite3 insert, on each engine.",
    )
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (both apps)")
    parser.add_argument("--threads", type=int, default=4, help="gthread threads per worker")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds")
    parser.add_argument("--warmup", type=float, default=3.0, help="uncounted seconds first")
    args = parser.parse_args(argv)
    args.engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(args.engines) - {"sqlite", "postgresql"}
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    if args.clients < 1 or args.workers < 1 or args.threads < 1 or args.duration <= 0:
        parser.error("clients, workers, threads and duration must be positive")
    return args


def _terminate(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt  # unwinds through the ExitStacks: servers, schema, temp dirs


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _terminate)
    started = datetime.now(UTC)
    say(
        f"centre reception benchmark: engines {', '.join(args.engines)}; "
        f"{args.clients} clients; gunicorn -w {args.workers} -k gthread --threads {args.threads}; "
        f"{os.cpu_count()} CPUs"
    )
    results: list[dict[str, Any]] = []
    try:
        for engine in args.engines:
            results.append(run_round(engine, args))
    except KeyboardInterrupt:
        say("\ninterrupted: servers stopped, temporary files removed")
        return 130

    say("\n" + "=" * 84)
    for result in results:
        say(table(result, args))
        say("")
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{started.strftime('%Y%m%dT%H%M%SZ')}.json"
    report = {
        "started_at": started.isoformat(),
        "commit": git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "settings": {
            "engines": args.engines,
            "workers": args.workers,
            "threads": args.threads,
            "clients": args.clients,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
        },
        "targets": {"ratio": TARGET_RATIO, "p95_ms": TARGET_P95_MS, "clients": TARGET_CLIENTS},
        "results": results,
    }
    path.write_text(json.dumps(report, indent=2) + "\n")
    say(f"results written to {path.relative_to(ROOT)}")
    return 0 if all(r["pass"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
