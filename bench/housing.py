"""Housing pages over ten years of stays, in-process, beside hand-written SQL:

    python -m bench.housing [--engines sqlite,postgresql] [--persons 20000] [--years 10]
                            [--requests 20]

One world per engine (a migrated database, as `python -m bench` makes it), filled with
generated rows: 20,000 persons and 50 programmes, each with ten years of stays. Twenty
centre-run emergency and night shelters with their beds (stays of a few nights, back to back),
eight Transit Homes, Housing First and supervised housing with their units, some run by
partner services, and social rental agencies run by partners (stays of months to years).
Persons are drawn with a long tail (a few come back all the time); a long stay goes more
often to someone just out of a shelter, so pathways climb the ladder now and then. Exits go
to destinations drawn per kind of programme (deaths included); Housing First moves in a few
weeks after entry; beds are blocked now and then, three of them still blocked.

Then, through Flask's test client:

- the measures page (`/housing/measures`), all programmes, for the last twelve complete
  months (the page's default) and for the last calendar year, as a manager: budget 1 s;
- the bed board (`/housing/board`), tonight, as reception: budget 100 ms.

Beside each page, the statements its service sends, written by hand and run on the engine's
own DBAPI connection (rows fetched, nothing computed): the floor the page's reads could
reach. Timings are the median and 95th percentile (nearest rank) of `--requests` requests
after five unmeasured.
"""

from __future__ import annotations

import argparse
import bisect
import gc
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path
from typing import Any

from bench.casework import logged_in, page, timed
from bench.servers import PASSWORD, prepare_round, say

CHUNK = 5_000
SIZES = ("persons", "years", "requests")
NEVER = date.max

# (type, how many, run by a partner, capacity range, ladder step)
PROGRAMMES = (
    ("emergency_shelter", 12, False, (8, 22), "emergency"),
    ("night_shelter", 8, False, (10, 24), "emergency"),
    ("transit_home", 8, False, (6, 14), "transit_home"),
    ("housing_first", 4, False, (10, 25), "supported"),
    ("housing_first", 4, True, (10, 30), "supported"),
    ("supervised_housing", 6, False, (8, 16), "supported"),
    ("social_rental_agency", 8, True, (20, 60), "independent"),
)
# Nights of a stay (a draw) and nights a bed or unit stays empty before the next one.
LENGTHS: dict[str, Callable[[random.Random], int]] = {
    "emergency_shelter": lambda r: min(13, 1 + int(r.expovariate(1 / 5))),
    "night_shelter": lambda r: min(20, 1 + int(r.expovariate(1 / 2.5))),
    "transit_home": lambda r: r.randint(45, 540),
    "housing_first": lambda r: r.randint(200, 2600),
    "supervised_housing": lambda r: r.randint(150, 1500),
    "social_rental_agency": lambda r: r.randint(365, 3000),
}
GAPS: dict[str, Callable[[random.Random], int]] = {
    "emergency_shelter": lambda r: r.choice((0, 0, 0, 0, 1, 2)),
    "night_shelter": lambda r: r.choice((0, 0, 0, 1, 1, 3)),
    "transit_home": lambda r: r.randint(2, 30),
    "housing_first": lambda r: r.randint(20, 120),
    "supervised_housing": lambda r: r.randint(10, 60),
    "social_rental_agency": lambda r: r.randint(15, 90),
}
SHELTERS = ("emergency_shelter", "night_shelter")
# Where people go, per kind of programme: (destination, weight).
EXITS = {
    "shelter": (
        ("street", 30),
        ("emergency_shelter", 14),
        ("night_shelter", 10),
        ("not_known", 20),
        ("no_exit_interview", 4),
        ("hospital", 5),
        ("psychiatric_hospital", 2),
        ("treatment_detox", 4),
        ("prison", 2),
        ("family_friends_temporary", 4),
        ("transitional_housing", 3),
        ("own_rental", 1),
        ("deceased", 0.3),
    ),
    "transit_home": (
        ("transitional_housing", 10),
        ("rental_with_support", 20),
        ("own_rental", 15),
        ("family_friends_permanent", 5),
        ("street", 15),
        ("emergency_shelter", 10),
        ("hospital", 8),
        ("treatment_detox", 5),
        ("not_known", 10),
        ("deceased", 2),
    ),
    "supported": (
        ("own_rental", 30),
        ("rental_with_support", 15),
        ("family_friends_permanent", 8),
        ("street", 10),
        ("emergency_shelter", 5),
        ("long_term_care", 5),
        ("hospital", 4),
        ("prison", 3),
        ("not_known", 12),
        ("deceased", 8),
    ),
    "social_rental_agency": (
        ("own_rental", 55),
        ("owned", 3),
        ("family_friends_permanent", 7),
        ("rental_with_support", 8),
        ("street", 4),
        ("not_known", 15),
        ("deceased", 5),
    ),
}
EXITS_OF = {
    "emergency_shelter": "shelter",
    "night_shelter": "shelter",
    "transit_home": "transit_home",
    "housing_first": "supported",
    "supervised_housing": "supported",
    "social_rental_agency": "social_rental_agency",
}


# --- the generated world ----------------------------------------------------------------------


class World:
    """Generated rows, inserted in chunks through Core (no unit of work, no audit)."""

    def __init__(self, session: Any, rng: random.Random, now: datetime, years: int) -> None:
        self.session = session
        self.rng = rng
        self.now = now
        self.today = now.date()
        self.first_day = self.today - timedelta(days=round(365.25 * years))

    def insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        from sqlalchemy import insert

        for start in range(0, len(rows), CHUNK):
            self.session.execute(insert(model), rows[start : start + CHUNK])

    def ids(self, column: Any) -> list[int]:
        from sqlalchemy import select

        return list(self.session.scalars(select(column).order_by(column)))


class People:
    """Who takes the next stay: a long tail of regulars, never two places at once."""

    def __init__(self, ids: list[int], rng: random.Random) -> None:
        self.ids = ids
        self.rng = rng
        self.cumulative = list(accumulate(rng.paretovariate(1.3) for _ in ids))
        self.busy_until: dict[int, date] = {}  # first morning free again; NEVER: open or dead
        self.recent: deque[tuple[date, int]] = deque(maxlen=3000)  # left a shelter on

    def free_on(self, person: int, day: date) -> bool:
        return self.busy_until.get(person, date.min) <= day

    def draw(self, day: date, *, from_shelter: bool) -> int | None:
        if from_shelter:
            for left_on, person in reversed(self.recent):
                if day - timedelta(days=60) <= left_on <= day and self.free_on(person, day):
                    return person
        for _ in range(30):
            pick = self.rng.random() * self.cumulative[-1]
            person = self.ids[bisect.bisect_left(self.cumulative, pick)]
            if self.free_on(person, day):
                return person
        return None  # everyone drawn was elsewhere: the bed stays empty that night


def insert_users_partners_people(world: World, app: Any, persons: int) -> People:
    from centre.auth import services as accounts
    from centre.auth.models import Role, User
    from centre.directory.models import Partner, PartnerKind
    from centre.people.models import Person
    from centre.people.services import generate_code

    policy = accounts.PasswordPolicy(
        time_cost=app.config["PASSWORD_HASH_TIME_COST"],
        memory_cost=app.config["PASSWORD_HASH_MEMORY_COST"],
    )
    world.insert(
        User,
        [
            {
                "username": "manager1",
                "role": Role.MANAGER,
                "password_hash": accounts.hash_password(policy, PASSWORD),
                "must_change_password": False,
                "password_changed_at": world.now,
            }
        ],
    )
    world.insert(
        Partner,
        [
            {
                "name": f"Agence immobilière sociale {n}",
                "kind": PartnerKind.HOUSING,
                "active": True,
                "created_at": world.now,
            }
            for n in range(1, 7)
        ],
    )
    codes: set[str] = set()
    while len(codes) < persons:
        codes.add(generate_code())
    world.insert(
        Person,
        [
            {"code": code, "created_at": world.now, "last_activity_at": world.now}
            for code in sorted(codes)
        ],
    )
    return People(world.ids(Person.id), world.rng)


def insert_programmes(world: World) -> tuple[list[Any], dict[int, list[int]]]:
    """The 50 programmes and the beds of those the centre runs; (programmes, beds by id)."""
    from sqlalchemy import select

    from centre.catalogues.models import Site
    from centre.directory.models import Partner
    from centre.housing import models as housing

    rng = world.rng
    site_ids = world.ids(Site.id)
    partner_ids = world.ids(Partner.id)
    steps = {
        key: step_id
        for key, step_id in world.session.execute(
            select(housing.LadderStep.key, housing.LadderStep.id)
        )
    }
    rows = []
    for kind, count, by_partner, (low, high), step in PROGRAMMES:
        for n in range(1, count + 1):
            rows.append(
                {
                    "name": f"{kind.replace('_', ' ').title()} {'P' if by_partner else ''}{n}",
                    "type": housing.ProgrammeType(kind),
                    "site_id": None if by_partner else rng.choice(site_ids),
                    "partner_id": rng.choice(partner_ids) if by_partner else None,
                    "capacity": rng.randint(low, high),
                    "capacity_unit": housing.CapacityUnit.BEDS
                    if kind in (*SHELTERS, "transit_home")
                    else housing.CapacityUnit.UNITS,
                    "max_nights": 13 if kind == "emergency_shelter" else None,
                    "ladder_step_id": steps[step],
                    "active": True,
                    "created_at": world.now,
                    "version": 1,
                }
            )
    world.insert(housing.Programme, rows)
    programmes = list(
        world.session.execute(
            select(
                housing.Programme.id,
                housing.Programme.type,
                housing.Programme.capacity,
                housing.Programme.site_id,
            ).order_by(housing.Programme.id)
        )
    )
    world.insert(
        housing.Bed,
        [
            {"programme_id": p.id, "position": n, "active": True}
            for p in programmes
            if p.site_id is not None
            for n in range(1, p.capacity + 1)
        ],
    )
    beds: dict[int, list[int]] = {}
    for bed_id, programme_id in world.session.execute(
        select(housing.Bed.id, housing.Bed.programme_id).order_by(housing.Bed.id)
    ):
        beds.setdefault(programme_id, []).append(bed_id)
    return programmes, beds


def slots(world: World, programmes: list[Any], beds: dict[int, list[int]]) -> list[Any]:
    """Each bed or unit's stays one after the other, from before the first day to today:
    (entry, programme id, bed id, kind, nights), by entry."""
    rng = world.rng
    out: list[tuple[date, int, int | None, str, int]] = []
    for p in programmes:
        kind = p.type.value
        units: Sequence[int | None] = beds.get(p.id) or [None] * p.capacity
        for unit in units:
            length = LENGTHS[kind](rng)
            day = world.first_day - timedelta(days=rng.randint(0, length))
            while day <= world.today:
                out.append((day, p.id, unit, kind, length))
                day += timedelta(days=length + GAPS[kind](rng))
                length = LENGTHS[kind](rng)
    out.sort(key=lambda s: (s[0], s[1], s[2] or 0))
    return out


def stay_rows(world: World, people: People, planned: list[Any], actor: int) -> list[Any]:
    from centre.housing.models import ExitReason

    rng = world.rng
    destinations = {group: tuple(zip(*EXITS[group], strict=True)) for group in EXITS}
    rows = []
    for entry_on, programme_id, bed_id, kind, length in planned:
        person = people.draw(entry_on, from_shelter=kind not in SHELTERS and rng.random() < 0.6)
        if person is None:
            continue
        exit_on: date | None = entry_on + timedelta(days=length)
        destination = None
        if exit_on is not None and exit_on > world.today:
            exit_on = None
        if exit_on is not None:
            names, weights = destinations[EXITS_OF[kind]]
            destination = rng.choices(names, weights)[0]
        move_in_on = None
        if kind == "housing_first":
            move_in_on = entry_on + timedelta(days=rng.randint(0, 90))
            if move_in_on > (exit_on or world.today):
                move_in_on = None
        people.busy_until[person] = (
            NEVER if exit_on is None or destination == "deceased" else exit_on
        )
        if kind in SHELTERS and exit_on is not None:
            people.recent.append((exit_on, person))
        rows.append(
            {
                "person_id": person,
                "programme_id": programme_id,
                "bed_id": bed_id,
                "entry_on": entry_on,
                "move_in_on": move_in_on,
                "exit_on": exit_on,
                "destination": destination,
                "exit_reason": ExitReason.DECEASED if destination == "deceased" else None,
                "created_at": datetime(entry_on.year, entry_on.month, entry_on.day, 20, tzinfo=UTC),
                "created_by_id": actor,
                "version": 1,
            }
        )
    return rows


def block_rows(
    world: World, shelter_beds: list[int], open_beds: set[int | None], actor: int, years: int
) -> list[dict[str, Any]]:
    """A few blocks a year on shelter beds; three free beds still blocked tonight."""
    from centre.housing.models import BlockReason

    rng = world.rng
    rows: list[dict[str, Any]] = []
    for _ in range(30 * years):
        start = world.first_day + timedelta(
            days=rng.randint(0, (world.today - world.first_day).days - 20)
        )
        rows.append(
            {
                "bed_id": rng.choice(shelter_beds),
                "from_night": start,
                "until_night": start + timedelta(days=rng.randint(1, 10)),
                "reason": rng.choice(list(BlockReason)),
                "by_id": actor,
                "created_at": world.now,
            }
        )
    for bed_id in rng.sample([b for b in shelter_beds if b not in open_beds], 3):
        rows.append(
            {
                "bed_id": bed_id,
                "from_night": world.today - timedelta(days=rng.randint(0, 5)),
                "until_night": None,
                "reason": BlockReason.REPAIR,
                "by_id": actor,
                "created_at": world.now,
            }
        )
    return rows


def build(app: Any, args: argparse.Namespace) -> dict[str, Any]:
    from sqlalchemy import func, select, text

    from centre import db
    from centre.auth.models import Role, User
    from centre.housing import models as housing

    with app.app_context():
        session = db.session()
        world = World(session, random.Random(20261129), datetime.now(UTC), args.years)
        people = insert_users_partners_people(world, app, args.persons)
        actor = session.scalars(select(User.id).where(User.role == Role.RECEPTION)).one()
        programmes, beds = insert_programmes(world)
        say(f"   {len(programmes)} programmes, {sum(map(len, beds.values()))} beds")
        stays = stay_rows(world, people, slots(world, programmes, beds), actor)
        world.insert(housing.Stay, stays)
        shelter_beds = [
            b for p in programmes if p.type.value in SHELTERS for b in beds.get(p.id, [])
        ]
        open_beds = {row["bed_id"] for row in stays if row["exit_on"] is None}
        blocks = block_rows(world, shelter_beds, open_beds, actor, args.years)
        world.insert(housing.BedBlock, blocks)
        session.commit()
        if session.get_bind().dialect.name == "postgresql":
            # What autovacuum does after a bulk load; this schema's tables only (a bare ANALYZE
            # would visit, and wait for, every other schema of the shared database).
            session.execute(text("ANALYZE persons, housing_programmes, beds, bed_blocks, stays"))
            session.commit()
        counts = session.execute(
            select(housing.Programme.type, func.count())
            .join(housing.Stay, housing.Stay.programme_id == housing.Programme.id)
            .group_by(housing.Programme.type)
            .order_by(housing.Programme.type)
        ).all()
        say(
            f"   {len(stays)} stays ({', '.join(f'{k.value} {n}' for k, n in counts)}),"
            f" {len(blocks)} bed blocks, {len(people.ids)} persons"
        )
        last_year = world.today.year - 1
        return {"calendar_year": (date(last_year, 1, 1), date(last_year, 12, 31))}


# --- the hand-written baselines ---------------------------------------------------------------

STAYS_SQL = """
SELECT id, person_id, programme_id, entry_on, move_in_on, exit_on, destination FROM stays
WHERE entry_on <= :end AND (exit_on IS NULL OR exit_on >= :start)
"""
BLOCKS_SQL = """
SELECT b.programme_id, k.from_night, k.until_night FROM bed_blocks k
JOIN beds b ON b.id = k.bed_id
WHERE b.active AND k.from_night <= :end AND (k.until_night IS NULL OR k.until_night > :start)
"""
PROGRAMMES_SQL = """
SELECT p.id, p.name, p.type, p.capacity, p.site_id, p.active, l.id, l.key, l.sort_order,
  l.label_fr, l.label_nl, l.label_en
FROM housing_programmes p JOIN ladder_steps l ON l.id = p.ladder_step_id
ORDER BY p.name, p.id
"""
RETENTION_SQL = """
SELECT person_id, entry_on, exit_on, destination FROM stays
WHERE programme_id IN (SELECT id FROM housing_programmes
                       WHERE type IN ('housing_first', 'supervised_housing'))
  AND entry_on <= :end
"""
RETURNS_SQL = """
SELECT s.person_id, s.exit_on,
  (SELECT e.entry_on FROM stays e WHERE e.person_id = s.person_id AND e.entry_on > s.exit_on
     AND e.programme_id IN (SELECT id FROM housing_programmes
                            WHERE type IN ('emergency_shelter', 'night_shelter'))
   ORDER BY e.entry_on LIMIT 1)
FROM stays s
WHERE s.destination IN ('own_rental', 'owned', 'family_friends_permanent', 'rental_with_support')
  AND s.exit_on <= :six_months_before
"""
# The homeless exits of the persons whose return the shelters did not decide (their ids
# inlined: integers the bench computed itself).
STREET_SQL = """
SELECT person_id, exit_on FROM stays WHERE person_id IN ({persons})
  AND destination IN ('street', 'emergency_shelter', 'night_shelter')
"""
PREVIOUS_SQL = """
SELECT p.person_id,
  (SELECT e.programme_id FROM stays e WHERE e.person_id = p.person_id AND e.entry_on < :start
   ORDER BY e.entry_on DESC, e.id DESC LIMIT 1)
FROM (SELECT DISTINCT person_id FROM stays WHERE entry_on >= :start AND entry_on <= :end) p
"""
BOARD_SQL = [
    """SELECT p.* FROM housing_programmes p WHERE p.active AND p.site_id IS NOT NULL
       ORDER BY p.name""",
    """SELECT b.* FROM beds b JOIN housing_programmes p ON p.id = b.programme_id
       WHERE p.active AND p.site_id IS NOT NULL AND b.active ORDER BY b.programme_id, b.position""",
    """SELECT k.* FROM bed_blocks k JOIN beds b ON b.id = k.bed_id
       JOIN housing_programmes p ON p.id = b.programme_id
       WHERE p.active AND p.site_id IS NOT NULL
         AND k.from_night <= :night AND (k.until_night IS NULL OR k.until_night > :night)""",
    # Tonight's guests: the open stays, then those left after tonight (each an index read).
    *(
        f"""SELECT s.*, c.code FROM stays s JOIN persons c ON c.id = s.person_id
       JOIN housing_programmes p ON p.id = s.programme_id
       WHERE p.active AND p.site_id IS NOT NULL AND s.bed_id IS NOT NULL
         AND s.entry_on <= :night AND {still}"""  # noqa: S608 - our own fixed conditions
        for still in ("s.exit_on IS NULL", "s.exit_on > :night")
    ),
    # Tonight's arrivals, then this morning's departures.
    *(
        f"""SELECT s.*, c.code FROM stays s JOIN persons c ON c.id = s.person_id
       JOIN housing_programmes p ON p.id = s.programme_id
       WHERE p.active AND p.site_id IS NOT NULL AND {moved} ORDER BY s.id"""  # noqa: S608
        for moved in ("s.entry_on = :night", "s.exit_on = :night")
    ),
    # One step back along each guest's run of nights: the stays that ended the morning the
    # guest's stay began (the page repeats this while runs go on, up to the maximum).
    """SELECT s.person_id, s.programme_id, s.entry_on, s.exit_on FROM stays s
       WHERE s.exit_on IN (SELECT g.entry_on FROM stays g WHERE g.bed_id IS NOT NULL
           AND g.exit_on IS NULL)
         AND s.person_id IN (SELECT g.person_id FROM stays g WHERE g.bed_id IS NOT NULL
           AND g.exit_on IS NULL)""",
]


# The DBAPI connections the baselines hold, closed before the database goes away.
OPENED: list[Any] = []


def raw_query(app: Any, engine: str, params: dict[str, Any], *sql: str) -> Callable[[], Any]:
    """The statements on the engine's own DBAPI connection, parameters bound the DBAPI way."""
    from centre import db

    with app.app_context():
        connection = db.database().engine.raw_connection()
    OPENED.append(connection)
    if engine == "postgresql":
        statements = [
            re.sub(r"(?<!:):(\w+)", r"%(\1)s", s).replace(".active", ".active IS TRUE") for s in sql
        ]
        bound = params
    else:  # dates are ISO text in SQLite
        statements = [s.replace(".active", ".active = 1") for s in sql]
        bound = {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}

    def run() -> Any:
        cursor = connection.cursor()
        rows: Sequence[Any] = []
        for statement in statements:
            cursor.execute(statement, bound)
            rows = cursor.fetchall()
        cursor.close()
        # End the read transaction: left open, it holds locks that stop the world's teardown.
        connection.rollback()
        return rows

    return run


# --- the pages ---------------------------------------------------------------------------------


def measures_sql(app: Any, engine: str, start: date, end: date) -> tuple[dict[str, Any], list[str]]:
    """The statements the measures page sends, with the persons whose homeless exits it
    reads found the way the service finds them."""
    from centre.periods import add_months

    params = {"start": start, "end": end, "six_months_before": add_months(end, -6)}
    first: dict[int, tuple[date, date | None]] = {}
    for person_id, exit_on, shelter_on in raw_query(app, engine, params, RETURNS_SQL)():
        exit_day = date.fromisoformat(exit_on) if isinstance(exit_on, str) else exit_on
        shelter_day = date.fromisoformat(shelter_on) if isinstance(shelter_on, str) else shelter_on
        if person_id not in first or exit_day < first[person_id][0]:
            first[person_id] = (exit_day, shelter_day)
    undecided = [p for p, (x, s) in first.items() if s is None or s > add_months(x, 6)] or [0]
    return params, [
        PROGRAMMES_SQL,
        STAYS_SQL,
        BLOCKS_SQL,
        RETENTION_SQL,
        RETURNS_SQL,
        STREET_SQL.format(persons=", ".join(map(str, undecided))),
        PREVIOUS_SQL,
    ]


def comparisons(app: Any, engine: str, facts: dict[str, Any]) -> Iterator[tuple[str, Any, Any]]:
    from centre.i18n import BRUSSELS
    from centre.periods import last_twelve_months

    manager = logged_in(app, "manager1")
    start, end = last_twelve_months(datetime.now(BRUSSELS).date())
    params, sql = measures_sql(app, engine, start, end)
    yield (
        f"measures, {start:%b %Y}-{end:%b %Y}, all programmes",
        page(manager, "/housing/measures", 'data-testid="occupancy"'),
        raw_query(app, engine, params, *sql),
    )
    start, end = facts["calendar_year"]
    params, sql = measures_sql(app, engine, start, end)
    yield (
        f"measures, year {start.year}, all programmes",
        page(manager, f"/housing/measures?start={start}&end={end}", 'data-testid="occupancy"'),
        raw_query(app, engine, params, *sql),
    )
    if "housing.board" in app.view_functions:
        from centre.housing.routes.board import tonight

        with app.test_request_context():
            night = tonight()  # reception's shift day, as the board counts it
        yield (
            "bed board, tonight, reception",
            page(logged_in(app, "bench1"), "/housing/board", "Emergency Shelter 1"),
            raw_query(app, engine, {"night": night}, *BOARD_SQL),
        )


def measure(engine: str, args: argparse.Namespace) -> None:
    with ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="centre-housing-")))
        round_ = prepare_round(stack, engine, tmp, users=1)
        os.environ.update(round_.env)
        from centre import create_app

        app = create_app()
        # As wsgi.py does for the server: start-up's objects out of the collector's sight.
        gc.collect()
        gc.freeze()
        started = time.perf_counter()
        facts = build(app, args)
        say(f"   generated in {time.perf_counter() - started:.0f} s")
        say(f"\n{engine}: median / p95 of {args.requests} requests, in-process")
        say(f"  {'page':<44} {'centre (ms)':>15} {'hand SQL (ms)':>15}")
        for label, real, bare in comparisons(app, engine, facts):
            budget = 1000 if label.startswith("measures") else 100
            real_median, real_p95 = timed(real, args.requests)
            bare_median, bare_p95 = timed(bare, args.requests)
            verdict = f"under {budget} ms" if real_p95 < budget else f"OVER {budget} ms"
            say(
                f"  {label:<44} {real_median:6.1f} / {real_p95:6.1f}"
                f" {bare_median:6.2f} / {bare_p95:6.2f}   {verdict}"
            )
        while OPENED:
            OPENED.pop().close()
        app.extensions["centre.db"].engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.housing", description=__doc__)
    parser.add_argument("--engines", default="sqlite,postgresql", help="comma-separated")
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--requests", type=int, default=20, help="measured requests per page")
    args = parser.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    if len(engines) == 1:
        measure(engines[0], args)
        return 0
    # One process per engine: the app's configuration is read from the environment once.
    sizes = [f"--{name}={getattr(args, name)}" for name in SIZES]
    for engine in engines:
        done = subprocess.run(
            [sys.executable, "-m", "bench.housing", "--engines", engine, *sizes], check=False
        )
        if done.returncode != 0:
            return done.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
