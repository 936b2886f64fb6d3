from __future__ import annotations

import base64
import stat
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from centre import db
from centre.audit.models import AuditEvent
from centre.audit.services import verify
from centre.privacy import privacy
from centre.privacy.fields import FieldCipher
from centre.privacy.keyring import load_keyring_file


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
        AuditEvent.__table__.drop(db.database().engine)  # e.g. a database not migrated yet
    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code != 0
    assert path.read_bytes() == before
