"""`flask keys ...`: create, rotate, prune and inspect encryption keys. Never prints a key."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from centre import db
from centre.audit.services import Action, record

from . import privacy
from .errors import KeyNotFoundError, KeyringError
from .keyring import generate_keyring, load_keyring_file, write_keyring_file

keys_cli = AppGroup(
    "keys",
    help="Manage encryption keys: create a development keyring, rotate the key-encryption "
    "key, remove an old one, show status. Key material is never printed.",
)


def _keyring_path() -> Path:
    path = privacy().keyring_source.path
    if path is None:
        raise click.ClickException(
            "the keyring comes from KEYRING_JSON; this command needs KEYRING_FILE. Rotate by "
            "running it against a key file, then update the variable."
        )
    return path


def _audit(action: Action, kek_id: str) -> None:
    """Record a key change (by the command line, so with no acting user), uncommitted.

    Recorded before the change and committed after it: a database that cannot take the
    event stops the command before any key is touched.
    """
    record(db.session(), action, actor_id=None, object_type="kek", object_id=kek_id)


@keys_cli.command("init")
def init_command() -> None:
    """Create the keyring file if missing (never overwrites), and the key store table."""
    ext = privacy()
    path = ext.keyring_source.path
    if path is None:
        click.echo("Keyring comes from KEYRING_JSON: no file to create.")
    elif path.exists():
        # Overwriting a keyring would destroy every encrypted value: there is no --force.
        click.echo(f"Keyring file {path} already exists: left unchanged.")
    else:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        keyring = generate_keyring()
        write_keyring_file(path, keyring)
        click.echo(f"Created keyring file {path} (mode 0600), key {keyring.current_kek_id}.")
    ext.keystore.ensure_schema()
    click.echo("Key store table ready.")


@keys_cli.command("rotate")
def rotate_command() -> None:
    """Add a new key-encryption key, make it current, and re-wrap every data key with it."""
    ext = privacy()
    path = _keyring_path()
    old = load_keyring_file(path)
    new = old.with_new_kek()
    _audit(Action.KEYS_ROTATED, new.current_kek_id)
    # The file first: no data key may be wrapped with a KEK that is not yet saved.
    write_keyring_file(path, new)
    ext.keyring_source.refresh()
    count = ext.keystore.rewrap_all()
    db.session().commit()  # the audit event recorded above
    click.echo(f"New current key: {new.current_kek_id}. Re-wrapped {count} data key(s).")
    for kek_id in old.keks:
        click.echo(
            f"Once every server has the new keyring file, remove the old key with "
            f"`flask keys remove {kek_id}`."
        )


@keys_cli.command("rewrap")
def rewrap_command() -> None:
    """Re-wrap data keys still under an old key (resumes an interrupted rotation)."""
    count = privacy().keystore.rewrap_all()
    click.echo(f"Re-wrapped {count} data key(s).")


@keys_cli.command("remove")
@click.argument("kek_id")
def remove_command(kek_id: str) -> None:
    """Remove an old key-encryption key once no data key is wrapped with it."""
    ext = privacy()
    path = _keyring_path()
    keyring = load_keyring_file(path)
    if kek_id == keyring.current_kek_id:
        raise click.ClickException(f"{kek_id} is the current key; rotate first.")
    if kek_id not in keyring.keks:
        raise click.ClickException(f"{kek_id} is not in the keyring.")
    still = ext.keystore.count_by_kek().get(kek_id, 0)
    if still:
        raise click.ClickException(
            f"{still} data key(s) are still wrapped with {kek_id}; run `flask keys rewrap` "
            "first. Removing it now would erase their data."
        )
    _audit(Action.KEY_REMOVED, kek_id)
    try:
        write_keyring_file(path, keyring.without_kek(kek_id))
    except (KeyringError, KeyNotFoundError) as error:
        raise click.ClickException(str(error)) from None
    ext.keyring_source.refresh()
    db.session().commit()  # the audit event recorded above
    click.echo(f"Removed key {kek_id}. Current key: {keyring.current_kek_id}.")


@keys_cli.command("status")
def status_command() -> None:
    """Key ids, which one is current, and how many data keys each one wraps."""
    ext = privacy()
    source = ext.keyring_source
    keyring = source.refresh()
    counts = ext.keystore.count_by_kek()
    click.echo(f"Keyring: {source.path if source.path is not None else 'KEYRING_JSON'}")
    for kek_id in sorted(keyring.keks):
        marker = " (current)" if kek_id == keyring.current_kek_id else ""
        click.echo(f"  {kek_id}{marker}: {counts.get(kek_id, 0)} data key(s)")
    for kek_id in sorted(set(counts) - set(keyring.keks)):
        # Such keys cannot be unwrapped by anyone holding this keyring.
        click.echo(f"  {kek_id} (MISSING from keyring): {counts[kek_id]} data key(s)")
