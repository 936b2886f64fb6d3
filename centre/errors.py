"""Friendly error pages that say what happened and leak nothing about why."""

from __future__ import annotations

import logging
import traceback

from flask import Flask, g, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as WerkzeugResponse

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please try again.")),
    403: (_l("Access refused"), _l("Your role does not give access to this page.")),
    404: (_l("Page not found"), _l("This page does not exist, or no longer exists.")),
    405: (_l("Not allowed"), _l("This action is not possible on this page.")),
    413: (
        _l("Too much data"),
        _l("What was sent is far larger than any form of this site. Nothing was saved."),
    ),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Please wait a few minutes and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An unexpected error occurred. Nothing was saved. Please try again."),
    ),
}


def render_error(code: int, message: str | None = None) -> tuple[str, int]:
    title, default_message = MESSAGES.get(code, MESSAGES[500])
    return (
        render_template(
            "errors/error.html", code=code, title=title, message=message or default_message
        ),
        code,
    )


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf_error(_error: CSRFError) -> tuple[str, int]:
        return render_error(
            400, str(_l("This form has expired or was already sent. Please fill it in again."))
        )

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int] | WerkzeugResponse:
        code = error.code or 500
        if code < 400:
            return error.get_response()
        return render_error(code if code in MESSAGES else 400 if code < 500 else 500)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        db_session = g.get("db_session")
        if db_session is not None:
            db_session.rollback()
        # Log the type and the frames only: exception messages can carry submitted values
        # (database errors quote their parameters), so they never reach the log.
        frames = " < ".join(
            f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno} {frame.name}"
            for frame in reversed(traceback.extract_tb(error.__traceback__))
        )
        log.error(
            "unhandled %s on %s %s at %s",
            type(error).__name__,
            request.method,
            request.url_rule,
            frames,
        )
        return render_error(500)
