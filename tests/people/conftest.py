"""What people tests share: the privacy extension and a social worker who acts."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from centre.auth.models import Role, User
from centre.privacy import Privacy
from tests import factories


@pytest.fixture
def privacy(app: Flask) -> Privacy:
    ext: Privacy = app.extensions["centre.privacy"]
    return ext


@pytest.fixture
def actor(session: Session, app: Flask) -> User:
    user = factories.user(session, app, role=Role.SOCIAL_WORKER)
    session.commit()
    return user
