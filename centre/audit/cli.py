"""`flask --app wsgi audit verify`: check the hash chain, for cron and for auditors."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from centre import db

from .services import verify

audit_cli = AppGroup("audit", help="Audit log tools.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Recompute every event's hash; exit 1 and name the first bad event if any."""
    with db.database().new_session() as dbs:
        checked, broken = verify(dbs)
    if broken is None:
        click.echo(f"audit log intact: {checked} events verified")
        return
    where = f"event seq={broken.seq}" + (f" (id {broken.event_id})" if broken.event_id else "")
    click.echo(
        f"audit log BROKEN at {where}: {broken.reason}; {checked} events before it are intact",
        err=True,
    )
    raise SystemExit(1)
