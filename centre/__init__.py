"""centre: intake and case management for a low-threshold integrated centre."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g
from flask_babel import lazy_gettext as _l

from config import Config, config_from_environment

from . import db, privacy
from .auth import setup as auth_setup
from .errors import register_error_handlers
from .extensions import babel, csrf, login_manager
from .i18n import select_locale, select_timezone
from .inputs import RowIdConverter
from .security import register_security_headers


def create_app(config: type[Config] | None = None) -> Flask:
    """Build an application: configuration, extensions, blueprints, hooks, CLI.

    It never touches the schema: `flask --app wsgi db upgrade` does (DESIGN "Real components").
    """
    config = config or config_from_environment()
    config.check()

    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("centre").setLevel(logging.INFO)
    for warning in config.start_warnings():
        logging.getLogger("centre").warning(warning)

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"

    privacy.init_app(app)
    auth_setup.init_app(app)
    # Before any route is added: every <int:...> is a database id the engines can take.
    app.url_map.converters["int"] = RowIdConverter
    _register_blueprints(app)
    _register_request_hooks(app)
    _register_template_context(app)
    _register_cli(app)
    register_error_handlers(app)
    register_security_headers(app)
    return app


def _register_blueprints(app: Flask) -> None:
    # One explicit, ordered list (CONVENTIONS 1): no auto-discovery.
    from .audit import bp as audit_bp
    from .auth import bp as auth_bp
    from .cases import bp as cases_bp
    from .catalogues import bp as catalogues_bp
    from .directory import bp as directory_bp
    from .employment import bp as employment_bp
    from .housing import bp as housing_bp
    from .main import bp as main_bp
    from .people import bp as people_bp
    from .reception import bp as reception_bp

    for blueprint in (
        main_bp,
        auth_bp,
        people_bp,
        reception_bp,
        cases_bp,
        directory_bp,
        housing_bp,
        employment_bp,
        catalogues_bp,
        audit_bp,
    ):
        app.register_blueprint(blueprint)


def _register_request_hooks(app: Flask) -> None:
    @app.after_request
    def _commit(response: Response) -> Response:
        # The one commit of a request (CONVENTIONS 5): success commits, anything else rolls back.
        db_session = g.get("db_session")
        if db_session is not None:
            if response.status_code < 400:
                db_session.commit()
            else:
                db_session.rollback()
        return response


def _register_template_context(app: Flask) -> None:
    from .auth.labels import ROLE_LABELS
    from .i18n import LANGUAGE_NAMES, language
    from .navigation import navigation_for

    @app.context_processor
    def _layout_context() -> dict[str, Any]:
        return {
            "language_names": LANGUAGE_NAMES,
            "navigation_for": navigation_for,
            "role_label": lambda role: ROLE_LABELS[role],
            "current_locale": language,
        }


def _register_cli(app: Flask) -> None:
    from .audit.cli import audit_cli
    from .auth.cli import users_cli
    from .cli import db_cli
    from .people.cli import people_cli
    from .privacy.cli import keys_cli

    for group in (db_cli, users_cli, audit_cli, keys_cli, people_cli):
        app.cli.add_command(group)
