"""Catalogue services: validation, unique keys and shortcuts, never deleting, the audit trail.

The migration's default rows may or may not be there (tables are emptied after each test), so
every test creates its own items with keys and letters the defaults do not use.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from centre.audit.models import AuditEvent
from centre.auth.models import Role, User
from centre.catalogues import services
from centre.catalogues.models import Service, Site, SiteKind, Supply
from centre.catalogues.services import ItemValues, Kind
from centre.housing.models import CapacityUnit, LadderStep, Programme, ProgrammeType
from centre.validation import FieldErrors
from tests import factories


def values(name: str = "Test", **overrides: object) -> ItemValues:
    fields: dict[str, object] = {
        "label_fr": f"{name} fr",
        "label_nl": f"{name} nl",
        "label_en": f"{name} en",
        **overrides,
    }
    # Overrides of any field, of the field's type: checked by ItemValues, not by mypy.
    return ItemValues(**fields)  # type: ignore[arg-type]


@pytest.fixture
def actor(session: Session, app: Flask) -> User:
    return factories.user(session, app, role=Role.MANAGER)


def events(session: Session, action: str, object_type: str, object_id: int) -> list[AuditEvent]:
    return list(
        session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == action,
                AuditEvent.object_type == object_type,
                AuditEvent.object_id == str(object_id),
            )
        )
    )


def test_create_each_kind_is_active_and_audited(session: Session, actor: User) -> None:
    site = services.create_item(
        session,
        actor_id=actor.id,
        kind=Kind.SITES,
        key="t_site",
        values=values("Site", site_kind=SiteKind.OUTREACH),
    )
    service = services.create_item(
        session,
        actor_id=actor.id,
        kind=Kind.SERVICES,
        key="t_service",
        values=values("Service", shortcut="X", sort_order=7),
    )
    supply = services.create_item(
        session,
        actor_id=actor.id,
        kind=Kind.SUPPLIES,
        key="t_supply",
        values=values("Supply", max_per_visit=20, is_syringe=True),
    )
    assert isinstance(site, Site) and site.kind is SiteKind.OUTREACH and site.active
    assert isinstance(service, Service) and service.shortcut == "x" and service.sort_order == 7
    assert isinstance(supply, Supply) and supply.max_per_visit == 20 and supply.is_syringe
    assert supply.label("nl") == "Supply nl" and supply.label("en") == "Supply en"
    for object_type, item in (("site", site), ("service", service), ("supply", supply)):
        [event] = events(session, "catalogue.created", object_type, item.id)
        assert event.actor_id == actor.id and event.person_id is None


def test_key_is_normalised_and_checked(session: Session, actor: User) -> None:
    item = services.create_item(
        session, actor_id=actor.id, kind=Kind.SUPPLIES, key="  Foil_Sheets2 ", values=values()
    )
    assert item.key == "foil_sheets2"
    for bad in ("a", "with space", "tiret-six", "é_accent", "x" * 41, ""):
        with pytest.raises(FieldErrors) as caught:
            services.create_item(
                session, actor_id=actor.id, kind=Kind.SUPPLIES, key=bad, values=values()
            )
        assert list(caught.value) == ["key"] and caught.value.codes("key") == ["key_format"]


def test_duplicate_key_within_a_kind_only(session: Session, actor: User) -> None:
    services.create_item(
        session, actor_id=actor.id, kind=Kind.SERVICES, key="t_dup", values=values()
    )
    with pytest.raises(FieldErrors) as caught:
        services.create_item(
            session, actor_id=actor.id, kind=Kind.SERVICES, key="T_DUP", values=values()
        )
    assert caught.value.codes("key") == ["key_taken"]
    # Another catalogue may use the same key.
    other = services.create_item(
        session, actor_id=actor.id, kind=Kind.SUPPLIES, key="t_dup", values=values()
    )
    assert other.id is not None


def test_labels_are_required_and_limited(session: Session, actor: User) -> None:
    with pytest.raises(FieldErrors) as caught:
        services.create_item(
            session,
            actor_id=actor.id,
            kind=Kind.SITES,
            key="t_nolabel",
            values=values(label_nl="   "),
        )
    assert list(caught.value) == ["label_nl"] and caught.value.codes("label_nl") == ["required"]
    with pytest.raises(FieldErrors) as caught:
        services.create_item(
            session,
            actor_id=actor.id,
            kind=Kind.SITES,
            key="t_longlabel",
            values=values(label_en="x" * 81),
        )
    assert list(caught.value) == ["label_en"] and caught.value.codes("label_en") == ["length"]
    item = services.create_item(
        session,
        actor_id=actor.id,
        kind=Kind.SITES,
        key="t_trimmed",
        values=values(label_fr="  Comptoir  ", label_en="y" * 80),
    )
    assert item.label_fr == "Comptoir"


@pytest.mark.parametrize(
    ("quantity", "ok"), [(0, False), (1, True), (10_000, True), (10_001, False)]
)
def test_max_per_visit_range(session: Session, actor: User, quantity: int, ok: bool) -> None:
    def create() -> object:
        return services.create_item(
            session,
            actor_id=actor.id,
            kind=Kind.SUPPLIES,
            key=f"t_max_{quantity}",
            values=values(max_per_visit=quantity),
        )

    if ok:
        create()
    else:
        with pytest.raises(FieldErrors) as caught:
            create()
        assert list(caught.value) == ["max_per_visit"]
        assert caught.value.codes("max_per_visit") == ["range"]


def test_shortcut_must_be_one_letter(session: Session, actor: User) -> None:
    for bad in ("1", "é", "xy", "-"):
        with pytest.raises(FieldErrors) as caught:
            services.create_item(
                session,
                actor_id=actor.id,
                kind=Kind.SERVICES,
                key="t_badletter",
                values=values(shortcut=bad),
            )
        assert list(caught.value) == ["shortcut"]
    blank = services.create_item(
        session,
        actor_id=actor.id,
        kind=Kind.SERVICES,
        key="t_noletter",
        values=values(shortcut=" "),
    )
    assert isinstance(blank, Service) and blank.shortcut is None


def holder_of_the_letter(problems: FieldErrors) -> str:
    """The service the shortcut_taken problem names (its English label)."""
    [problem] = problems.get("shortcut")
    assert problem.code == "shortcut_taken"
    return str(problem.params["service"]["en"])


def test_shortcut_is_unique_among_active_services(session: Session, actor: User) -> None:
    first = services.create_item(
        session, actor_id=actor.id, kind=Kind.SERVICES, key="t_first", values=values(shortcut="y")
    )
    with pytest.raises(FieldErrors) as caught:
        services.create_item(
            session,
            actor_id=actor.id,
            kind=Kind.SERVICES,
            key="t_second",
            values=values(shortcut="Y"),
        )
    assert holder_of_the_letter(caught.value) == first.label_en
    # Keeping one's own letter on edit is fine.
    services.update_item(
        session,
        actor_id=actor.id,
        kind=Kind.SERVICES,
        item=first,
        values=values("Renamed", shortcut="y"),
    )
    # Once the first is inactive its letter is free; reactivating it is then refused.
    services.deactivate_item(session, actor_id=actor.id, kind=Kind.SERVICES, item=first)
    second = services.create_item(
        session, actor_id=actor.id, kind=Kind.SERVICES, key="t_second", values=values(shortcut="y")
    )
    with pytest.raises(FieldErrors) as caught:
        services.reactivate_item(session, actor_id=actor.id, kind=Kind.SERVICES, item=first)
    assert holder_of_the_letter(caught.value) == second.label_en and not first.active
    # An edit of another service to a taken letter is refused too.
    third = services.create_item(
        session, actor_id=actor.id, kind=Kind.SERVICES, key="t_third", values=values(shortcut="z")
    )
    assert isinstance(third, Service)
    with pytest.raises(FieldErrors):
        services.update_item(
            session, actor_id=actor.id, kind=Kind.SERVICES, item=third, values=values(shortcut="y")
        )
    assert third.shortcut == "z"


def test_update_changes_values_and_is_audited_only_when_something_changed(
    session: Session, actor: User
) -> None:
    supply = services.create_item(
        session, actor_id=actor.id, kind=Kind.SUPPLIES, key="t_kit", values=values("Kit")
    )
    changed = services.update_item(
        session,
        actor_id=actor.id,
        kind=Kind.SUPPLIES,
        item=supply,
        values=values("Kit v2", max_per_visit=5, is_syringe=True, sort_order=3),
    )
    assert changed and supply.key == "t_kit"
    assert isinstance(supply, Supply)
    assert (supply.label_fr, supply.max_per_visit, supply.is_syringe, supply.sort_order) == (
        "Kit v2 fr",
        5,
        True,
        3,
    )
    unchanged = services.update_item(
        session,
        actor_id=actor.id,
        kind=Kind.SUPPLIES,
        item=supply,
        values=values("Kit v2", max_per_visit=5, is_syringe=True, sort_order=3),
    )
    assert not unchanged
    assert len(events(session, "catalogue.updated", "supply", supply.id)) == 1


def test_site_kind_can_change(session: Session, actor: User) -> None:
    site = services.create_item(
        session, actor_id=actor.id, kind=Kind.SITES, key="t_counter", values=values()
    )
    assert isinstance(site, Site) and site.kind is SiteKind.CENTRE
    services.update_item(
        session,
        actor_id=actor.id,
        kind=Kind.SITES,
        item=site,
        values=values(site_kind=SiteKind.EXCHANGE_COUNTER),
    )
    # mypy keeps the narrowing to CENTRE from the assert above; update_item changed the kind.
    assert site.kind is SiteKind.EXCHANGE_COUNTER  # type: ignore[comparison-overlap]


def test_deactivate_and_reactivate_never_delete(session: Session, actor: User) -> None:
    site = services.create_item(
        session, actor_id=actor.id, kind=Kind.SITES, key="t_gone", values=values()
    )
    assert services.deactivate_item(session, actor_id=actor.id, kind=Kind.SITES, item=site)
    assert not services.deactivate_item(session, actor_id=actor.id, kind=Kind.SITES, item=site)
    assert session.get(Site, site.id) is site and not site.active
    assert services.reactivate_item(session, actor_id=actor.id, kind=Kind.SITES, item=site)
    assert not services.reactivate_item(session, actor_id=actor.id, kind=Kind.SITES, item=site)
    assert site.active
    assert len(events(session, "catalogue.deactivated", "site", site.id)) == 1
    assert len(events(session, "catalogue.reactivated", "site", site.id)) == 1


def test_list_order_and_counts(session: Session, actor: User) -> None:
    before = {c.kind: c for c in services.counts(session)}
    for key, order in (("t_b", 1), ("t_a", 1), ("t_c", 0), ("t_off", 0)):
        services.create_item(
            session, actor_id=actor.id, kind=Kind.SUPPLIES, key=key, values=values(sort_order=order)
        )
    off = services.get_item(
        session,
        Kind.SUPPLIES,
        session.scalar(select(Supply.id).where(Supply.key == "t_off")) or 0,
    )
    services.deactivate_item(session, actor_id=actor.id, kind=Kind.SUPPLIES, item=off)
    keys = [i.key for i in services.list_items(session, Kind.SUPPLIES) if i.key.startswith("t_")]
    assert keys == ["t_c", "t_a", "t_b", "t_off"]
    after = {c.kind: c for c in services.counts(session)}
    assert after[Kind.SUPPLIES].total - before[Kind.SUPPLIES].total == 4
    assert after[Kind.SUPPLIES].active - before[Kind.SUPPLIES].active == 3
    assert after[Kind.SITES] == before[Kind.SITES]


def test_get_item_checks_the_kind(session: Session, actor: User) -> None:
    service = services.create_item(
        session, actor_id=actor.id, kind=Kind.SERVICES, key="t_only_service", values=values()
    )
    assert services.get_item(session, Kind.SERVICES, service.id) is service
    with pytest.raises(services.ItemNotFoundError):
        services.get_item(session, Kind.SERVICES, 999_999)


# --- the housing ladder -----------------------------------------------------------------------


def ladder_step(session: Session, actor: User, key: str, height: int) -> LadderStep:
    item = services.create_item(
        session, actor_id=actor.id, kind=Kind.LADDER, key=key, values=values(key, sort_order=height)
    )
    assert isinstance(item, LadderStep)
    return item


def test_ladder_steps_are_a_catalogue_ordered_by_height(session: Session, actor: User) -> None:
    high = ladder_step(session, actor, "t_high", 40)
    low = ladder_step(session, actor, "t_low", 0)
    assert [i.key for i in services.list_items(session, Kind.LADDER)] == ["t_low", "t_high"]
    # Raising a step above another reorders the ladder.
    services.update_item(
        session, actor_id=actor.id, kind=Kind.LADDER, item=low, values=values("low", sort_order=50)
    )
    assert [i.key for i in services.in_screen_order(session, Kind.LADDER)] == ["t_high", "t_low"]
    assert services.items_by_id(session, Kind.LADDER, [high.id]) == {high.id: high}
    assert services.get_item(session, Kind.LADDER, high.id) is high
    with pytest.raises(services.ItemNotFoundError):
        services.get_item(session, Kind.SUPPLIES, high.id)
    counts = {c.kind: c for c in services.counts(session)}
    assert counts[Kind.LADDER].total == 2
    assert [e.action for e in events(session, "catalogue.created", "ladder_step", high.id)] == [
        "catalogue.created"
    ]
    assert len(events(session, "catalogue.updated", "ladder_step", low.id)) == 1


def test_a_step_under_an_active_programme_stays_active(session: Session, actor: User) -> None:
    used = ladder_step(session, actor, "t_used", 10)
    factories.site(session, key="t_home")
    programme = programme_on(session, used, "Night shelter")
    with pytest.raises(FieldErrors) as caught:
        services.deactivate_item(session, actor_id=actor.id, kind=Kind.LADDER, item=used)
    assert caught.value.codes("active") == ["ladder_step_in_use"]
    assert caught.value.get("active")[0].params == {"count": 1, "programmes": "Night shelter"}
    assert used.active and events(session, "catalogue.deactivated", "ladder_step", used.id) == []
    # Once the programme is closed, the step can go (past programmes keep pointing at it).
    programme.active = False
    session.flush()
    assert services.deactivate_item(session, actor_id=actor.id, kind=Kind.LADDER, item=used)
    assert not used.active


def programme_on(session: Session, step: LadderStep, name: str) -> Programme:
    site_id = session.scalars(select(Site.id).order_by(Site.id)).first()
    made = Programme(
        name=name,
        type=ProgrammeType.NIGHT_SHELTER,
        site_id=site_id,
        capacity=2,
        capacity_unit=CapacityUnit.BEDS,
        ladder_step_id=step.id,
    )
    session.add(made)
    session.flush()
    return made
