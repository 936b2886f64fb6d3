"""Fixtures shared by the whole suite.

Every database test runs once on SQLite and, when TEST_DATABASE_URL is set, once more on
PostgreSQL (test ids end in [sqlite] / [postgresql]). The schema comes from Alembic once per
engine; each test runs inside a transaction that is rolled back afterwards.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from centre import create_app, db
from centre.auth.models import Role, User
from centre.db import Base
from centre.privacy.keyring import generate_keyring
from config import TestingConfig
from tests import factories

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_URL = os.environ.get("TEST_DATABASE_URL", "")
ENGINES = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def pytest_configure(config: pytest.Config) -> None:
    if IN_CI and not POSTGRES_URL:
        raise pytest.UsageError("CI=true but TEST_DATABASE_URL is not set: PostgreSQL must run")


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"database engines: {', '.join(ENGINES)}"
        + ("" if POSTGRES_URL else " (set TEST_DATABASE_URL to add PostgreSQL)")
    ]


def worker_id() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def postgres_schema_url(base_url: str, schema: str) -> str:
    """`base_url` with its own schema, so parallel workers never share tables."""
    url = make_url(base_url)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    engine = db.make_engine(url.render_as_string(hide_password=False))
    try:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:
        raise pytest.UsageError(
            f"PostgreSQL at TEST_DATABASE_URL is unreachable: {error}"
        ) from None
    finally:
        engine.dispose()
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


def fresh_database_url(engine_name: str, tmp_dir: Path, label: str) -> str:
    """An empty database: a SQLite file, or a PostgreSQL schema of this process's own."""
    if engine_name == "sqlite":
        return f"sqlite:///{tmp_dir / f'{label}.db'}"
    # The process id keeps two test runs on one machine (or xdist workers) apart.
    return postgres_schema_url(POSTGRES_URL, f"t_{label}_{os.getpid()}")


def drop_database(url: str) -> None:
    """Drop a PostgreSQL schema made by fresh_database_url (SQLite files go with tmp)."""
    parsed = make_url(url)
    options = parsed.query.get("options", "")
    if parsed.get_backend_name() != "postgresql" or "search_path=" not in str(options):
        return
    schema = str(options).split("search_path=", 1)[1]
    engine = db.make_engine(
        parsed.difference_update_query(["options"]).render_as_string(hide_password=False)
    )
    with engine.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def make_test_config(database_url: str, **overrides: Any) -> type[TestingConfig]:
    attributes = {
        "DATABASE_URL": database_url,
        "KEYRING_JSON": generate_keyring().to_json(),
        "KEYSTORE_DATABASE_URL": "sqlite://",
        **overrides,
    }
    return type("SuiteConfig", (TestingConfig,), attributes)


def upgrade_to_head(app: Flask) -> None:
    from alembic import command

    from centre.cli import alembic_config

    config = alembic_config()
    config.attributes["configure_logging"] = False
    with app.app_context(), db.database().engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        connection.commit()


@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def app(engine_name: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    url = fresh_database_url(engine_name, tmp_path_factory.mktemp("db"), "suite")
    application = create_app(make_test_config(url))
    upgrade_to_head(application)
    application.extensions["centre.privacy"].keystore.ensure_schema()
    # Every test starts empty, the first one too (the migrations insert default catalogues).
    empty_all_tables(application.extensions["centre.db"].engine)
    yield application
    dispose(application)
    drop_database(url)


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    return tmp_path / "own.db"


@pytest.fixture
def disk_app(database_file: Path) -> Iterator[Flask]:
    """An app on a SQLite file of its own, so no other test's rows are in its bytes."""
    application = create_app(make_test_config(f"sqlite:///{database_file}"))
    upgrade_to_head(application)
    application.extensions["centre.privacy"].keystore.ensure_schema()
    yield application
    dispose(application)


def dispose(application: Flask) -> None:
    application.extensions["centre.db"].engine.dispose()
    application.extensions["centre.privacy"].keystore.dispose()


def empty_all_tables(engine: Engine) -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - our own table names


@pytest.fixture
def connection(app: Flask) -> Iterator[None]:
    """Each test commits for real, as production does, and finds the tables empty again.

    (Savepoint-based rollback was tried: it makes writes that must outlive a request's
    rollback, such as refused-access audit events, behave unlike production.)
    """
    yield
    empty_all_tables(app.extensions["centre.db"].engine)


@pytest.fixture
def session(app: Flask, connection: Any) -> Iterator[Session]:
    """The session a test arranges data and checks results with.

    Deliberately outside any app context: Flask reuses an active app context for test-client
    requests, which would share `g` (and the logged-in user) between test and requests.
    Commit before a request that must see the data; `reread(session)` to see what it wrote
    (on SQLite an open read transaction keeps its snapshot even after `expire_all()`).
    """
    with app.extensions["centre.db"].new_session() as own:
        yield own


@contextmanager
def refused_by(session: Session, constraint: str) -> Iterator[None]:
    """The block's flush must fail on the named constraint; the session is then rolled back.

    Both engines name the constraint in their error (SQLite "CHECK constraint failed: <name>",
    PostgreSQL 'violates check constraint "<name>"'), so a refusal for another reason fails.
    """
    with pytest.raises(IntegrityError, match=constraint):
        yield
    session.rollback()


def reread(session: Session) -> None:
    """See what requests committed: end the session's read snapshot and forget loaded state."""
    session.rollback()
    session.expire_all()


@pytest.fixture
def app_context(app: Flask, connection: Any) -> Iterator[Flask]:
    """For service tests that need `current_app` (never combine with client requests)."""
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask, connection: Any) -> FlaskClient:
    return app.test_client()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Browser:
    """A test client that logs in and posts forms with their CSRF token, like a user."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._csrf: str | None = None

    def get(self, url: str, **kwargs: Any) -> Any:
        response = self.client.get(url, **kwargs)
        if response.mimetype == "text/html":
            match = CSRF_RE.search(response.get_data(as_text=True))
            if match:
                self._csrf = match.group(1)
        return response

    def in_english(self) -> Self:
        """Pages in English, whatever the default language, so tests can read their words."""
        self.client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        return self

    def csrf(self) -> str:
        if self._csrf is None:
            self.get("/", follow_redirects=True)  # the login page, or any page's layout
        assert self._csrf is not None
        return self._csrf

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        payload = {"csrf_token": self.csrf(), **(data or {})}
        return self.client.post(url, data=payload, **kwargs)

    def login(self, username: str, password: str = factories.PASSWORD) -> Any:
        self._csrf = None
        response = self.post("/login", {"username": username, "password": password})
        self._csrf = None  # the session (and its CSRF token) changed at login
        return response


class LoggedIn(Browser):
    """A Browser logged in as `user`: what `login_as` returns."""

    def __init__(self, client: FlaskClient, user: User) -> None:
        super().__init__(client)
        self.user = user


@pytest.fixture
def browser(client: FlaskClient) -> Browser:
    return Browser(client)


@pytest.fixture
def make_user(session: Session, app: Flask) -> Callable[..., User]:
    def _make(role: Role = Role.RECEPTION, **kwargs: Any) -> User:
        return factories.user(session, app, role=role, **kwargs)

    return _make


@pytest.fixture
def login_as(
    app: Flask, make_user: Callable[..., User], session: Session
) -> Callable[..., LoggedIn]:
    """A fresh client logged in as a new user of the given role."""

    def _login(role: Role, **kwargs: Any) -> LoggedIn:
        user = make_user(role, **kwargs)
        session.commit()
        as_user = LoggedIn(app.test_client(), user)
        response = as_user.login(user.username)
        assert response.status_code == 302, "login failed"
        return as_user

    return _login
