"""`flask --app wsgi people retention`: erase identities past the retention period (cron)."""

from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from centre import db
from centre.db import utcnow
from centre.privacy import privacy

from . import services

people_cli = AppGroup("people", help="Persons: retention.")


@people_cli.command("retention")
@click.option(
    "--inactive-days",
    type=click.IntRange(min=30),
    default=None,
    help="Erase identities of persons without activity for this many days "
    "(default: RETENTION_INACTIVE_DAYS).",
)
@click.option("--dry-run", is_flag=True, help="Report what would be erased; erase nothing.")
def retention(inactive_days: int | None, dry_run: bool) -> None:
    """Erase identity (crypto-shredding) of inactive persons; print a report of codes only."""
    days = inactive_days or current_app.config["RETENTION_INACTIVE_DAYS"]
    since = utcnow() - timedelta(days=days)
    with db.database().new_session() as dbs:
        due = services.apply_retention(dbs, privacy(), inactive_since=since, dry_run=dry_run)
        if not dry_run:
            dbs.commit()
    verb = "would be erased" if dry_run else "erased"
    click.echo(
        f"retention: {len(due)} identit{'y' if len(due) == 1 else 'ies'} {verb} "
        f"(no activity for {days} days, since {since:%Y-%m-%d})"
    )
    for person in due:
        click.echo(f"  {person.code}  last activity {person.last_activity_at:%Y-%m-%d}")
