"""Test data with named states (CONVENTIONS 11)."""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy.orm import Session

from centre.auth import services as auth_services
from centre.auth.models import Role, User

if TYPE_CHECKING:  # the factories import models lazily; their types are for mypy only
    from centre.catalogues.models import Service, Site, Supply
    from centre.people.models import Person

PASSWORD = "correct horse battery staple"
_numbers = itertools.count(1)


def policy(app: Flask) -> auth_services.PasswordPolicy:
    return auth_services.PasswordPolicy(
        time_cost=app.config["PASSWORD_HASH_TIME_COST"],
        memory_cost=app.config["PASSWORD_HASH_MEMORY_COST"],
    )


def user(
    session: Session,
    app: Flask,
    *,
    role: Role = Role.RECEPTION,
    username: str | None = None,
    password: str = PASSWORD,
    **attributes: Any,
) -> User:
    """An active user with a known password; `must_change_password=True` for a new one."""
    created, _ = auth_services.create_user(
        session,
        policy(app),
        actor_id=None,
        username=username or f"{role.value.replace('_', '')}{next(_numbers)}",
        role=role,
        password=password,
    )
    for name, value in attributes.items():
        setattr(created, name, value)
    session.flush()
    return created


def site(session: Session, *, key: str = "centre", kind: str = "centre", **extra: Any) -> Site:
    from centre.catalogues.models import Site, SiteKind

    item = Site(
        key=key,
        label_fr=f"{key} fr",
        label_nl=f"{key} nl",
        label_en=f"{key} en",
        kind=SiteKind(kind),
        **extra,
    )
    session.add(item)
    session.flush()
    return item


def service(session: Session, *, key: str, shortcut: str | None = None, **extra: Any) -> Service:
    from centre.catalogues.models import Service

    item = Service(
        key=key,
        label_fr=f"{key} fr",
        label_nl=f"{key} nl",
        label_en=f"{key} en",
        shortcut=shortcut,
        **extra,
    )
    session.add(item)
    session.flush()
    return item


def supply(
    session: Session, *, key: str, max_per_visit: int = 50, is_syringe: bool = False, **extra: Any
) -> Supply:
    from centre.catalogues.models import Supply

    item = Supply(
        key=key,
        label_fr=f"{key} fr",
        label_nl=f"{key} nl",
        label_en=f"{key} en",
        max_per_visit=max_per_visit,
        is_syringe=is_syringe,
        **extra,
    )
    session.add(item)
    session.flush()
    return item


def person(session: Session, *, actor_id: int, **extra: Any) -> Person:
    from centre.people import services as people_services

    return people_services.create_person(session, actor_id=actor_id, **extra)


def consenting_person(
    session: Session, *, actor_id: int, method: str = "oral", **extra: Any
) -> Person:
    """A person who agreed, orally by default, that their identity be kept."""
    from centre.people import services as people_services
    from centre.people.models import ConsentMethod, ConsentScope

    created = person(session, actor_id=actor_id, **extra)
    people_services.give_consent(
        session,
        actor_id=actor_id,
        person=created,
        scope=ConsentScope.IDENTITY,
        method=ConsentMethod(method),
    )
    return created
