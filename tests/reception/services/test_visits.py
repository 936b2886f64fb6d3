"""Shift totals match the visits, by site, shift, service and supply, across midnight."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from centre.auth.models import Role
from centre.i18n import BRUSSELS
from centre.reception.models import AgeBand, IncidentKind
from centre.reception.services import incidents
from centre.reception.services import visits as services
from centre.reception.settings import ReceptionSettings
from centre.reception.shifts import parse_shift_starts, shift_at
from tests import factories

SETTINGS = ReceptionSettings(parse_shift_starts("07:00,15:00,23:00"), 80)


def test_age_bands_follow_tdi() -> None:
    assert services.age_band_for(None, 2026) is AgeBand.NOT_KNOWN
    assert services.age_band_for(2015, 2026) is AgeBand.UNDER_15
    assert services.age_band_for(1990, 2026) is AgeBand.B35_39
    assert services.age_band_for(1960, 2026) is AgeBand.FROM_65


def test_night_visit_after_midnight_counts_in_the_evening_shift(
    session: Session, app: Flask
) -> None:
    staff = factories.user(session, app, role=Role.RECEPTION)
    site = factories.site(session)
    rest = factories.service(session, key="reception_rest")
    before = datetime(2026, 11, 25, 23, 30, tzinfo=BRUSSELS).astimezone(UTC)
    after = datetime(2026, 11, 26, 2, 15, tzinfo=BRUSSELS).astimezone(UTC)
    morning = datetime(2026, 11, 26, 7, 5, tzinfo=BRUSSELS).astimezone(UTC)
    for moment in (before, after, morning):
        services.log_visit(
            session,
            SETTINGS,
            actor_id=staff.id,
            data=services.VisitInput(site_id=site.id, service_ids=frozenset({rest.id})),
            now=moment,
        )
    night = shift_at(after, SETTINGS.shift_starts)
    assert services.shift_totals(session, site_id=site.id, shift=night).visits == 2
    day = shift_at(morning, SETTINGS.shift_starts)
    assert services.shift_totals(session, site_id=site.id, shift=day).visits == 1
    assert [
        v.occurred_at for v in services.shift_visits(session, site_id=site.id, shift=night)
    ] == [after, before]


@pytest.mark.parametrize("seed", [1, 2])
def test_totals_by_site_shift_service_and_supply_match_the_visits(
    session: Session, app: Flask, seed: int
) -> None:
    rng = random.Random(seed)
    staff = factories.user(session, app, role=Role.RECEPTION)
    sites = [
        factories.site(session, key="centre"),
        factories.site(session, key="women", kind="womens_space"),
    ]
    service_items = [factories.service(session, key=f"service{n}") for n in range(4)]
    supply_items = [
        factories.supply(session, key=f"supply{n}", is_syringe=n == 0, max_per_visit=30)
        for n in range(4)
    ]
    people = [factories.person(session, actor_id=staff.id) for _ in range(5)]
    start = datetime(2026, 11, 24, 5, 0, tzinfo=UTC)

    expected: dict[tuple[int, tuple[date, int]], dict[str, Counter[object]]] = {}
    for _ in range(120):
        moment = start + timedelta(minutes=rng.randrange(0, 60 * 48))
        site = rng.choice(sites)
        person = rng.choice([None, *people])
        # At least one service: a visit with neither code nor service is refused.
        chosen = frozenset(s.id for s in rng.sample(service_items, rng.randrange(1, 3)))
        given = {s.id: rng.randrange(1, 30) for s in rng.sample(supply_items, rng.randrange(0, 3))}
        returned = rng.choice([None, rng.randrange(1, 20)])
        services.log_visit(
            session,
            SETTINGS,
            actor_id=staff.id,
            now=moment,
            data=(
                services.VisitInput(
                    site_id=site.id,
                    code=person.code if person else "",
                    service_ids=chosen,
                    supplies=given,
                    returned_count=returned,
                )
            ),
        )
        shift = shift_at(moment, SETTINGS.shift_starts)
        bucket = expected.setdefault(
            (site.id, (shift.day, shift.index)),
            {"n": Counter(), "service": Counter(), "supply": Counter(), "persons": Counter()},
        )
        bucket["n"]["visits"] += 1
        bucket["n"]["anonymous"] += person is None
        bucket["n"]["womens"] += site.key == "women"
        bucket["n"]["returned"] += returned or 0
        bucket["n"]["syringes"] += given.get(supply_items[0].id, 0)
        if person:
            bucket["persons"][person.id] += 1
        bucket["service"].update(chosen)
        bucket["supply"].update(given)
    for _ in range(10):  # incidents count in their shift too
        moment = start + timedelta(minutes=rng.randrange(0, 60 * 48))
        site = rng.choice(sites)
        incidents.log_incident(
            session,
            SETTINGS,
            actor_id=staff.id,
            now=moment + timedelta(minutes=1),
            data=incidents.IncidentInput(
                site_id=site.id, kind=IncidentKind.OTHER, occurred_at=moment
            ),
        )
        shift = shift_at(moment, SETTINGS.shift_starts)
        expected.setdefault(
            (site.id, (shift.day, shift.index)),
            {"n": Counter(), "service": Counter(), "supply": Counter(), "persons": Counter()},
        )["n"]["incidents"] += 1
    session.commit()

    assert len(expected) > 6, "the data spreads over several shifts and both sites"
    for (site_id, (day, index)), bucket in expected.items():
        shift = shift_at(
            datetime.combine(day, SETTINGS.shift_starts[index], tzinfo=BRUSSELS),
            SETTINGS.shift_starts,
        )
        totals = services.shift_totals(session, site_id=site_id, shift=shift)
        assert totals.visits == bucket["n"]["visits"]
        assert totals.anonymous == bucket["n"]["anonymous"]
        assert totals.womens_space == bucket["n"]["womens"]
        assert totals.persons == len(bucket["persons"])
        assert totals.syringes_returned == bucket["n"]["returned"]
        assert totals.syringes_given == bucket["n"]["syringes"]
        assert dict(totals.by_service) == dict(bucket["service"])
        assert dict(totals.by_supply) == dict(bucket["supply"])
        assert totals.incidents.get(IncidentKind.OTHER, 0) == bucket["n"]["incidents"]
    grand = sum(b["n"]["visits"] for b in expected.values())
    assert grand == 120


def test_a_visit_under_a_code_counts_as_activity_for_retention(
    session: Session, app: Flask
) -> None:
    staff = factories.user(session, app, role=Role.RECEPTION)
    site = factories.site(session)
    person = factories.person(session, actor_id=staff.id)
    person.last_activity_at = datetime(2024, 1, 5, tzinfo=UTC)
    session.commit()
    moment = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
    services.log_visit(
        session,
        SETTINGS,
        actor_id=staff.id,
        data=services.VisitInput(site_id=site.id, code=person.code),
        now=moment,
    )
    session.commit()
    session.refresh(person)
    assert person.last_activity_at == moment
