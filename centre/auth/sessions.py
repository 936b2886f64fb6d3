"""Server-side sessions stored in the database, so they are shared and revocable.

Flask's default session is a signed cookie: it cannot be ended from the server, so logout,
disabling a user or changing a password could not kill it. Here the cookie carries only a
random token; the data and its timeouts live in `user_sessions`.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import select
from werkzeug.datastructures import CallbackDict

from centre import db
from centre.db import table_of, utcnow

from .models import User, UserSession

SESSIONS = table_of(UserSession)

# Refreshing last_seen on every request would turn every page view into a write.
LAST_SEEN_GRANULARITY = timedelta(seconds=60)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    def __init__(
        self,
        initial: dict[str, Any] | None = None,
        token: str | None = None,
        last_seen_at: datetime | None = None,
    ) -> None:
        def on_update(_self: Any) -> None:
            self.modified = True

        super().__init__(initial or {}, on_update)
        self.token = token
        self.last_seen_at = last_seen_at
        self.new = token is None
        self.modified = False
        self.rotate_requested = False
        self.end_requested = False
        self.user: User | None = None  # loaded with the session row (open_session)

    def rotate(self) -> None:
        """Give this session a new id at the next save (at login: no session fixation)."""
        self.rotate_requested = True
        self.modified = True

    def end(self) -> None:
        """Delete this session on the server; its cookie becomes worthless."""
        self.clear()
        self.end_requested = True


def _user_id_of(data: dict[str, Any]) -> int | None:
    value = data.get("_user_id")
    return int(value) if value is not None else None


class DatabaseSessionInterface(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if not token:
            return ServerSession()
        now = utcnow()
        # One query on every request: the session's three columns and, in the request's
        # database session, its user, whom Flask-Login's loader then finds without a query.
        row = (
            db.session()
            .execute(
                select(SESSIONS.c.data, SESSIONS.c.created_at, SESSIONS.c.last_seen_at, User)
                .outerjoin(User, User.id == SESSIONS.c.user_id)
                .where(SESSIONS.c.token_hash == hash_token(token))
            )
            .first()
        )
        if row is None:
            return ServerSession()
        if (
            now - row.last_seen_at > app.config["SESSION_IDLE_TIMEOUT"]
            or now - row.created_at > app.config["SESSION_ABSOLUTE_TIMEOUT"]
        ):
            self._delete(token)
            return ServerSession()
        server_session = ServerSession(json.loads(row.data), token, row.last_seen_at)
        # Held here because the identity map keeps objects only while someone refers to them.
        server_session.user = row.User
        return server_session

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)  # noqa: S101 - set by open_session above
        name = self.get_cookie_name(app)
        domain = self.get_cookie_domain(app)
        path = self.get_cookie_path(app)
        now = utcnow()

        if session.end_requested or (not session and not session.new and session.modified):
            if session.token:
                self._delete(session.token)
            response.delete_cookie(name, domain=domain, path=path)
            return
        if not session and session.new:
            return  # nothing to keep: no row, no cookie

        if session.new or session.rotate_requested:
            if session.token:
                self._delete(session.token)
            token = secrets.token_urlsafe(32)
            with db.database().engine.begin() as connection:
                connection.execute(
                    SESSIONS.insert().values(
                        token_hash=hash_token(token),
                        user_id=_user_id_of(session),
                        data=json.dumps(dict(session), default=str),
                        created_at=now,
                        last_seen_at=now,
                    )
                )
            session.token = token
        elif session.modified or (
            session.last_seen_at is None or now - session.last_seen_at > LAST_SEEN_GRANULARITY
        ):
            assert session.token is not None  # noqa: S101 - not new, so it has a token
            with db.database().engine.begin() as connection:
                connection.execute(
                    SESSIONS.update()
                    .where(SESSIONS.c.token_hash == hash_token(session.token))
                    .values(
                        data=json.dumps(dict(session), default=str),
                        user_id=_user_id_of(session),
                        last_seen_at=now,
                    )
                )
        else:
            return

        response.set_cookie(
            name,
            session.token,
            httponly=self.get_cookie_httponly(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            domain=domain,
            path=path,
            # A browser-session cookie: closing the browser ends it; the server enforces
            # the idle and absolute limits.
        )

    @staticmethod
    def _delete(token: str) -> None:
        with db.database().engine.begin() as connection:
            connection.execute(SESSIONS.delete().where(SESSIONS.c.token_hash == hash_token(token)))
