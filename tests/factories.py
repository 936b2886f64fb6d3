"""Test data with named states (CONVENTIONS 11)."""

from __future__ import annotations

import itertools
from typing import Any

from flask import Flask
from sqlalchemy.orm import Session

from centre.auth import services as auth_services
from centre.auth.models import Role, User

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
