"""Wiring of accounts into the application: sessions, the user loader, the policy."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from centre import db
from centre.extensions import login_manager

from . import services
from .models import User
from .permissions import register_policy_enforcement
from .sessions import DatabaseSessionInterface


def init_app(app: Flask) -> None:
    app.session_interface = DatabaseSessionInterface()
    # Our sessions already get a new id at login and die on the server; Flask-Login's own
    # identifier check would only log out tablets that change network.
    login_manager.session_protection = None

    @login_manager.user_loader
    def _load_user(user_id: str) -> User | None:
        user = db.session().get(User, int(user_id))
        return user if user is not None and user.active else None

    def _audit_refusal(endpoint: str) -> None:
        services.record_refusal(db.session(), actor_id=current_user.id, endpoint=endpoint)

    register_policy_enforcement(app, _audit_refusal)
