"""Real-browser tests: a real server process, driven by Playwright in Debian's Chromium.

Without /usr/bin/chromium these tests are skipped with a clear reason; under CI (CI=true) a
missing browser is an error instead, so a green CI run always includes them.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.conftest import IN_CI, drop_database, fresh_database_url

if TYPE_CHECKING:  # playwright itself is imported only when a browser test runs
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CENTRE_CHROMIUM", "/usr/bin/chromium")
ADMIN_PASSWORD = "quiet meadow lantern ferry"
# Flags for a sandboxed machine without network (see the project's environment notes).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


def chromium_available() -> bool:
    return Path(CHROMIUM).exists() or shutil.which(CHROMIUM) is not None


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not chromium_available():
        if IN_CI:
            pytest.fail(
                f"CI=true but Chromium is missing at {CHROMIUM}: install Debian's "
                "'chromium' package"
            )
        pytest.skip(f"browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]

    def flask(self, *args: str, stdin: str | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", *args],
            cwd=ROOT,
            env=self.env,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return result.stdout


@pytest.fixture(scope="session")
def live_server(
    engine_name: str, tmp_path_factory: pytest.TempPathFactory, chromium_path: str
) -> Iterator[LiveServer]:
    """centre served by a real process on a free port, with one administrator."""
    home = tmp_path_factory.mktemp("live")
    port = free_port()
    database_url = fresh_database_url(engine_name, home, "live")
    env = {
        **os.environ,
        "CENTRE_ENV": "development",
        "CENTRE_INSTANCE_DIR": str(home),
        "DATABASE_URL": database_url,
        "CENTRE_KEYRING_FILE": str(home / "keyring.json"),
        "CENTRE_KEYSTORE_URL": f"sqlite:///{home / 'keystore.db'}",
        "PYTHONUNBUFFERED": "1",
    }
    server = LiveServer(f"http://127.0.0.1:{port}", env)
    server.flask("keys", "init")
    server.flask("db", "upgrade")
    server.flask("users", "create", "admin", "--role", "admin", stdin=ADMIN_PASSWORD + "\n")
    log = (home / "server.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "wsgi",
            "run",
            "--port",
            str(port),
            "--with-threads",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{server.url}/healthz", timeout=2):  # noqa: S310
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the test server did not start; see {home / 'server.log'}"
                    ) from None
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()
        drop_database(database_url)


@pytest.fixture(scope="session")
def playwright_browser(chromium_path: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(playwright_browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh browser profile (no cookies) in French, as a Brussels terminal would be."""
    context = playwright_browser.new_context(
        base_url=live_server.url, locale="fr-BE", timezone_id="Europe/Brussels"
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
