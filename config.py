"""Configuration classes, one per environment.

Secrets and locations come from the environment. Production refuses to start when a secret is
missing or debug is on: a misconfigured production server must fail loudly, not run unsafe.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("CENTRE_INSTANCE_DIR", BASE_DIR / "instance"))


class ConfigurationError(RuntimeError):
    """The configuration cannot run safely; the message says what to set."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class Config:
    """Settings shared by every environment."""

    DEBUG = False
    TESTING = False

    SECRET_KEY: str | None = _env("CENTRE_SECRET_KEY")
    DATABASE_URL: str = _env("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'centre.db'}"
    # Where encryption keys live: a key file outside the database, or the keyring itself in
    # an environment variable (for secret stores that inject variables).
    KEYRING_FILE: str | None = _env("CENTRE_KEYRING_FILE")
    KEYRING_JSON: str | None = _env("CENTRE_KEYRING")
    # Per-person data keys live in their own database, apart from the main one: erasing a
    # key there leaves every copy of the main database undecryptable (crypto-shredding).
    KEYSTORE_DATABASE_URL: str = (
        _env("CENTRE_KEYSTORE_URL") or f"sqlite:///{INSTANCE_DIR / 'keystore.db'}"
    )

    # Identity of persons without any activity for this long is erased by
    # `flask people retention` (run it daily from cron).
    RETENTION_INACTIVE_DAYS = int(_env("CENTRE_RETENTION_INACTIVE_DAYS") or 730)

    # Reception: shift start times (Brussels wall clock) and the sharps-container factor
    # used to estimate returned syringes from a container's volume.
    SHIFT_STARTS = _env("CENTRE_SHIFT_STARTS") or "07:00,15:00,23:00"
    SYRINGES_PER_LITRE = int(_env("CENTRE_SYRINGES_PER_LITRE") or 80)

    # Day labour: ceilings per person, warned at sign-up and passed only with a reason. The
    # real ones follow the benefit rules of the people the centre serves: set them. The
    # defaults are TAPAJ's four hours a day, three days a week, and a monthly sum to adjust.
    DAY_LABOUR_MAX_HOURS_A_DAY = _env("CENTRE_DAY_LABOUR_MAX_HOURS_A_DAY") or "4"
    DAY_LABOUR_MAX_DAYS_A_WEEK = int(_env("CENTRE_DAY_LABOUR_MAX_DAYS_A_WEEK") or 3)
    DAY_LABOUR_MAX_EARNINGS_A_MONTH = _env("CENTRE_DAY_LABOUR_MAX_EARNINGS_A_MONTH") or "400.00"

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Brussels"
    LANGUAGES = ("fr", "nl", "en")

    SESSION_COOKIE_NAME = "centre_session"
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    # Server-side sessions: idle and absolute limits (DESIGN "Roles").
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)

    # The largest form (a visit with every supply, a long handover note) is a few kilobytes;
    # anything far bigger is refused with 413 before it is read.
    MAX_CONTENT_LENGTH = 128 * 1024

    WTF_CSRF_TIME_LIMIT = None  # the CSRF token lives as long as the server-side session

    # Argon2id cost; tests inject a cheaper one (CONVENTIONS 12), production keeps these.
    PASSWORD_HASH_TIME_COST = 3
    PASSWORD_HASH_MEMORY_COST = 65536

    @classmethod
    def check(cls) -> None:
        """Raise ConfigurationError when this configuration cannot run."""

    @classmethod
    def start_warnings(cls) -> list[str]:
        """What may be a mistake though the app can run: said once, at start."""
        warnings = []
        if (
            not cls.DATABASE_URL.startswith("sqlite")
            and cls.KEYSTORE_DATABASE_URL.startswith("sqlite")
            and _env("CENTRE_KEYSTORE_URL") is None
        ):
            warnings.append(
                f"DATABASE_URL is not SQLite but CENTRE_KEYSTORE_URL is unset: data keys go "
                f"to the local file {cls.KEYSTORE_DATABASE_URL.removeprefix('sqlite:///')}, "
                "which other app servers do not see. Set CENTRE_KEYSTORE_URL to a database "
                "of its own (production refuses to start without it)."
            )
        return warnings

    @classmethod
    def as_dict(cls) -> dict[str, Any]:
        return {k: getattr(cls, k) for k in dir(cls) if k.isupper()}


class DevelopmentConfig(Config):
    DEBUG = False  # the Werkzeug debugger executes code; enable it by hand only when needed
    SECRET_KEY = _env("CENTRE_SECRET_KEY") or "development-only-secret-key-not-for-production"
    KEYRING_FILE = _env("CENTRE_KEYRING_FILE") or str(INSTANCE_DIR / "keyring.json")


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105 - tests only
    DATABASE_URL = "sqlite://"
    KEYRING_FILE = None
    KEYSTORE_DATABASE_URL = "sqlite://"
    PASSWORD_HASH_TIME_COST = 1
    PASSWORD_HASH_MEMORY_COST = 64


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True

    @classmethod
    def check(cls) -> None:
        problems = []
        if not cls.SECRET_KEY:
            problems.append("CENTRE_SECRET_KEY is not set (use a long random value)")
        elif len(cls.SECRET_KEY) < 32:
            problems.append("CENTRE_SECRET_KEY is shorter than 32 characters")
        if not (cls.KEYRING_FILE or cls.KEYRING_JSON):
            problems.append(
                "no encryption keyring: set CENTRE_KEYRING_FILE to a key file outside the "
                "database, or CENTRE_KEYRING to its contents"
            )
        if _env("CENTRE_KEYSTORE_URL") is None:
            problems.append(
                "CENTRE_KEYSTORE_URL is not set (the key store is a database of its own, "
                "backed up apart from the main one)"
            )
        if _env("DATABASE_URL") is None:
            problems.append("DATABASE_URL is not set (production runs on PostgreSQL)")
        if cls.DEBUG or _env("FLASK_DEBUG") not in (None, "0", "false", "False"):
            problems.append("debug mode is on; it must be off in production")
        if problems:
            raise ConfigurationError(
                "centre cannot start in production: " + "; ".join(problems) + "."
            )


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_environment() -> type[Config]:
    """The configuration named by CENTRE_ENV (development when unset)."""
    name = _env("CENTRE_ENV", "development") or "development"
    try:
        return CONFIGS[name]
    except KeyError:
        raise ConfigurationError(
            f"CENTRE_ENV={name!r} is not one of: {', '.join(CONFIGS)}"
        ) from None
