"""`flask --app wsgi audit verify`: check the hash chain, for cron and for auditors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import AppGroup

from centre import db

from .services import Anchor, ChainBreak, check_anchor, head, verify

audit_cli = AppGroup("audit", help="Audit log tools.")


@audit_cli.command("verify")
@click.option(
    "--anchor",
    "anchor_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file kept off the database server (another host, write-once storage). It holds "
    "the head of the last good run; a log that no longer holds it was cut or rewritten. "
    "Updated after each good run.",
)
def verify_command(anchor_path: Path | None) -> None:
    """Recompute every event's hash; exit 1 and name the first bad event if any."""
    anchor = _read_anchor(anchor_path) if anchor_path else None
    with db.database().new_session() as dbs:
        checked, broken = verify(dbs)
        if broken is not None:
            _fail(broken, f"{checked} events before it are intact")
        cut = check_anchor(dbs, anchor) if anchor is not None else None
        if cut is not None:
            _fail(cut, f"the {checked} events left chain up correctly")
        newest = head(dbs)
    click.echo(f"audit log intact: {checked} events verified")
    if anchor is not None:
        click.echo(f"anchored event seq={anchor.seq} found unchanged")
    if anchor_path is not None and newest is not None:
        _write_anchor(anchor_path, newest)
        click.echo(f"anchor {anchor_path} now at seq={newest.seq}")


def _fail(broken: ChainBreak, context: str) -> NoReturn:
    where = f"event seq={broken.seq}" + (f" (id {broken.event_id})" if broken.event_id else "")
    click.echo(f"audit log BROKEN at {where}: {broken.reason}; {context}", err=True)
    raise SystemExit(1)


def _read_anchor(path: Path) -> Anchor | None:
    if not path.exists():
        return None  # the first run creates it
    try:
        data = json.loads(path.read_text())
        return Anchor(int(data["seq"]), str(data["hash"]))
    except (ValueError, KeyError, TypeError) as error:
        raise click.ClickException(f"{path} is not an audit anchor ({error})") from None


def _write_anchor(path: Path, anchor: Anchor) -> None:
    # Written aside and renamed: an interrupted run never leaves half an anchor.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"seq": anchor.seq, "hash": anchor.hash}) + "\n")
    os.replace(partial, path)
