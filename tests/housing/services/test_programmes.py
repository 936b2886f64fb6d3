"""Programme services: every rule, beds that follow the capacity, stale edits, the audit trail."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role, User
from centre.catalogues.models import Site
from centre.directory.models import Partner, PartnerKind
from centre.housing.models import (
    Application,
    ApplicationStatus,
    Bed,
    CapacityUnit,
    Destination,
    Priority,
    Programme,
    ProgrammeType,
)
from centre.housing.services import programmes as services
from centre.housing.services.programmes import ProgrammeValues
from centre.validation import ChangedSinceOpenedError, FieldErrors
from tests import factories
from tests.conftest import reread
from tests.housing.conftest import centre_site, stay, step

NIGHT = date(2026, 11, 20)


@pytest.fixture
def manager(session: Session, make_user: Callable[..., User]) -> User:
    return make_user(Role.MANAGER)


def partner(session: Session, name: str = "Partner housing", *, active: bool = True) -> Partner:
    made = Partner(name=name, kind=PartnerKind.HOUSING, active=active)
    session.add(made)
    session.flush()
    return made


def values(session: Session, **overrides: Any) -> ProgrammeValues:
    """A valid centre-run emergency shelter of 4 beds, but for `overrides`."""
    fields: dict[str, Any] = {
        "name": "Night beds",
        "type": ProgrammeType.EMERGENCY_SHELTER,
        "site_id": centre_site(session).id,
        "partner_id": None,
        "capacity": 4,
        "capacity_unit": CapacityUnit.BEDS,
        "ladder_step_id": step(session, "emergency").id,
        "max_nights": None,
        "window_days": None,
        **overrides,
    }
    return ProgrammeValues(**fields)


def create(session: Session, manager: User, **overrides: Any) -> Programme:
    return services.create_programme(
        session, actor_id=manager.id, values=values(session, **overrides)
    )


def update(session: Session, manager: User, made: Programme, **overrides: Any) -> bool:
    base = {
        "name": made.name,
        "type": made.type,
        "site_id": made.site_id,
        "partner_id": made.partner_id,
        "capacity": made.capacity,
        "capacity_unit": made.capacity_unit,
        "ladder_step_id": made.ladder_step_id,
        "max_nights": made.max_nights,
        "window_days": made.window_days,
    }
    return services.update_programme(
        session,
        actor_id=manager.id,
        programme=made,
        values=ProgrammeValues(**{**base, **overrides}),
        version=made.version,
    )


def refused(session: Session, manager: User, **overrides: Any) -> FieldErrors:
    with pytest.raises(FieldErrors) as caught:
        create(session, manager, **overrides)
    return caught.value


def beds(session: Session, made: Programme) -> dict[int, bool]:
    """position -> active, of the programme's beds."""
    rows = session.execute(
        select(Bed.position, Bed.active).where(Bed.programme_id == made.id).order_by(Bed.position)
    )
    return {position: active for position, active in rows}


def audit(session: Session, made: Programme) -> list[str]:
    return list(
        session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "programme", AuditEvent.object_id == str(made.id))
            .order_by(AuditEvent.seq)
        )
    )


# --- creating ---------------------------------------------------------------------------------


def test_a_centre_programme_gets_its_beds_and_is_audited(session: Session, manager: User) -> None:
    made = create(session, manager, name="  Night   beds ", max_nights=13)
    assert made.active and made.name == "Night beds" and made.run_by_centre
    assert made.max_nights == 13 and made.window_days is None
    assert beds(session, made) == {1: True, 2: True, 3: True, 4: True}
    assert audit(session, made) == ["programme.created"]
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "programme.created")
    ).one()
    assert event.actor_id == manager.id and event.person_id is None


def test_a_partner_programme_has_no_beds(session: Session, manager: User) -> None:
    housing = partner(session)
    made = create(
        session,
        manager,
        name="Housing First Brussels",
        type=ProgrammeType.HOUSING_FIRST,
        site_id=None,
        partner_id=housing.id,
        capacity=40,
        capacity_unit=CapacityUnit.UNITS,
        ladder_step_id=step(session, "supported").id,
    )
    assert made.partner_id == housing.id and not made.run_by_centre
    assert beds(session, made) == {}


def test_everything_wrong_is_reported_at_once(session: Session, manager: User) -> None:
    problems = refused(
        session,
        manager,
        name="",
        type=None,
        site_id=None,
        capacity=None,
        capacity_unit=None,
        ladder_step_id=None,
    )
    assert problems.codes("name") == ["required"]
    assert problems.codes("type") == ["required"]
    assert problems.codes("site_id") == ["run_by_none"]
    assert problems.codes("capacity") == ["required"]
    assert problems.codes("capacity_unit") == ["required"]
    assert problems.codes("ladder_step_id") == ["required"]
    assert session.scalar(select(Programme.id)) is None


def test_an_empty_step_takes_the_usual_one_for_the_type(session: Session, manager: User) -> None:
    transit = step(session, "transit_home")
    made = create(session, manager, type=ProgrammeType.TRANSIT_HOME, ladder_step_id=None)
    assert made.ladder_step_id == transit.id
    # No usual step for "other", nor when the usual one is switched off: the manager chooses.
    assert refused(
        session, manager, name="Other", type=ProgrammeType.OTHER, ladder_step_id=None
    ).codes("ladder_step_id") == ["required"]
    transit.active = False
    session.flush()
    assert refused(
        session, manager, name="Transit 2", type=ProgrammeType.TRANSIT_HOME, ladder_step_id=None
    ).codes("ladder_step_id") == ["required"]


def test_name_is_limited_and_unique_whatever_the_case(session: Session, manager: User) -> None:
    assert refused(session, manager, name="x" * 81).codes("name") == ["length"]
    assert create(session, manager, name="x" * 80).name == "x" * 80
    create(session, manager, name="Night shelter")
    assert refused(session, manager, name="night SHELTER").codes("name") == ["programme_name_taken"]


def test_an_inactive_programme_keeps_its_name(session: Session, manager: User) -> None:
    made = create(session, manager)
    services.deactivate_programme(session, actor_id=manager.id, programme=made)
    assert refused(session, manager).codes("name") == ["programme_name_taken"]


def test_run_by_the_centre_or_a_partner_not_both(session: Session, manager: User) -> None:
    housing = partner(session)
    problems = refused(session, manager, partner_id=housing.id)
    assert problems.codes("partner_id") == ["run_by_both"]
    assert "site_id" not in problems


@pytest.mark.parametrize("which", ["inactive", "unknown"])
def test_the_site_must_be_an_active_one(session: Session, manager: User, which: str) -> None:
    closed = factories.site(session, key="closed", active=False)
    site_id = closed.id if which == "inactive" else closed.id + 1000
    assert refused(session, manager, site_id=site_id).codes("site_id") == ["site_inactive"]


@pytest.mark.parametrize("which", ["inactive", "unknown"])
def test_the_partner_must_be_an_active_one(session: Session, manager: User, which: str) -> None:
    closed = partner(session, active=False)
    partner_id = closed.id if which == "inactive" else closed.id + 1000
    problems = refused(session, manager, site_id=None, partner_id=partner_id)
    assert problems.codes("partner_id") == ["partner_inactive"]


@pytest.mark.parametrize(("capacity", "ok"), [(0, False), (1, True), (500, True), (501, False)])
def test_capacity_range(session: Session, manager: User, capacity: int, ok: bool) -> None:
    if ok:
        assert len(beds(session, create(session, manager, capacity=capacity))) == capacity
    else:
        problems = refused(session, manager, capacity=capacity)
        assert problems.codes("capacity") == ["range"]
        assert problems.get("capacity")[0].params == {"low": 1, "high": 500}


@pytest.mark.parametrize(("nights", "ok"), [(0, False), (1, True), (365, True), (366, False)])
def test_max_nights_range(session: Session, manager: User, nights: int, ok: bool) -> None:
    if ok:
        assert create(session, manager, max_nights=nights).max_nights == nights
    else:
        assert refused(session, manager, max_nights=nights).codes("max_nights") == ["range"]


def test_a_window_counts_nights_in_any_so_many_days(session: Session, manager: User) -> None:
    made = create(session, manager, max_nights=20, window_days=30)
    assert (made.max_nights, made.window_days) == (20, 30)
    same = create(session, manager, name="Same", max_nights=30, window_days=30)
    assert same.window_days == 30


@pytest.mark.parametrize(
    ("nights", "window", "code"),
    [
        (None, 30, "window_without_max"),
        (20, 19, "window_shorter_than_max"),
        (20, 366, "range"),
        (20, 0, "window_shorter_than_max"),
    ],
)
def test_window_rules(
    session: Session, manager: User, nights: int | None, window: int, code: str
) -> None:
    problems = refused(session, manager, max_nights=nights, window_days=window)
    assert problems.codes("window_days") == [code]


def test_the_ladder_step_must_be_active(session: Session, manager: User) -> None:
    retired = step(session, "retired")
    retired.active = False
    session.flush()
    assert refused(session, manager, ladder_step_id=retired.id).codes("ladder_step_id") == [
        "ladder_step_inactive"
    ]
    assert refused(session, manager, ladder_step_id=retired.id + 1000).codes("ladder_step_id") == [
        "ladder_step_inactive"
    ]


# --- capacity and beds ------------------------------------------------------------------------


def test_raising_capacity_adds_numbered_beds(session: Session, manager: User) -> None:
    made = create(session, manager, capacity=2)
    assert update(session, manager, made, capacity=5)
    assert beds(session, made) == {1: True, 2: True, 3: True, 4: True, 5: True}
    assert audit(session, made) == ["programme.created", "programme.updated"]


def test_lowering_capacity_frees_the_highest_free_beds(
    session: Session, manager: User, make_user: Callable[..., User]
) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    made = create(session, manager, capacity=5)
    bed_of = {bed.position: bed for bed in session.scalars(select(Bed))}
    guest = factories.person(session, actor_id=worker.id)
    # Bed 5 is taken tonight; bed 4 was, until this morning.
    stay(
        session,
        person_id=guest.id,
        programme=made,
        actor_id=worker.id,
        entry_on=NIGHT,
        bed=bed_of[5],
    )
    left = factories.person(session, actor_id=worker.id)
    stay(
        session,
        person_id=left.id,
        programme=made,
        actor_id=worker.id,
        entry_on=NIGHT,
        exit_on=NIGHT,
        bed=bed_of[4],
    )
    assert update(session, manager, made, capacity=3)
    assert beds(session, made) == {1: True, 2: True, 3: False, 4: False, 5: True}


def test_lowering_below_the_occupied_beds_is_refused(
    session: Session, manager: User, make_user: Callable[..., User]
) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    made = create(session, manager, capacity=3)
    for bed in session.scalars(select(Bed).where(Bed.position < 3)).all():
        guest = factories.person(session, actor_id=worker.id)
        stay(
            session, person_id=guest.id, programme=made, actor_id=worker.id, entry_on=NIGHT, bed=bed
        )
    session.commit()
    with pytest.raises(FieldErrors) as caught:
        update(session, manager, made, capacity=1, name="Renamed too")
    assert caught.value.codes("capacity") == ["capacity_beds_occupied"]
    assert caught.value.get("capacity")[0].params == {"occupied": 2}
    session.commit()
    reread(session)
    kept = session.get_one(Programme, made.id)
    assert (kept.capacity, kept.name) == (3, "Night beds")
    assert beds(session, kept) == {1: True, 2: True, 3: True}
    assert audit(session, kept) == ["programme.created"]
    assert update(session, manager, kept, capacity=2)
    assert beds(session, kept) == {1: True, 2: True, 3: False}


def test_raising_again_reactivates_the_lowest_inactive_beds_first(
    session: Session, manager: User, make_user: Callable[..., User]
) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    made = create(session, manager, capacity=5)
    bed_five = session.scalars(select(Bed).where(Bed.position == 5)).one()
    guest = factories.person(session, actor_id=worker.id)
    stay(
        session,
        person_id=guest.id,
        programme=made,
        actor_id=worker.id,
        entry_on=NIGHT,
        bed=bed_five,
    )
    update(session, manager, made, capacity=3)
    assert beds(session, made) == {1: True, 2: True, 3: False, 4: False, 5: True}
    update(session, manager, made, capacity=4)
    assert beds(session, made) == {1: True, 2: True, 3: True, 4: False, 5: True}
    update(session, manager, made, capacity=7)
    assert beds(session, made) == {1: True, 2: True, 3: True, 4: True, 5: True, 6: True, 7: True}


# --- editing ----------------------------------------------------------------------------------


def test_an_edit_without_change_is_not_audited(session: Session, manager: User) -> None:
    made = create(session, manager)
    assert update(session, manager, made) is False
    assert audit(session, made) == ["programme.created"]


def test_an_edit_made_on_a_stale_page_is_refused(session: Session, manager: User) -> None:
    made = create(session, manager)
    opened = made.version
    update(session, manager, made, name="Renamed")
    with pytest.raises(ChangedSinceOpenedError):
        services.update_programme(
            session,
            actor_id=manager.id,
            programme=made,
            values=values(session, name="Mine"),
            version=opened,
        )
    assert made.name == "Renamed"


def test_a_programme_without_stays_may_move_to_a_partner_and_back(
    session: Session, manager: User
) -> None:
    made = create(session, manager, capacity=2)
    housing = partner(session)
    assert update(session, manager, made, site_id=None, partner_id=housing.id)
    assert beds(session, made) == {1: False, 2: False}
    assert update(session, manager, made, site_id=centre_site(session).id, partner_id=None)
    assert beds(session, made) == {1: True, 2: True}


def test_a_programme_with_stays_stays_on_its_side(
    session: Session, manager: User, make_user: Callable[..., User]
) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    made = create(session, manager, capacity=2)
    guest = factories.person(session, actor_id=worker.id)
    stay(
        session,
        person_id=guest.id,
        programme=made,
        actor_id=worker.id,
        entry_on=NIGHT,
        exit_on=NIGHT,
    )
    housing = partner(session)
    with pytest.raises(FieldErrors) as caught:
        update(session, manager, made, site_id=None, partner_id=housing.id)
    assert caught.value.codes("partner_id") == ["run_by_locked"]
    # Another site of the centre is no switch.
    other = factories.site(session, key="annex")
    assert update(session, manager, made, site_id=other.id)

    run_by_partner = create(
        session, manager, name="Partner's", site_id=None, partner_id=housing.id, capacity=3
    )
    stay(session, person_id=guest.id, programme=run_by_partner, actor_id=worker.id, entry_on=NIGHT)
    with pytest.raises(FieldErrors) as caught:
        update(session, manager, run_by_partner, site_id=other.id, partner_id=None)
    assert caught.value.codes("site_id") == ["run_by_locked"]
    # Another partner is no switch either.
    assert update(session, manager, run_by_partner, partner_id=partner(session, "Other").id)


def test_an_edit_may_keep_what_was_deactivated_since(session: Session, manager: User) -> None:
    housing = partner(session)
    made = create(
        session,
        manager,
        site_id=None,
        partner_id=housing.id,
        ladder_step_id=step(session, "supported").id,
    )
    housing.active = False
    session.flush()
    assert update(session, manager, made, capacity=6)
    other = partner(session, "Closed too", active=False)
    with pytest.raises(FieldErrors) as caught:
        update(session, manager, made, partner_id=other.id)
    assert caught.value.codes("partner_id") == ["partner_inactive"]


# --- deactivating and reading -----------------------------------------------------------------


def test_deactivate_waits_for_the_last_exit(
    session: Session, manager: User, make_user: Callable[..., User]
) -> None:
    worker = make_user(Role.SOCIAL_WORKER)
    made = create(session, manager)
    guest = factories.person(session, actor_id=worker.id)
    running = stay(session, person_id=guest.id, programme=made, actor_id=worker.id, entry_on=NIGHT)
    session.add(
        Application(
            programme_id=made.id,
            person_id=guest.id,
            applied_on=NIGHT,
            worker_id=worker.id,
            priority=Priority.NORMAL,
            status=ApplicationStatus.WAITING,
            status_on=NIGHT,
        )
    )
    session.flush()
    assert services.usage(session, made) == services.Usage(open_stays=1, pending_applications=1)
    with pytest.raises(services.ProgrammeOccupiedError) as caught:
        services.deactivate_programme(session, actor_id=manager.id, programme=made)
    assert caught.value.open_stays == 1 and made.active
    running.exit_on = NIGHT
    running.destination = Destination.STREET
    session.flush()
    assert services.deactivate_programme(session, actor_id=manager.id, programme=made)
    assert not made.active
    assert services.deactivate_programme(session, actor_id=manager.id, programme=made) is False
    assert audit(session, made) == ["programme.created", "programme.deactivated"]


def test_active_programmes_go_up_the_ladder(session: Session, manager: User) -> None:
    housing = partner(session)
    first = create(
        session,
        manager,
        name="b Housing First",
        type=ProgrammeType.HOUSING_FIRST,
        site_id=None,
        partner_id=housing.id,
        ladder_step_id=step(session, "supported").id,
    )
    shelter = create(session, manager, name="a shelter")
    transit = create(
        session,
        manager,
        name="Transit",
        type=ProgrammeType.TRANSIT_HOME,
        ladder_step_id=step(session, "transit_home").id,
    )
    closed = create(session, manager, name="Closed")
    services.deactivate_programme(session, actor_id=manager.id, programme=closed)
    assert services.active_programmes(session) == [shelter, transit, first]
    assert services.active_programmes(session, run_by_centre=True) == [shelter, transit]
    assert services.active_programmes(session, run_by_centre=False) == [first]
    types = frozenset({ProgrammeType.TRANSIT_HOME})
    assert services.active_programmes(session, types=types) == [transit]
    page = services.programmes_page(session, page=1, per_page=50)
    assert list(page.items) == [shelter, transit, first, closed]
    assert services.partner_names(session, page.items) == {housing.id: housing.name}
    site = session.get_one(Site, shelter.site_id)
    assert services.sites_by_id(session, page.items) == {site.id: site}
    assert services.programme_or_none(session, shelter.id) is shelter
    assert services.programme_or_none(session, 999_999) is None
