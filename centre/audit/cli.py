"""`flask --app wsgi audit verify`: check the keyed hash chain, for cron and for auditors."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import NoReturn

import click
from flask.cli import AppGroup

from centre import db
from centre.privacy.errors import KeyringError

from .services import Anchor, ChainBreak, check_anchor, head, verify

audit_cli = AppGroup("audit", help="Audit log tools.")


@audit_cli.command("verify")
@click.option(
    "--anchor",
    "anchor_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file kept off the database server (another host, write-once storage). It holds "
    "the head of the last good run; a log that no longer holds it was cut or rewritten. "
    "Updated after each good run. A missing file is an error: see --init.",
)
@click.option(
    "--init",
    "start_anchor",
    is_flag=True,
    help="Start the --anchor file, which must not exist yet, from the head of a good run. "
    "Once, by hand: never from cron, where it would hide a deleted anchor.",
)
def verify_command(anchor_path: Path | None, start_anchor: bool) -> None:
    """Recompute every event's HMAC; exit 1 and name the first bad event if any."""
    if start_anchor and anchor_path is None:
        raise click.UsageError("--init starts an anchor file: give it with --anchor FILE")
    anchor = _read_anchor(anchor_path, start=start_anchor) if anchor_path else None
    with db.database().new_session() as dbs:
        try:
            checked, broken = verify(dbs)
        except KeyringError as error:
            raise click.ClickException(str(error)) from None
        if broken is not None:
            _fail(broken, f"{checked} events before it are intact")
        cut = check_anchor(dbs, anchor) if anchor is not None else None
        if cut is not None:
            _fail(cut, f"the {checked} events left chain up correctly")
        newest = head(dbs)
    click.echo(f"audit log intact: {checked} events verified")
    if anchor is not None:
        click.echo(f"anchored event seq={anchor.seq} found unchanged")
    if anchor_path is not None:
        if newest is None:  # only when starting: an anchored log cannot be empty and pass
            raise click.ClickException(
                f"the log is empty, so there is nothing to anchor yet; {anchor_path} was not "
                "created (run with --init again once events are recorded)"
            )
        _write_anchor(anchor_path, newest)
        click.echo(f"anchor {anchor_path} now at seq={newest.seq}")


def _fail(broken: ChainBreak, context: str) -> NoReturn:
    where = f"event seq={broken.seq}" + (f" (id {broken.event_id})" if broken.event_id else "")
    click.echo(f"audit log BROKEN at {where}: {broken.reason}; {context}", err=True)
    raise SystemExit(1)


def _read_anchor(path: Path, *, start: bool) -> Anchor | None:
    # A missing anchor is never taken for a first run: deleting the file would otherwise
    # let a cut or rewritten log pass, and silently anchor it.
    if not path.exists():
        if start:
            return None
        raise click.ClickException(
            f"anchor file {path} does not exist: it may have been deleted. If this is the "
            "first run, start it with --init; otherwise find out why it is gone first."
        )
    if start:
        raise click.ClickException(
            f"anchor file {path} already exists: --init starts an anchor, never replaces one"
        )
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
