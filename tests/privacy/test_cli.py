from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from centre import db
from centre.audit.models import AuditEvent
from centre.audit.services import record, verify
from centre.auth import actions
from centre.db import table_of
from centre.privacy import privacy
from centre.privacy.fields import FieldCipher
from centre.privacy.keyring import Keyring, generate_keyring, load_keyring_file, write_keyring_file


def _keyring_path(app: Flask) -> Path:
    return Path(app.config["KEYRING_FILE"])


def test_init_creates_a_private_keyring_and_never_overwrites(cli_app: Flask) -> None:
    runner = cli_app.test_cli_runner()
    path = _keyring_path(cli_app)
    assert not path.exists()  # init_app itself created nothing

    result = runner.invoke(args=["keys", "init"])
    assert result.exit_code == 0, result.output
    assert "Created keyring file" in result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    original = path.read_bytes()

    again = runner.invoke(args=["keys", "init"])
    assert again.exit_code == 0, again.output
    assert "already exists" in again.output
    assert path.read_bytes() == original


def test_rotate_then_remove_the_old_key(cli_app: Flask) -> None:
    runner = cli_app.test_cli_runner()
    assert runner.invoke(args=["keys", "init"]).exit_code == 0
    path = _keyring_path(cli_app)
    old_id = load_keyring_file(path).current_kek_id

    with cli_app.app_context():
        ext = privacy()
        stored = {}
        for n in range(3):
            key_ref, cipher = ext.new_person_key()
            stored[key_ref] = cipher.encrypt_text("identity", "last_name", str(n), f"Name {n}")

    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    new_id = load_keyring_file(path).current_kek_id
    assert new_id != old_id
    assert f"New current key: {new_id}. Re-wrapped 3 data key(s)." in rotated.output
    assert f"keys remove {old_id}" in rotated.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    refused = runner.invoke(args=["keys", "remove", new_id])
    assert refused.exit_code != 0
    assert "current" in refused.output

    removed = runner.invoke(args=["keys", "remove", old_id])
    assert removed.exit_code == 0, removed.output
    assert list(load_keyring_file(path).keks) == [new_id]

    with cli_app.app_context():
        for n, (key_ref, blob) in enumerate(stored.items()):
            cipher = privacy().cipher_for(key_ref)
            assert cipher.decrypt_text("identity", "last_name", str(n), blob) == f"Name {n}"
        # Both changes are in the audit log, by key id (never key material), with no user.
        events = db.session().execute(
            select(AuditEvent.action, AuditEvent.object_id, AuditEvent.actor_id).order_by(
                AuditEvent.seq
            )
        )
        assert list(events) == [("keys.rotated", new_id, None), ("keys.removed", old_id, None)]
        assert verify(db.session()) == (2, None)


def test_remove_is_refused_while_data_keys_are_wrapped_with_it(cli_app: Flask) -> None:
    runner = cli_app.test_cli_runner()
    assert runner.invoke(args=["keys", "init"]).exit_code == 0
    path = _keyring_path(cli_app)
    old = load_keyring_file(path)
    with cli_app.app_context():
        privacy().keystore.create_key()
    # A new KEK is current, but the data key has not been re-wrapped yet.
    from centre.privacy.keyring import write_keyring_file

    write_keyring_file(path, old.with_new_kek())

    refused = runner.invoke(args=["keys", "remove", old.current_kek_id])
    assert refused.exit_code != 0
    assert "1 data key(s) are still wrapped" in refused.output
    assert old.current_kek_id in load_keyring_file(path).keks

    assert runner.invoke(args=["keys", "rewrap"]).exit_code == 0
    assert runner.invoke(args=["keys", "remove", old.current_kek_id]).exit_code == 0

    unknown = runner.invoke(args=["keys", "remove", "k-19990101-abcdef"])
    assert unknown.exit_code != 0


def test_status_shows_ids_and_counts_but_no_key_material(cli_app: Flask) -> None:
    runner = cli_app.test_cli_runner()
    assert runner.invoke(args=["keys", "init"]).exit_code == 0
    with cli_app.app_context():
        privacy().keystore.create_key()
        privacy().keystore.create_key()
    assert runner.invoke(args=["keys", "rotate"]).exit_code == 0
    with cli_app.app_context():
        privacy().keystore.create_key()
    keyring = load_keyring_file(_keyring_path(cli_app))

    result = runner.invoke(args=["keys", "status"])
    assert result.exit_code == 0, result.output
    assert f"{keyring.current_kek_id} (current): 3 data key(s)" in result.output
    for kek_id in keyring.keks:
        assert kek_id in result.output
    for key in [*keyring.keks.values(), keyring.blind_index_key]:
        assert base64.b64encode(key).decode() not in result.output
        assert key.hex() not in result.output


def test_rotate_needs_a_key_file(tmp_path: Path) -> None:
    from centre.privacy import init_app
    from centre.privacy.cli import keys_cli
    from centre.privacy.keyring import generate_keyring

    app = Flask("privacy_cli_json")
    app.config.update(KEYRING_JSON=generate_keyring().to_json(), KEYSTORE_DATABASE_URL="sqlite://")
    ext = init_app(app)
    app.cli.add_command(keys_cli)
    try:
        result = app.test_cli_runner().invoke(args=["keys", "rotate"])
        assert result.exit_code != 0
        assert "KEYRING_FILE" in result.output
    finally:
        ext.keystore.dispose()


def test_cipher_for_is_a_field_cipher(cli_app: Flask) -> None:
    assert cli_app.test_cli_runner().invoke(args=["keys", "init"]).exit_code == 0
    with cli_app.app_context():
        key_ref, cipher = privacy().new_person_key()
        assert isinstance(privacy().cipher_for(key_ref), FieldCipher)
        assert isinstance(cipher, FieldCipher)


def test_rotate_touches_no_key_when_the_audit_log_cannot_take_the_event(cli_app: Flask) -> None:
    runner = cli_app.test_cli_runner()
    assert runner.invoke(args=["keys", "init"]).exit_code == 0
    path = _keyring_path(cli_app)
    before = path.read_bytes()
    with cli_app.app_context():
        table_of(AuditEvent).drop(db.database().engine)  # e.g. a database not migrated yet
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code != 0
    assert path.read_bytes() == before


# --- audit keys -----------------------------------------------------------------------------


def version_1(keyring: Keyring) -> Keyring:
    """A keyring as `keys init` made them before audit keys existed."""
    return Keyring(
        keks=dict(keyring.keks),
        current_kek_id=keyring.current_kek_id,
        blind_index_key=keyring.blind_index_key,
    )


def _material(keyring: Keyring) -> list[str]:
    keys = [*keyring.keks.values(), keyring.blind_index_key, *keyring.audit_keys.values()]
    return [base64.b64encode(key).decode() for key in keys] + [key.hex() for key in keys]


def _log(app: Flask, count: int) -> None:
    with app.app_context():
        for n in range(count):
            record(db.session(), actions.LOGIN, by=None, object_type="user", on=n)
        db.session().commit()


def test_init_creates_a_keyring_with_an_audit_key(cli_app: Flask) -> None:
    result = cli_app.test_cli_runner().invoke(args=["keys", "init"])
    assert result.exit_code == 0, result.output
    keyring = load_keyring_file(_keyring_path(cli_app))
    assert keyring.current_audit_key_id is not None
    assert f"audit key {keyring.current_audit_key_id}" in result.output
    assert not any(text in result.output for text in _material(keyring))


def test_init_upgrades_a_version_1_keyring_in_place(cli_app: Flask) -> None:
    path = _keyring_path(cli_app)
    path.parent.mkdir(parents=True)
    old = version_1(generate_keyring().with_new_kek())
    write_keyring_file(path, old)
    assert json.loads(path.read_text())["version"] == 1
    runner = cli_app.test_cli_runner()

    refused = runner.invoke(args=["keys", "rotate"])  # recording the event needs an audit key
    assert refused.exit_code != 0 and "keys init" in refused.output
    assert load_keyring_file(path) == old

    result = runner.invoke(args=["keys", "init"])
    assert result.exit_code == 0, result.output
    upgraded = load_keyring_file(path)
    assert json.loads(path.read_text())["version"] == 2
    assert upgraded.keks == old.keks and upgraded.current_kek_id == old.current_kek_id
    assert upgraded.blind_index_key == old.blind_index_key
    assert upgraded.current_audit_key_id is not None
    assert f"added audit key {upgraded.current_audit_key_id}" in result.output
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert not any(text in result.output for text in _material(upgraded))
    assert sorted(p.name for p in path.parent.iterdir()) == ["keyring.json"]  # no temp left

    again = runner.invoke(args=["keys", "init"])
    assert again.exit_code == 0 and "already exists" in again.output
    assert load_keyring_file(path) == upgraded
    _log(cli_app, 1)  # the running app picks the audit key up without a restart
    with cli_app.app_context():
        assert verify(db.session()) == (1, None)


def test_init_says_what_to_do_with_a_version_1_keyring_in_the_variable(tmp_path: Path) -> None:
    from centre.privacy import init_app
    from centre.privacy.cli import keys_cli

    old = version_1(generate_keyring())
    app = Flask("privacy_cli_json_v1")
    app.config.update(KEYRING_JSON=old.to_json(), KEYSTORE_DATABASE_URL="sqlite://")
    ext = init_app(app)
    app.cli.add_command(keys_cli)
    try:
        result = app.test_cli_runner().invoke(args=["keys", "init"])
        assert result.exit_code != 0
        assert "CENTRE_KEYRING" in result.output and "CENTRE_KEYRING_FILE" in result.output
        assert "keys init" in result.output
        assert not any(text in result.output for text in _material(old))
    finally:
        ext.keystore.dispose()


def test_rotation_keeps_old_events_verifiable_and_keys_new_ones_with_the_new_key(
    cli_app: Flask,
) -> None:
    runner = cli_app.test_cli_runner()
    assert runner.invoke(args=["keys", "init"]).exit_code == 0
    path = _keyring_path(cli_app)
    old_id = load_keyring_file(path).current_audit_key_id
    _log(cli_app, 2)

    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    keyring = load_keyring_file(path)
    new_id = keyring.current_audit_key_id
    assert new_id not in (None, old_id) and old_id in keyring.audit_keys
    assert f"New audit key: {new_id}" in rotated.output
    _log(cli_app, 2)

    with cli_app.app_context():
        keyed = db.session().scalars(select(AuditEvent.key_id).order_by(AuditEvent.seq)).all()
        # Two logins and the rotation itself (recorded before the change) under the old key.
        assert keyed == [old_id, old_id, old_id, new_id, new_id]
        assert verify(db.session()) == (5, None)

    status = runner.invoke(args=["keys", "status"])
    assert status.exit_code == 0, status.output
    assert f"{old_id}: 3 audit event(s)" in status.output
    assert f"{new_id} (current): 2 audit event(s)" in status.output
    assert not any(text in status.output for text in _material(keyring))

    # Verification needs the old audit key while events use it: it cannot be removed.
    refused = runner.invoke(args=["keys", "remove", str(old_id)])
    assert refused.exit_code != 0 and "3 audit event(s)" in refused.output
    assert load_keyring_file(path).audit_keys == keyring.audit_keys
    current = runner.invoke(args=["keys", "remove", str(new_id)])
    assert current.exit_code != 0 and "current" in current.output


def test_an_audit_key_no_event_uses_can_be_removed(cli_app: Flask) -> None:
    runner = cli_app.test_cli_runner()
    assert runner.invoke(args=["keys", "init"]).exit_code == 0
    path = _keyring_path(cli_app)
    old = load_keyring_file(path)
    write_keyring_file(path, old.with_new_audit_key())  # no event was keyed with the old one
    removed = runner.invoke(args=["keys", "remove", str(old.current_audit_key_id)])
    assert removed.exit_code == 0, removed.output
    assert old.current_audit_key_id not in load_keyring_file(path).audit_keys
    with cli_app.app_context():
        events = db.session().execute(select(AuditEvent.action, AuditEvent.object_type)).all()
        assert [tuple(row) for row in events] == [("keys.removed", "audit_key")]
