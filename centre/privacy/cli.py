"""`flask keys ...`: create, rotate, prune and inspect encryption and audit keys.

Never prints a key.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup

from centre import db
from centre.audit.services import Action, count_by_key, record

from . import actions, privacy
from .errors import KeyNotFoundError, KeyringError
from .keyring import (
    generate_keyring,
    load_keyring_file,
    missing_audit_key_message,
    write_keyring_file,
)

keys_cli = AppGroup(
    "keys",
    help="Manage keys: create a development keyring (or add an audit key to an old one), "
    "rotate the key-encryption and audit keys, remove an old one, show status. Key material "
    "is never printed.",
)


def _keyring_path() -> Path:
    path = privacy().keyring_source.path
    if path is None:
        raise click.ClickException(
            "the keyring comes from KEYRING_JSON; this command needs KEYRING_FILE. Rotate by "
            "running it against a key file, then update the variable."
        )
    return path


def _audit(action: Action, key_id: str, object_type: str = "kek") -> None:
    """Record a key change (by the command line, so with no acting user), uncommitted.

    Recorded before the change and committed after it: a database that cannot take the
    event stops the command before any key is touched.
    """
    try:
        record(db.session(), action, by=None, object_type=object_type, on=key_id)
    except KeyringError as error:  # a version-1 keyring: say to run `keys init`
        raise click.ClickException(str(error)) from None


@keys_cli.command("init")
def init_command() -> None:
    """Create the keyring file if missing, or add an audit key to a version-1 one.

    Never overwrites or drops a key. Also creates the key store table.
    """
    ext = privacy()
    path = ext.keyring_source.path
    if path is None:
        if ext.keyring_source.get().current_audit_key_id is None:
            raise click.ClickException(missing_audit_key_message(None))
        click.echo("Keyring comes from KEYRING_JSON: no file to create.")
    elif path.exists():
        # Overwriting a keyring would destroy every encrypted value: there is no --force.
        keyring = load_keyring_file(path)
        if keyring.current_audit_key_id is None:
            # Version 1 predates audit keys: add one, keeping every other key as it is.
            upgraded = keyring.with_new_audit_key()
            write_keyring_file(path, upgraded)
            ext.keyring_source.refresh()
            click.echo(
                f"Keyring file {path} upgraded to format version 2: added audit key "
                f"{upgraded.current_audit_key_id}; every other key kept. Copy it to every "
                "app server."
            )
        else:
            click.echo(f"Keyring file {path} already exists: left unchanged.")
    else:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        keyring = generate_keyring()
        write_keyring_file(path, keyring)
        click.echo(
            f"Created keyring file {path} (mode 0600), key {keyring.current_kek_id}, "
            f"audit key {keyring.current_audit_key_id}."
        )
    ext.keystore.ensure_schema()
    click.echo("Key store table ready.")


@keys_cli.command("rotate")
def rotate_command() -> None:
    """New current key-encryption and audit keys; re-wrap every data key with the new KEK.

    Old audit keys stay in the keyring: verifying the events they keyed needs them.
    """
    ext = privacy()
    path = _keyring_path()
    old = load_keyring_file(path)
    new = old.with_new_kek().with_new_audit_key()
    # Keyed with the old audit key, like every event before the new keyring is saved.
    _audit(actions.KEYS_ROTATED, new.current_kek_id)
    # The file first: no data key may be wrapped with a KEK that is not yet saved.
    write_keyring_file(path, new)
    ext.keyring_source.refresh()
    count = ext.keystore.rewrap_all()
    db.session().commit()  # the audit event recorded above
    click.echo(f"New current key: {new.current_kek_id}. Re-wrapped {count} data key(s).")
    click.echo(
        f"New audit key: {new.current_audit_key_id} keys new audit events; older audit keys "
        "stay in the keyring to verify the events they keyed."
    )
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
    """Remove an old key-encryption key once no data key is wrapped with it, or an old
    audit key that no audit event is keyed with."""
    ext = privacy()
    path = _keyring_path()
    keyring = load_keyring_file(path)
    if kek_id in keyring.audit_keys:
        _remove_audit_key(path, kek_id)
        return
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
    _audit(actions.KEY_REMOVED, kek_id)
    try:
        write_keyring_file(path, keyring.without_kek(kek_id))
    except (KeyringError, KeyNotFoundError) as error:
        raise click.ClickException(str(error)) from None
    ext.keyring_source.refresh()
    db.session().commit()  # the audit event recorded above
    click.echo(f"Removed key {kek_id}. Current key: {keyring.current_kek_id}.")


def _remove_audit_key(path: Path, key_id: str) -> None:
    keyring = load_keyring_file(path)
    if key_id == keyring.current_audit_key_id:
        raise click.ClickException(f"{key_id} is the current audit key; rotate first.")
    # Verification needs the key of every event: a key still in use stays for good.
    still = count_by_key(db.session()).get(key_id, 0)
    if still:
        raise click.ClickException(
            f"{still} audit event(s) are keyed with {key_id}; verifying them needs it, so it "
            "stays in the keyring."
        )
    _audit(actions.KEY_REMOVED, key_id, object_type="audit_key")
    write_keyring_file(path, keyring.without_audit_key(key_id))
    privacy().keyring_source.refresh()
    db.session().commit()  # the audit event recorded above
    click.echo(f"Removed audit key {key_id}. Current audit key: {keyring.current_audit_key_id}.")


@keys_cli.command("status")
def status_command() -> None:
    """Key ids, which one is current, how many data keys each KEK wraps and how many audit
    events each audit key keyed."""
    ext = privacy()
    source = ext.keyring_source
    keyring = source.refresh()
    counts = ext.keystore.count_by_kek()
    click.echo(f"Keyring: {source.path if source.path is not None else 'KEYRING_JSON'}")
    click.echo("Key-encryption keys:")
    for kek_id in sorted(keyring.keks):
        marker = " (current)" if kek_id == keyring.current_kek_id else ""
        click.echo(f"  {kek_id}{marker}: {counts.get(kek_id, 0)} data key(s)")
    for kek_id in sorted(set(counts) - set(keyring.keks)):
        # Such keys cannot be unwrapped by anyone holding this keyring.
        click.echo(f"  {kek_id} (MISSING from keyring): {counts[kek_id]} data key(s)")
    click.echo("Audit keys:")
    events = count_by_key(db.session())
    if not keyring.audit_keys:
        click.echo(f"  none: {missing_audit_key_message(source.path)}")
    for key_id in sorted(keyring.audit_keys):
        marker = " (current)" if key_id == keyring.current_audit_key_id else ""
        click.echo(f"  {key_id}{marker}: {events.get(key_id, 0)} audit event(s)")
    for key_id in sorted(set(events) - set(keyring.audit_keys)):
        # Nobody holding this keyring can verify these events.
        click.echo(f"  {key_id} (MISSING from keyring): {events[key_id]} audit event(s)")
