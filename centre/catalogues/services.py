"""Maintaining the catalogues: list, create, edit, deactivate, reactivate. Pure: no request.

Items are never deleted (past visits point at them); the key is fixed at creation because
code and exports may refer to it, while labels and order can change freely.

The housing ladder is a catalogue too, though its model lives in the housing package: that
package imports its pages, and some of them use this module, so the ladder's model is
imported on first use (`models()`), never while this module loads (an import cycle).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, TypeAlias, cast

from sqlalchemy import Select, bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from centre.audit.actions import Action
from centre.audit.services import record
from centre.validation import FieldErrors, single

from . import actions
from .models import Service, Site, SiteKind, Supply

if TYPE_CHECKING:
    from centre.employment.models import TaskType, WorkPhase
    from centre.housing.models import LadderStep

KEY_PATTERN = re.compile(r"[a-z0-9_]{2,40}")
SHORTCUT_PATTERN = re.compile(r"[a-z]")
MAX_LABEL_LENGTH = 80
MIN_SORT_ORDER, MAX_SORT_ORDER = 0, 9999
# Above this, a per-visit maximum is itself more likely a typo than a real limit.
MIN_PER_VISIT, MAX_PER_VISIT = 1, 10_000
LANGUAGES = ("fr", "nl", "en")


Item: TypeAlias = "Site | Service | Supply | LadderStep | TaskType | WorkPhase"


class Kind(enum.StrEnum):
    """A catalogue, as named in URLs."""

    SITES = "sites"
    SERVICES = "services"
    SUPPLIES = "supplies"
    LADDER = "ladder"  # the housing ladder: its steps, sort_order is a step's height
    TASK_TYPES = "task-types"  # kinds of day job
    WORK_PHASES = "work-phases"  # the progression to work: sort_order is a phase's height


@cache
def models() -> dict[Kind, type[Item]]:
    """The model of each catalogue, in the order pages list them."""
    from centre.employment.models import TaskType, WorkPhase  # as the ladder, below
    from centre.housing.models import LadderStep  # see the module docstring

    return {
        Kind.SITES: Site,
        Kind.SERVICES: Service,
        Kind.SUPPLIES: Supply,
        Kind.LADDER: LadderStep,
        Kind.TASK_TYPES: TaskType,
        Kind.WORK_PHASES: WorkPhase,
    }


# The audit log's object_type for one item of each catalogue.
OBJECT_TYPES = {
    Kind.SITES: "site",
    Kind.SERVICES: "service",
    Kind.SUPPLIES: "supply",
    Kind.LADDER: "ladder_step",
    Kind.TASK_TYPES: "task_type",
    Kind.WORK_PHASES: "work_phase",
}


class CatalogueError(Exception):
    """Base of the errors routes turn into messages."""


class ItemNotFoundError(CatalogueError):
    pass


@dataclass(frozen=True)
class ItemValues:
    """What a manager can set on an item. Fields that do not apply to a catalogue are ignored."""

    label_fr: str
    label_nl: str
    label_en: str
    sort_order: int = 0
    shortcut: str | None = None  # services
    max_per_visit: int = 50  # supplies
    is_syringe: bool = False  # supplies
    site_kind: SiteKind = SiteKind.CENTRE  # sites


@dataclass(frozen=True)
class KindCount:
    kind: Kind
    active: int
    total: int


# --- reading ----------------------------------------------------------------------------------


def list_items(session: Session, kind: Kind) -> list[Item]:
    """Every item of a catalogue: active first, then in screen order, then by key."""
    model = models()[kind]
    query = select(model).order_by(model.active.desc(), model.sort_order, model.key)
    # mypy sees the union of models as their Base; every row is of `model`.
    return cast("list[Item]", list(session.scalars(query)))


# Built once (the by-id queries on first use): the visit screen reads them on every request.
_ACTIVE_SITES = select(Site).where(Site.active.is_(True)).order_by(Site.sort_order, Site.id)


@cache
def _by_id(kind: Kind) -> Select[Any]:
    model = models()[kind]
    return select(model).where(model.id.in_(bindparam("ids", expanding=True)))


def active_sites(session: Session) -> list[Site]:
    """The sites a terminal can work for, in screen order."""
    return list(session.scalars(_ACTIVE_SITES))


def active_site(session: Session, site_id: int | None) -> Site | None:
    """The site with this id if it is active; else the first active site, if any."""
    site = session.get(Site, site_id) if site_id is not None else None
    if site is not None and site.active:
        return site
    return session.scalars(_ACTIVE_SITES.limit(1)).first()


def in_screen_order(session: Session, kind: Kind) -> list[Item]:
    """Every item in screen order, inactive ones too: older records still name them."""
    model = models()[kind]
    return cast(
        "list[Item]", list(session.scalars(select(model).order_by(model.sort_order, model.id)))
    )


def items_by_id(session: Session, kind: Kind, ids: Iterable[int]) -> dict[int, Item]:
    """The items of a catalogue with these ids (unknown ids are simply absent)."""
    wanted = list(ids)
    if not wanted:
        return {}
    items = cast("list[Item]", list(session.scalars(_by_id(kind), {"ids": wanted})))
    return {item.id: item for item in items}


def counts(session: Session) -> list[KindCount]:
    result = []
    for kind, model in models().items():
        total, active = session.execute(
            select(func.count(model.id), func.count(model.id).filter(model.active))
        ).one()
        result.append(KindCount(kind, int(active), int(total)))
    return result


def get_item(session: Session, kind: Kind, item_id: int) -> Item:
    model = models()[kind]
    item = session.get(model, item_id)
    if not isinstance(item, model):
        raise ItemNotFoundError(item_id)
    return item


# --- validation -------------------------------------------------------------------------------


def normalise_key(key: str, problems: FieldErrors) -> str:
    key = key.strip().lower()
    if not KEY_PATTERN.fullmatch(key):
        problems.add("key", "key_format")
    return key


def normalise_shortcut(shortcut: str | None, problems: FieldErrors) -> str | None:
    shortcut = (shortcut or "").strip().lower()
    if not shortcut:
        return None
    if not SHORTCUT_PATTERN.fullmatch(shortcut):
        problems.add("shortcut", "shortcut_format")
    return shortcut


def _check_range(problems: FieldErrors, name: str, value: int, low: int, high: int) -> None:
    if not low <= value <= high:
        problems.add(name, "range", low=low, high=high)


def normalise_values(kind: Kind, values: ItemValues, problems: FieldErrors) -> ItemValues:
    """Trimmed labels and checked numbers; what is wrong goes into `problems`."""
    labels = {}
    for language in LANGUAGES:
        name = f"label_{language}"
        label = getattr(values, name).strip()
        if not label:
            problems.add(name, "required")
        elif len(label) > MAX_LABEL_LENGTH:
            problems.add(name, "length", n=MAX_LABEL_LENGTH)
        labels[name] = label
    _check_range(problems, "sort_order", values.sort_order, MIN_SORT_ORDER, MAX_SORT_ORDER)
    shortcut = None
    if kind is Kind.SERVICES:
        shortcut = normalise_shortcut(values.shortcut, problems)
    if kind is Kind.SUPPLIES:
        _check_range(problems, "max_per_visit", values.max_per_visit, MIN_PER_VISIT, MAX_PER_VISIT)
    return ItemValues(
        **labels,
        sort_order=values.sort_order,
        shortcut=shortcut,
        max_per_visit=values.max_per_visit,
        is_syringe=values.is_syringe,
        site_kind=SiteKind(values.site_kind),
    )


def _check_shortcut_free(
    session: Session, problems: FieldErrors, shortcut: str | None, item_id: int | None
) -> None:
    """A letter toggles one service only: no two active services may share it."""
    if shortcut is None or "shortcut" in problems:
        return
    query = select(Service).where(Service.active, Service.shortcut == shortcut)
    if item_id is not None:
        query = query.where(Service.id != item_id)
    other = session.scalars(query.limit(1)).first()
    if other is not None:
        problems.add(
            "shortcut",
            "shortcut_taken",
            letter=shortcut,
            service={language: other.label(language) for language in LANGUAGES},
        )


def _apply(kind: Kind, item: Item, values: ItemValues) -> bool:
    """Copy the values that apply to this catalogue onto the item; True if anything changed."""
    names = ["label_fr", "label_nl", "label_en", "sort_order"]
    if kind is Kind.SERVICES:
        names.append("shortcut")
    elif kind is Kind.SUPPLIES:
        names += ["max_per_visit", "is_syringe"]
    changes = {name: getattr(values, name) for name in names}
    if kind is Kind.SITES:
        changes["kind"] = values.site_kind
    changed = False
    for name, value in changes.items():
        if getattr(item, name, None) != value:
            setattr(item, name, value)
            changed = True
    return changed


# --- changes ----------------------------------------------------------------------------------


def create_item(
    session: Session, *, actor_id: int, kind: Kind, key: str, values: ItemValues
) -> Item:
    """A new, active item. The key cannot be changed afterwards. FieldErrors if invalid."""
    problems = FieldErrors()
    key = normalise_key(key, problems)
    values = normalise_values(kind, values, problems)
    model = models()[kind]
    if "key" not in problems and session.scalar(select(model.id).where(model.key == key)):
        problems.add("key", "key_taken")
    if kind is Kind.SERVICES:
        _check_shortcut_free(session, problems, values.shortcut, None)
    problems.raise_if_any()
    item = model(key=key, active=True)
    _apply(kind, item, values)
    try:
        # A savepoint, so that a concurrent insert of the same key is told, not a 500.
        with session.begin_nested():
            session.add(item)
            session.flush()
    except IntegrityError:
        raise single("key", "key_taken") from None
    _record(session, actions.CREATED, actor_id, kind, item)
    return item


def update_item(
    session: Session, *, actor_id: int, kind: Kind, item: Item, values: ItemValues
) -> bool:
    """Change labels, order and the catalogue's own settings; True if anything changed."""
    problems = FieldErrors()
    values = normalise_values(kind, values, problems)
    if kind is Kind.SERVICES and item.active:
        _check_shortcut_free(session, problems, values.shortcut, item.id)
    problems.raise_if_any()
    if not _apply(kind, item, values):
        return False
    session.flush()
    _record(session, actions.UPDATED, actor_id, kind, item)
    return True


def _programmes_on_step(session: Session, step_id: int) -> list[str]:
    """The names of the active programmes placed on a ladder step."""
    from centre.housing.models import Programme  # see the module docstring

    query = (
        select(Programme.name)
        .where(Programme.ladder_step_id == step_id, Programme.active.is_(True))
        .order_by(Programme.name)
    )
    return list(session.scalars(query))


def deactivate_item(session: Session, *, actor_id: int, kind: Kind, item: Item) -> bool:
    """Hide the item from reception; past records keep it. False if it was already inactive.

    FieldErrors (ladder_step_in_use) for a ladder step an active programme stands on: the
    programme's form could no longer show, nor keep, its step.
    """
    if not item.active:
        return False
    if kind is Kind.LADDER:
        names = _programmes_on_step(session, item.id)
        if names:
            raise single(
                "active", "ladder_step_in_use", count=len(names), programmes=", ".join(names)
            )
    item.active = False
    session.flush()
    _record(session, actions.DEACTIVATED, actor_id, kind, item)
    return True


def reactivate_item(session: Session, *, actor_id: int, kind: Kind, item: Item) -> bool:
    """Offer the item again. FieldErrors (shortcut_taken) if an active service took its letter
    meanwhile."""
    if item.active:
        return False
    if isinstance(item, Service):
        problems = FieldErrors()
        _check_shortcut_free(session, problems, item.shortcut, item.id)
        problems.raise_if_any()
    item.active = True
    session.flush()
    _record(session, actions.REACTIVATED, actor_id, kind, item)
    return True


def _record(session: Session, action: Action, actor_id: int, kind: Kind, item: Item) -> None:
    record(session, action, by=actor_id, object_type=OBJECT_TYPES[kind], on=item.id)
