"""Language and time-zone selection: French by default, Dutch and English on request."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, request, session
from flask_login import current_user

BRUSSELS = ZoneInfo("Europe/Brussels")
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}


def supported_languages() -> tuple[str, ...]:
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    return languages


def select_locale() -> str:
    """The user's saved choice, then this browser session's choice, then Accept-Language."""
    languages = supported_languages()
    user_locale = getattr(current_user, "locale", None) if current_user else None
    if user_locale in languages:
        return str(user_locale)
    chosen = session.get("locale")
    if chosen in languages:
        return str(chosen)
    best = request.accept_languages.best_match(languages)
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return "Europe/Brussels"
