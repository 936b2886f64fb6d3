"""Server-side sessions stored in the database, so they are shared and revocable.

Flask's default session is a signed cookie: it cannot be ended from the server, so logout,
disabling a user or changing a password could not kill it. Here a logged-in user's cookie
carries only a random token; the data and its timeouts live in `user_sessions`.

Before login there is nothing to revoke: what a visitor's session holds (the CSRF token of
the login form, a chosen language, a message) stays in a signed cookie, as in Flask's
default. So anonymous traffic never writes to the database, whose single SQLite writer is
reception's to use.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, Response
from flask.json.tag import TaggedJSONSerializer
from flask.sessions import SessionInterface, SessionMixin
from itsdangerous import BadSignature, URLSafeTimedSerializer
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
        self.stale_token = False  # the browser sent a token the server no longer knows
        self.from_cookie = False  # a visitor's data came in the signed cookie

    @property
    def logged_in(self) -> bool:
        return "_user_id" in self and not self.end_requested

    def rotate(self) -> None:
        """Give this session a new id at the next save (at login: no session fixation)."""
        self.rotate_requested = True
        self.modified = True

    def end(self) -> None:
        """Delete this session on the server; its cookie becomes worthless."""
        self.clear()
        self.end_requested = True
        self.modified = True


def _user_id_of(data: dict[str, Any]) -> int | None:
    value = data.get("_user_id")
    return int(value) if value is not None else None


class DatabaseSessionInterface(SessionInterface):
    def anonymous_cookie_name(self, app: Flask) -> str:
        return f"{self.get_cookie_name(app)}_visitor"

    def serializer(self, app: Flask) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(
            app.secret_key or "",
            salt="centre-visitor-session",
            serializer=TaggedJSONSerializer(),
            signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha256},
        )

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        token = request.cookies.get(self.get_cookie_name(app))
        if token:
            server_session = self._load(app, token)
            if server_session is not None:
                return server_session
        visitor = self._visitor_session(app, request)
        visitor.stale_token = bool(token)
        return visitor

    def _load(self, app: Flask, token: str) -> ServerSession | None:
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
            return None
        if (
            now - row.last_seen_at > app.config["SESSION_IDLE_TIMEOUT"]
            or now - row.created_at > app.config["SESSION_ABSOLUTE_TIMEOUT"]
        ):
            self._delete(token)
            return None
        server_session = ServerSession(json.loads(row.data), token, row.last_seen_at)
        # Held here because the identity map keeps objects only while someone refers to them.
        server_session.user = row.User
        return server_session

    def _visitor_session(self, app: Flask, request: Request) -> ServerSession:
        signed = request.cookies.get(self.anonymous_cookie_name(app))
        data: dict[str, Any] = {}
        if signed:
            try:
                loaded = self.serializer(app).loads(
                    signed, max_age=int(app.config["SESSION_ABSOLUTE_TIMEOUT"].total_seconds())
                )
            except BadSignature:
                loaded = None
            # A visitor's cookie never logs anyone in: only a server-side session can.
            if isinstance(loaded, dict) and "_user_id" not in loaded:
                data = loaded
        visitor = ServerSession(data)
        visitor.from_cookie = bool(signed)
        return visitor

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)  # noqa: S101 - set by open_session above
        if session.token and not session.logged_in:
            # Logout, lock, or a session that lost its user: it ends on the server.
            self._delete(session.token)
            session.token = None
            self._forget(app, response, self.get_cookie_name(app))
        elif session.stale_token and not session.logged_in:
            self._forget(app, response, self.get_cookie_name(app))
        if session.logged_in:
            self._save_on_server(app, session, response)
            if session.from_cookie:
                self._forget(app, response, self.anonymous_cookie_name(app))
        else:
            self._save_in_cookie(app, session, response)

    def _save_on_server(self, app: Flask, session: ServerSession, response: Response) -> None:
        now = utcnow()
        if session.token is None or session.rotate_requested:
            if session.token:
                self._delete(session.token)
            # Flask-WTF makes a new CSRF token for the new session at the next form.
            session.pop("csrf_token", None)
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
        # A browser-session cookie: closing the browser ends it; the server enforces the
        # idle and absolute limits.
        self._set(app, response, self.get_cookie_name(app), session.token)

    def _save_in_cookie(self, app: Flask, session: ServerSession, response: Response) -> None:
        name = self.anonymous_cookie_name(app)
        if not session:
            if session.from_cookie:
                self._forget(app, response, name)
            return
        if session.modified or not session.from_cookie:
            self._set(app, response, name, self.serializer(app).dumps(dict(session)))

    def _set(self, app: Flask, response: Response, name: str, value: str) -> None:
        response.set_cookie(
            name,
            value,
            httponly=self.get_cookie_httponly(app),
            secure=self.get_cookie_secure(app),
            samesite=self.get_cookie_samesite(app),
            domain=self.get_cookie_domain(app),
            path=self.get_cookie_path(app),
        )

    def _forget(self, app: Flask, response: Response, name: str) -> None:
        response.delete_cookie(
            name, domain=self.get_cookie_domain(app), path=self.get_cookie_path(app)
        )

    @staticmethod
    def _delete(token: str) -> None:
        with db.database().engine.begin() as connection:
            connection.execute(SESSIONS.delete().where(SESSIONS.c.token_hash == hash_token(token)))
