"""Social workers' pages at a centre's scale, in-process, beside hand-written SQL:

    python -m bench.casework [--engines sqlite,postgresql] [--persons 5000] [--notes 20000]
                             [--referrals 10000] [--visits 200000] [--requests 30]

One world per engine (a migrated database, as `python -m bench` makes it), filled with
generated rows: persons, their case files, goals, notes (random bytes where the sealed body
would be), referrals with their steps, visits, rights steps and a partner directory. Then,
through Flask's test client and logged in as a social worker with a full caseload:

- "my caseload" (`/cases`, first page, sorted by follow-up and by last contact);
- the pathway page of the person with the most rows, and of a median person;
- a directory search by commune and language, and by a word of text;
- the social worker's home page (due and overdue follow-ups).

Beside each page, the same rows read by a hand-written SQL statement on the engine's own
DBAPI connection (no ORM, no template): the floor the page's query could reach. Timings are
the median and 95th percentile (nearest rank) of `--requests` requests after five unmeasured.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.servers import PASSWORD, prepare_round, say

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
WARMUP = 5
SOCIAL_WORKERS = 30
PARTNERS = 400
CHUNK = 5_000
THROWAWAY_KEY = os.urandom(32)
SIZES = ("persons", "notes", "referrals", "visits", "requests")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def timed(call: Callable[[], Any], requests: int) -> tuple[float, float]:
    """Median and p95 milliseconds of `requests` calls, after WARMUP unmeasured ones."""
    for _ in range(WARMUP):
        call()
    spent = []
    for _ in range(requests):
        started = time.perf_counter()
        call()
        spent.append((time.perf_counter() - started) * 1000)
    return percentile(spent, 0.5), percentile(spent, 0.95)


# --- the generated world ----------------------------------------------------------------------


class World:
    """Generated rows, inserted in chunks through Core (no unit of work, no audit)."""

    def __init__(self, session: Any, rng: random.Random, now: datetime) -> None:
        self.session = session
        self.rng = rng
        self.now = now
        self.today = now.date()

    def insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        from sqlalchemy import insert

        for start in range(0, len(rows), CHUNK):
            self.session.execute(insert(model), rows[start : start + CHUNK])

    def ids(self, model: Any) -> list[int]:
        from sqlalchemy import select

        return list(self.session.scalars(select(model.id).order_by(model.id)))

    def moment(self, days_back: int) -> datetime:
        return self.now - timedelta(
            days=self.rng.randint(0, days_back), minutes=self.rng.randint(0, 1440)
        )


def sealed(length: int) -> bytes:
    """A blob of a sealed text's shape and size, under a throwaway key (never read back)."""
    from centre.privacy.crypto import seal

    return seal(THROWAWAY_KEY, os.urandom(length), b"bench")


def weights(persons: int, visits: int, rng: random.Random) -> list[float]:
    """How busy each person is: a long tail, the busiest seen about daily for ten years."""
    drawn = [rng.paretovariate(1.2) for _ in range(persons)]
    ceiling = 3650 / visits * sum(drawn)
    return [min(w, ceiling) for w in drawn]


def build(app: Any, args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import select

    from centre import db
    from centre.auth import services as accounts
    from centre.auth.models import Role, User
    from centre.cases import models as cases
    from centre.catalogues.models import Site
    from centre.directory import models as directory
    from centre.people.models import Person
    from centre.people.services import generate_code
    from centre.reception.models import Visit

    rng = random.Random(20261129)
    with app.app_context():
        session = db.session()
        world = World(session, rng, datetime.now(UTC))
        policy = accounts.PasswordPolicy(
            time_cost=app.config["PASSWORD_HASH_TIME_COST"],
            memory_cost=app.config["PASSWORD_HASH_MEMORY_COST"],
        )
        password_hash = accounts.hash_password(policy, PASSWORD)
        world.insert(
            User,
            [
                {
                    "username": f"worker{i}",
                    "role": Role.SOCIAL_WORKER,
                    "password_hash": password_hash,
                    "must_change_password": False,
                    "password_changed_at": world.now,
                }
                for i in range(1, SOCIAL_WORKERS + 1)
            ],
        )
        workers = list(
            session.scalars(
                select(User.id).where(User.role == Role.SOCIAL_WORKER).order_by(User.id)
            )
        )
        site_ids = list(session.scalars(select(Site.id)))

        codes: set[str] = set()
        while len(codes) < args.persons:
            codes.add(generate_code())
        world.insert(
            Person,
            [
                {
                    "code": code,
                    "created_at": world.moment(3650),
                    "last_activity_at": world.moment(400),
                }
                for code in sorted(codes)
            ],
        )
        persons = world.ids(Person)
        busy = weights(len(persons), args.visits, rng)
        say(f"   {len(persons)} persons, {len(workers)} social workers")

        # Cases: 30 % of persons have one; four in five open; worker1 gets a full caseload.
        with_case = rng.sample(persons, int(len(persons) * 0.3))
        case_rows = []
        for n, person_id in enumerate(with_case):
            is_open = n % 5 != 0
            opened = world.today - timedelta(days=rng.randint(30, 1500))
            case_rows.append(
                {
                    "person_id": person_id,
                    "status": cases.CaseStatus.OPEN if is_open else cases.CaseStatus.CLOSED,
                    "key_worker_id": workers[0] if n < 60 else rng.choice(workers),
                    "second_worker_id": workers[0] if 60 <= n < 75 else None,
                    "opened_on": opened,
                    "closed_on": None if is_open else opened + timedelta(days=20),
                    "closure_reason": None if is_open else cases.ClosureReason.LOST_CONTACT,
                    "created_by_id": workers[0],
                    "created_at": world.now,
                }
            )
        world.insert(cases.CaseFile, case_rows)
        case_of = dict(session.execute(select(cases.CaseFile.person_id, cases.CaseFile.id)).all())
        world.insert(
            cases.CaseEvent,
            [
                {
                    "case_id": case_id,
                    "kind": cases.CaseEventKind.OPENED,
                    "on": world.today,
                    "at": world.moment(1500),
                    "by_id": workers[0],
                }
                for case_id in case_of.values()
            ],
        )
        goal_rows = [
            {
                "case_id": case_id,
                "domain": rng.choice(list(cases.LifeDomain)),
                "title": f"Goal {k}",
                "status": rng.choice(list(cases.GoalStatus)),
                "agreed_on": world.today - timedelta(days=200),
                "next_review_on": world.today + timedelta(days=rng.randint(-60, 60)),
                "created_by_id": workers[0],
                "created_at": world.now,
            }
            for case_id in case_of.values()
            for k in range(3)
        ]
        world.insert(cases.Goal, goal_rows)
        world.insert(
            cases.GoalChange,
            [
                {
                    "goal_id": goal_id,
                    "status": cases.GoalStatus.PROPOSED,
                    "at": world.moment(200),
                    "by_id": workers[0],
                }
                for goal_id in world.ids(cases.Goal)
            ],
        )
        say(f"   {len(case_of)} case files, {len(goal_rows)} goals")

        # Notes and referrals go to persons with a case, the busiest most often.
        case_persons = list(case_of)
        case_busy = [busy[persons.index(p)] for p in case_persons]
        world.insert(
            cases.Note,
            [
                {
                    "person_id": person_id,
                    "case_id": case_of[person_id],
                    "kind": rng.choice(list(cases.NoteKind)),
                    "written_on": world.today - timedelta(days=rng.randint(0, 1500)),
                    "author_id": rng.choice(workers),
                    "body": sealed(rng.randint(200, 1200)),
                    "created_at": world.moment(1500),
                }
                for person_id in rng.choices(case_persons, case_busy, k=args.notes)
            ],
        )
        say(f"   {args.notes} notes")

        partner_rows = [
            {
                "name": f"Service {n} {rng.choice(['Nord', 'Sud', 'Midi', 'Canal', 'Gare'])}",
                "kind": rng.choice(list(directory.PartnerKind)),
                "description": "Accueil, orientation et accompagnement. Opvang en begeleiding.",
                "opening_hours": "Mon-Fri 9:00-17:00",
                "address": f"Rue {n} 1, 1000 Bruxelles",
                "phone": "+32 2 000 00 00",
                "accepts_uninsured": n % 3 == 0,
                "low_threshold": n % 4 == 0,
                "active": n % 20 != 0,
                "created_at": world.now,
            }
            for n in range(PARTNERS)
        ]
        world.insert(directory.Partner, partner_rows)
        partners = world.ids(directory.Partner)
        world.insert(
            directory.PartnerCommune,
            [
                {"partner_id": p, "commune": c}
                for p in partners
                for c in rng.sample(list(directory.Commune), rng.randint(1, 6))
            ],
        )
        world.insert(
            directory.PartnerLanguage,
            [
                {"partner_id": p, "language": lang}
                for p in partners
                for lang in rng.sample(list(directory.Language), rng.randint(1, 3))
            ],
        )

        open_steps = [
            cases.ReferralStatus.PROPOSED,
            cases.ReferralStatus.SENT,
            cases.ReferralStatus.ACCEPTED,
            cases.ReferralStatus.APPOINTMENT_SET,
        ]
        referral_rows = []
        for person_id in rng.choices(case_persons, case_busy, k=args.referrals):
            status = rng.choice([*open_steps, cases.ReferralStatus.CLOSED])
            is_open = status is not cases.ReferralStatus.CLOSED
            referral_rows.append(
                {
                    "person_id": person_id,
                    "case_id": case_of[person_id],
                    "partner_id": rng.choice(partners),
                    "help": rng.choice(list(directory.PartnerKind)),
                    "referred_on": world.today - timedelta(days=rng.randint(0, 1500)),
                    "urgency": cases.Urgency.ROUTINE,
                    "worker_id": workers[0] if rng.random() < 0.05 else rng.choice(workers),
                    "status": status,
                    "follow_up_on": world.today + timedelta(days=rng.randint(-20, 30))
                    if is_open
                    else None,
                    "outcome": None if is_open else cases.ReferralOutcome.CARE_STARTED,
                    "remark": sealed(rng.randint(60, 300)),
                    "created_at": world.now,
                }
            )
        world.insert(cases.Referral, referral_rows)
        referral_ids = world.ids(cases.Referral)
        world.insert(
            cases.ReferralEvent,
            [
                {
                    "referral_id": referral_id,
                    "status": step,
                    "on": world.today,
                    "at": world.moment(1500),
                    "by_id": workers[0],
                }
                for referral_id in referral_ids
                for step in open_steps[: rng.randint(1, 4)]
            ],
        )
        say(f"   {len(referral_ids)} referrals with their steps, {len(partners)} partners")

        world.insert(
            cases.InsuranceRecord,
            [
                {
                    "person_id": p,
                    "status": rng.choice(list(cases.InsuranceStatus)),
                    "recorded_on": world.today,
                    "by_id": workers[0],
                    "created_at": world.moment(1500),
                }
                for p in case_persons
            ],
        )
        reception_id = session.scalar(select(User.id).where(User.role == Role.RECEPTION))
        visit_rows = []
        for person_id in rng.choices(persons, busy, k=args.visits):
            occurred = world.moment(3650)
            visit_rows.append(
                {
                    "site_id": rng.choice(site_ids),
                    "person_id": person_id,
                    "occurred_at": occurred,
                    "shift_day": occurred.date(),
                    "shift_index": 0,
                    "created_by_id": reception_id,
                    "created_at": occurred,
                }
            )
        world.insert(Visit, visit_rows)
        session.commit()
        say(f"   {args.visits} visits")

        codes_by_id = dict(session.execute(select(Person.id, Person.code)).all())
        rows_per_person = pathway_sizes(session)
        ranked = sorted(rows_per_person, key=lambda p: rows_per_person[p])
        heaviest, median = ranked[-1], ranked[len(ranked) // 2]
        return {
            "worker": "worker1",
            "worker_id": workers[0],
            "heaviest": (codes_by_id[heaviest], heaviest, rows_per_person[heaviest]),
            "median": (codes_by_id[median], median, rows_per_person[median]),
            "today": world.today,
        }


def pathway_sizes(session: Any) -> dict[int, int]:
    """How many pathway rows each person has (visits, notes, referral steps, case rows)."""
    from sqlalchemy import text

    counts: dict[int, int] = {}
    for statement in (
        "SELECT person_id, count(*) FROM visits WHERE person_id IS NOT NULL GROUP BY person_id",
        "SELECT person_id, count(*) FROM notes GROUP BY person_id",
        "SELECT r.person_id, count(*) FROM referral_events e JOIN referrals r"
        " ON r.id = e.referral_id GROUP BY r.person_id",
        "SELECT c.person_id, count(*) FROM goal_changes g JOIN goals o ON o.id = g.goal_id"
        " JOIN case_files c ON c.id = o.case_id GROUP BY c.person_id",
    ):
        for person_id, n in session.execute(text(statement)):
            counts[person_id] = counts.get(person_id, 0) + int(n)
    return counts


# --- the hand-written baselines ---------------------------------------------------------------

CASELOAD_COUNT_SQL = """
SELECT count(*) FROM case_files c
WHERE c.status != 'closed' AND (c.key_worker_id = :w OR c.second_worker_id = :w)
"""
CASELOAD_SQL = """
SELECT c.id, p.code, c.opened_on, c.key_worker_id = :w, p.last_activity_at,
  (SELECT min(follow_up_on) FROM referrals r WHERE r.person_id = c.person_id
    AND r.status IN ('proposed', 'sent', 'accepted', 'appointment_set', 'attended',
                     'not_attended')) AS next_follow_up,
  (SELECT count(*) FROM goals g WHERE g.case_id = c.id
    AND g.status IN ('proposed', 'in_progress') AND g.next_review_on < :today) AS overdue
FROM case_files c
JOIN persons p ON p.id = c.person_id
WHERE c.status != 'closed' AND (c.key_worker_id = :w OR c.second_worker_id = :w)
ORDER BY next_follow_up ASC NULLS LAST, p.code
LIMIT 25
"""

PATHWAY_SQL = """
SELECT * FROM (
  SELECT * FROM (SELECT 'visit' AS source, id, occurred_at AS at FROM visits
   WHERE person_id = :p AND deleted_at IS NULL ORDER BY occurred_at DESC, id DESC LIMIT 50) v
  UNION ALL SELECT * FROM (SELECT 'incident', id, occurred_at FROM incidents
   WHERE person_id = :p ORDER BY occurred_at DESC, id DESC LIMIT 50) i
  UNION ALL SELECT * FROM (SELECT 'case', e.id, e.at FROM case_events e
   JOIN case_files c ON c.id = e.case_id WHERE c.person_id = :p
   ORDER BY e.at DESC, e.id DESC LIMIT 50) ce
  UNION ALL SELECT * FROM (SELECT 'goal', g.id, g.at FROM goal_changes g
   JOIN goals o ON o.id = g.goal_id JOIN case_files c ON c.id = o.case_id
   WHERE c.person_id = :p ORDER BY g.at DESC, g.id DESC LIMIT 50) gc
  UNION ALL SELECT * FROM (SELECT 'note', id, created_at FROM notes
   WHERE person_id = :p ORDER BY created_at DESC, id DESC LIMIT 50) n
  UNION ALL SELECT * FROM (SELECT 'referral', e.id, e.at FROM referral_events e
   JOIN referrals r ON r.id = e.referral_id WHERE r.person_id = :p
   ORDER BY e.at DESC, e.id DESC LIMIT 50) re
  UNION ALL SELECT * FROM (SELECT 'insurance', id, created_at FROM insurance_records
   WHERE person_id = :p ORDER BY created_at DESC, id DESC LIMIT 50) ir
) t ORDER BY at DESC, source, id DESC LIMIT 50
"""

PATHWAY_COUNT_SQL = """
SELECT (SELECT count(*) FROM visits WHERE person_id = :p AND deleted_at IS NULL)
 + (SELECT count(*) FROM notes WHERE person_id = :p)
 + (SELECT count(*) FROM referral_events e JOIN referrals r ON r.id = e.referral_id
    WHERE r.person_id = :p)
"""

DIRECTORY_FILTER = """
FROM partners p
WHERE p.active
  AND EXISTS (SELECT 1 FROM partner_communes c WHERE c.partner_id = p.id AND c.commune = :c)
  AND EXISTS (SELECT 1 FROM partner_languages l WHERE l.partner_id = p.id AND l.language = :l)
"""
DIRECTORY_TEXT_FILTER = """
FROM partners p
WHERE p.active AND (lower(p.name) LIKE :t OR lower(p.organisation) LIKE :t
                    OR lower(p.description) LIKE :t)
"""


def directory_sql(where: str) -> list[str]:
    """A directory page: the count, the page's partners, their communes and languages."""
    # The fragments are this file's constants: no input reaches the SQL text.
    page = f"SELECT p.id {where} ORDER BY lower(p.name), p.id LIMIT 25"
    communes = "SELECT partner_id, commune FROM partner_communes WHERE partner_id IN "
    languages = "SELECT partner_id, language FROM partner_languages WHERE partner_id IN "
    return [
        f"SELECT count(*) {where}",
        f"SELECT p.* {where} ORDER BY lower(p.name), p.id LIMIT 25",
        f"{communes}({page})",
        f"{languages}({page})",
    ]


FOLLOW_UPS_SQL = """
SELECT r.*, p.code, pa.name FROM referrals r
JOIN persons p ON p.id = r.person_id JOIN partners pa ON pa.id = r.partner_id
WHERE r.worker_id = :w AND r.follow_up_on <= :today
  AND r.status IN ('proposed', 'sent', 'accepted', 'appointment_set', 'attended', 'not_attended')
ORDER BY r.follow_up_on, r.id
"""


def raw_query(app: Any, engine: str, params: dict[str, Any], *sql: str) -> Callable[[], Any]:
    """The statements on the engine's own DBAPI connection, parameters bound the DBAPI way."""
    from centre import db

    with app.app_context():
        connection = db.database().engine.raw_connection()
    if engine == "postgresql":
        statements = [
            re.sub(r":(\w+)", r"%(\1)s", s).replace("p.active", "p.active IS TRUE") for s in sql
        ]
    else:
        statements = [s.replace("p.active", "p.active = 1") for s in sql]

    def run() -> Any:
        cursor = connection.cursor()
        rows: Sequence[Any] = []
        for statement in statements:
            cursor.execute(statement, params)
            rows = cursor.fetchall()
            if not rows:
                raise RuntimeError("a baseline query found nothing: the world is not as built")
        cursor.close()
        # End the read transaction: left open, it holds locks that stop the world's teardown.
        connection.rollback()
        return rows

    return run


# --- the pages ---------------------------------------------------------------------------------


def logged_in(app: Any, username: str) -> Any:
    client = app.test_client()
    token = CSRF.search(client.get("/login").text)
    if token is None:
        raise RuntimeError("GET /login has no CSRF token")
    response = client.post(
        "/login", data={"csrf_token": token[1], "username": username, "password": PASSWORD}
    )
    if response.status_code != 302:
        raise RuntimeError(f"login as {username} answered {response.status_code}")
    return client


def page(client: Any, url: str, must_contain: str) -> Callable[[], None]:
    def get() -> None:
        response = client.get(url, headers={"Accept-Language": "en"})
        if response.status_code != 200 or must_contain not in response.text:
            raise RuntimeError(
                f"GET {url} answered {response.status_code} without {must_contain!r}"
            )

    return get


def comparisons(app: Any, engine: str, facts: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    client = logged_in(app, facts["worker"])
    worker, today = facts["worker_id"], facts["today"]
    if engine == "sqlite":  # dates are ISO text in SQLite
        today = today.isoformat()
    caseload = raw_query(
        app, engine, {"w": worker, "today": today}, CASELOAD_COUNT_SQL, CASELOAD_SQL
    )
    yield "my caseload, by follow-up", page(client, "/cases", 'data-testid="caseload"'), caseload
    yield (
        "my caseload, by last contact",
        page(client, "/cases?sort=last_contact", 'data-testid="caseload"'),
        caseload,
    )
    for label in ("heaviest", "median"):
        code, person_id, rows = facts[label]
        yield (
            f"pathway, {label} person ({rows} rows)",
            page(client, f"/cases/people/{code}/pathway", 'data-testid="pathway"'),
            raw_query(app, engine, {"p": person_id}, PATHWAY_SQL, PATHWAY_COUNT_SQL),
        )
    yield (
        "directory, commune + language",
        page(client, "/directory?commune=schaerbeek&language=nl", "Service"),
        raw_query(app, engine, {"c": "schaerbeek", "l": "nl"}, *directory_sql(DIRECTORY_FILTER)),
    )
    yield (
        "directory, a word of text",
        page(client, "/directory?q=midi", "Midi"),
        raw_query(app, engine, {"t": "%midi%"}, *directory_sql(DIRECTORY_TEXT_FILTER)),
    )
    yield (
        "home page, due follow-ups",
        page(client, "/", "follow-up"),
        raw_query(app, engine, {"w": worker, "today": today}, FOLLOW_UPS_SQL),
    )


def measure(engine: str, args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="centre-casework-")))
        round_ = prepare_round(stack, engine, tmp, users=1)
        os.environ.update(round_.env)
        from centre import create_app

        app = create_app()
        started = time.perf_counter()
        facts = build(app, args)
        say(f"   generated in {time.perf_counter() - started:.0f} s")
        say(f"\n{engine}: median / p95 of {args.requests} requests, in-process")
        say(f"  {'page':<44} {'centre (ms)':>15} {'hand SQL (ms)':>15}")
        for label, real, bare in comparisons(app, engine, facts):
            real_median, real_p95 = timed(real, args.requests)
            bare_median, bare_p95 = timed(bare, args.requests)
            verdict = "under 100 ms" if real_p95 < 100 else "OVER 100 ms"
            say(
                f"  {label:<44} {real_median:6.1f} / {real_p95:6.1f}"
                f" {bare_median:6.2f} / {bare_p95:6.2f}   {verdict}"
            )
        app.extensions["centre.db"].engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.casework", description=__doc__)
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--persons", type=int, default=5_000)
    parser.add_argument("--notes", type=int, default=20_000)
    parser.add_argument("--referrals", type=int, default=10_000)
    parser.add_argument("--visits", type=int, default=200_000)
    parser.add_argument("--requests", type=int, default=30, help="measured requests per page")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if len(engines) == 1:
        measure(engines[0], args)
        return 0
    # One process per engine: the app's configuration is read from the environment once.
    sizes = [f"--{name}={getattr(args, name)}" for name in SIZES]
    for engine in engines:
        done = subprocess.run(
            [sys.executable, "-m", "bench.casework", "--engines", engine, *sizes], check=False
        )
        if done.returncode != 0:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
