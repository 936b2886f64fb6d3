"""Language and time-zone selection: French by default, Dutch and English on request."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

BRUSSELS = ZoneInfo("Europe/Brussels")
LANGUAGE_NAMES = {"fr": "Français", "nl": "Nederlands", "en": "English"}
# Each language formats dates as staff in Brussels read them: 29/11/2026 and a 24-hour
# clock, not the US "11/29/26, 3:05 PM" of plain English. Translations are found under the
# language alone (gettext falls back from en_GB to en).
FORMAT_LOCALES = {"fr": "fr", "nl": "nl_BE", "en": "en_GB"}


def supported_languages() -> tuple[str, ...]:
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    return languages


def select_locale() -> str:
    return FORMAT_LOCALES.get(chosen_language(), chosen_language())


def chosen_language() -> str:
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


def language() -> str:
    """The language of the page ("fr", "nl" or "en"), whatever its date formats."""
    current = get_locale()
    return current.language if current else current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return "Europe/Brussels"
