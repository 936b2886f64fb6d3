"""Production configuration fails fast, with a message that says what to set."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config import ConfigurationError, ProductionConfig

ROOT = Path(__file__).resolve().parent.parent


def start_production(**env: str) -> subprocess.CompletedProcess[str]:
    return start("production", **env)


def start(environment: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Import the app in a fresh process with only these settings."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("CENTRE_", "DATABASE_"))}
    clean.update({"CENTRE_ENV": environment, **env})
    return subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_without_secret_key_refuses_to_start() -> None:
    result = start_production(
        CENTRE_KEYRING_FILE="/run/keys/keyring.json",
        CENTRE_KEYSTORE_URL="postgresql://ks/keys",
        DATABASE_URL="postgresql://db/centre",
    )
    assert result.returncode != 0
    assert "CENTRE_SECRET_KEY is not set" in result.stderr
    assert "ConfigurationError" in result.stderr


def test_production_without_keys_or_database_names_each_missing_setting() -> None:
    result = start_production(CENTRE_SECRET_KEY="x" * 40)
    assert result.returncode != 0
    for setting in ("no encryption keyring", "CENTRE_KEYSTORE_URL", "DATABASE_URL"):
        assert setting in result.stderr


def test_production_with_debug_on_refuses_to_start() -> None:
    result = start_production(
        CENTRE_SECRET_KEY="x" * 40,
        FLASK_DEBUG="1",
        CENTRE_KEYRING_FILE="/k",
        CENTRE_KEYSTORE_URL="postgresql://k/k",
        DATABASE_URL="postgresql://d/d",
    )
    assert result.returncode != 0
    assert "debug mode is on" in result.stderr


def test_complete_production_config_passes_the_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLASK_DEBUG", raising=False)
    for name, value in {
        "CENTRE_KEYSTORE_URL": "postgresql://k/k",
        "DATABASE_URL": "postgresql://d/d",
    }.items():
        monkeypatch.setenv(name, value)

    class Complete(ProductionConfig):
        SECRET_KEY = "s" * 40
        KEYRING_FILE = "/run/keys/k.json"

    Complete.check()

    class Short(Complete):
        SECRET_KEY = "short"

    with pytest.raises(ConfigurationError, match="shorter than 32"):
        Short.check()


def test_development_on_postgresql_with_the_local_key_store_says_so(tmp_path: Path) -> None:
    settings = {
        "CENTRE_INSTANCE_DIR": str(tmp_path),
        "DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/test",
    }
    started = start("development", **settings)
    assert started.returncode == 0, started.stderr
    assert "CENTRE_KEYSTORE_URL is unset" in started.stderr
    assert str(tmp_path / "keystore.db") in started.stderr
    quiet = start(
        "development", **settings, CENTRE_KEYSTORE_URL=f"sqlite:///{tmp_path / 'keys.db'}"
    )
    assert quiet.returncode == 0 and "CENTRE_KEYSTORE_URL" not in quiet.stderr
