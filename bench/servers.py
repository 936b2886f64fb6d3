"""Fresh databases, keyrings and accounts for one benchmark round, and the gunicorn servers.

Everything is created under a temporary directory (and, for PostgreSQL, in a schema
`bench_<pid>` of the database `test`) and removed again by the ExitStack callbacks, also on
Ctrl+C or an exception.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"
PASSWORD = "bench amber falcon river"  # noqa: S105 - a throwaway benchmark account


def say(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Round:
    """One engine's prepared world: the environment every `flask`/gunicorn call gets."""

    engine: str
    tmp: Path
    env: dict[str, str]
    database_url: str
    usernames: list[str]


def base_env(tmp: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CENTRE_", "FLASK_"))}
    env.update(
        CENTRE_ENV="development",
        CENTRE_INSTANCE_DIR=str(tmp),
        CENTRE_KEYRING_FILE=str(tmp / "keyring.json"),
        CENTRE_KEYSTORE_URL=f"sqlite:///{tmp / 'ks.db'}",
        DATABASE_URL=database_url,
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def flask_cli(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"flask {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return done.stdout


@contextmanager
def postgres_schema(name: str) -> Iterator[str]:
    """A fresh schema in the database `test`; yields the app's URL with it as search path."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        admin.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield (f"postgresql+psycopg://postgres@127.0.0.1:5432/test?options=-csearch_path%3D{name}")
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
        say(f"   dropped PostgreSQL schema {name}")


def prepare_round(stack: ExitStack, engine: str, tmp: Path, users: int) -> Round:
    """Keyring, migrated database with its default catalogues, and `users` receptionists."""
    if engine == "sqlite":
        database_url = f"sqlite:///{tmp / 'centre.db'}"
    elif engine == "postgresql":
        database_url = stack.enter_context(postgres_schema(f"bench_{os.getpid()}"))
    else:
        raise ValueError(f"unknown engine {engine!r}")
    env = base_env(tmp, database_url)
    say(f"   database: {database_url}")
    flask_cli(env, "keys", "init")
    flask_cli(env, "db", "upgrade")
    say("   keyring created, database migrated (default sites, services, supplies)")
    usernames = [f"bench{i}" for i in range(1, users + 1)]
    # Two at a time: each `flask` start costs a second or so, and Argon2 hashes the password.
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(
            pool.map(
                lambda u: flask_cli(
                    env, "users", "create", u, "--role", "reception", stdin=PASSWORD + "\n"
                ),
                usernames,
            )
        )
    say(f"   {users} reception accounts created (bench1..bench{users})")
    return Round(engine, tmp, env, database_url, usernames)


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def wait_healthy(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited at start-up:\n{server.tail()}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            connection.request("GET", "/healthz")
            status = connection.getresponse().status
            connection.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{server.name} not healthy after {timeout:.0f} s:\n{server.tail()}")


def stop(server: Server) -> None:
    """SIGTERM to the gunicorn master's process group (which we created), then SIGKILL."""
    if server.process.poll() is None:
        try:
            os.killpg(server.process.pid, signal.SIGTERM)
            server.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=5)
        except ProcessLookupError:
            pass
    say(f"   stopped {server.name} (pid {server.process.pid})")


def start_gunicorn(
    stack: ExitStack,
    name: str,
    app: str,
    env: dict[str, str],
    log: Path,
    *,
    workers: int,
    threads: int,
) -> Server:
    port = free_port()
    command = [
        str(BIN / "gunicorn"),
        "-w",
        str(workers),
        "-k",
        "gthread",
        "--threads",
        str(threads),
        "-b",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name, port, process, log)
    stack.callback(stop, server)
    wait_healthy(server)
    say(f"   started {name}: gunicorn {app} on 127.0.0.1:{port}, {workers}x{threads}")
    return server
