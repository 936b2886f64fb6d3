"""A social worker, a colleague and a person with a code: what case tests start from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from centre.auth.models import Role, User
from centre.people.models import Person
from tests import factories
from tests.conftest import LoggedIn


@dataclass
class Office:
    worker: LoggedIn
    colleague: User
    person: Person


@pytest.fixture
def office(session: Session, app: Flask, login_as: Callable[..., LoggedIn]) -> Office:
    worker = login_as(Role.SOCIAL_WORKER)
    colleague = factories.user(session, app, role=Role.SOCIAL_WORKER)
    person = factories.person(session, actor_id=worker.user.id)
    session.commit()
    return Office(worker, colleague, person)
