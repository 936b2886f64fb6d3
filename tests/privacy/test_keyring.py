from __future__ import annotations

import base64
import json
import os
import re
import stat
from pathlib import Path

import pytest

from centre.privacy.errors import KeyNotFoundError, KeyringError
from centre.privacy.keyring import (
    AuditKeys,
    Keyring,
    KeyringSource,
    generate_keyring,
    load_keyring_file,
    write_keyring_file,
)

KEK_ID = re.compile(r"k-\d{8}-[0-9a-f]{6}")
AUDIT_KEY_ID = re.compile(r"a-\d{8}-[0-9a-f]{6}")


def test_generated_keyring_shape(keyring: Keyring) -> None:
    assert KEK_ID.fullmatch(keyring.current_kek_id)
    assert list(keyring.keks) == [keyring.current_kek_id]
    assert len(keyring.kek(keyring.current_kek_id)) == 32
    assert len(keyring.blind_index_key) == 32
    assert keyring.blind_index_key != keyring.current_kek


def test_json_round_trip_and_format(keyring: Keyring) -> None:
    text = keyring.to_json()
    data = json.loads(text)
    assert set(data) == {
        "version",
        "current",
        "keks",
        "blind_index_key",
        "current_audit_key",
        "audit_keys",
    }
    assert data["version"] == 2
    assert Keyring.from_json(text) == keyring


def test_with_new_kek_and_without_kek(keyring: Keyring) -> None:
    rotated = keyring.with_new_kek()
    old_id = keyring.current_kek_id

    assert rotated.current_kek_id != old_id
    assert KEK_ID.fullmatch(rotated.current_kek_id)
    assert rotated.kek(old_id) == keyring.kek(old_id)
    assert rotated.blind_index_key == keyring.blind_index_key

    pruned = rotated.without_kek(old_id)
    assert list(pruned.keks) == [rotated.current_kek_id]
    with pytest.raises(KeyNotFoundError):
        pruned.kek(old_id)
    with pytest.raises(KeyringError, match="current"):
        rotated.without_kek(rotated.current_kek_id)


def test_keyring_cannot_be_changed_through_the_callers_dict(keyring: Keyring) -> None:
    keks = dict(keyring.keks)
    built = Keyring(
        keks=keks, current_kek_id=keyring.current_kek_id, blind_index_key=keyring.blind_index_key
    )
    keks["k-other"] = bytes(32)
    assert "k-other" not in built.keks


def test_repr_shows_no_key_material(keyring: Keyring) -> None:
    text = repr(keyring)
    for key in [*keyring.keks.values(), keyring.blind_index_key, *keyring.audit_keys.values()]:
        assert base64.b64encode(key).decode() not in text
        assert key.hex() not in text
        assert repr(key) not in text


def _json(keyring: Keyring, **changes: object) -> str:
    data = json.loads(keyring.to_json())
    data.update(changes)
    return json.dumps(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 3}, "version"),
        ({"current_audit_key": "a-missing"}, "not in the keyring"),
        ({"audit_keys": {}}, "audit_keys"),
        ({"audit_keys": {"a-1": base64.b64encode(b"z" * 16).decode()}}, "32 bytes"),
        ({"audit_keys": {"bad id!": base64.b64encode(b"z" * 32).decode()}}, "malformed"),
        ({"current": "k-missing"}, "not in the keyring"),
        ({"keks": {}}, "non-empty"),
        ({"keks": {"k-1": base64.b64encode(b"x" * 16).decode()}}, "32 bytes"),
        ({"keks": {"k-1": "not base64!!"}}, "base64"),
        ({"blind_index_key": base64.b64encode(b"y" * 31).decode()}, "blind-index key"),
        ({"extra": 1}, "unknown fields"),
    ],
)
def test_malformed_keyrings_are_refused_clearly(
    keyring: Keyring, change: dict[str, object], message: str
) -> None:
    with pytest.raises(KeyringError, match=message):
        Keyring.from_json(_json(keyring, **change))


def test_error_messages_never_echo_key_material(keyring: Keyring) -> None:
    short = base64.b64encode(b"secret-key-material!").decode()
    with pytest.raises(KeyringError) as caught:
        Keyring.from_json(_json(keyring, blind_index_key=short))
    assert short not in str(caught.value)
    with pytest.raises(KeyringError) as caught:
        Keyring.from_json("{not json " + short)
    assert short not in str(caught.value)
    assert caught.value.__cause__ is None


def test_blind_index_key_must_differ_from_keks(keyring: Keyring) -> None:
    with pytest.raises(KeyringError, match="differ"):
        Keyring(
            keks=dict(keyring.keks),
            current_kek_id=keyring.current_kek_id,
            blind_index_key=keyring.current_kek,
        )


def test_write_is_atomic_and_private(tmp_path: Path, keyring: Keyring) -> None:
    path = tmp_path / "keyring.json"
    write_keyring_file(path, keyring)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_keyring_file(path) == keyring

    rotated = keyring.with_new_kek()
    write_keyring_file(path, rotated)
    assert load_keyring_file(path) == rotated
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keyring.json"]  # no temp left


def test_missing_file_is_a_keyring_error(tmp_path: Path) -> None:
    with pytest.raises(KeyringError, match="not found"):
        load_keyring_file(tmp_path / "absent.json")
    with pytest.raises(KeyringError, match="not found"):
        KeyringSource(path=tmp_path / "absent.json").get()


def test_source_rereads_a_file_whose_mtime_changed(keyring_file: Path, keyring: Keyring) -> None:
    source = KeyringSource(path=keyring_file)
    assert source.get() == keyring
    assert source.get() is source.get()  # cached while unchanged

    rotated = keyring.with_new_kek()
    before = keyring_file.stat().st_mtime_ns
    # Rewrite in place (same inode) and force another mtime: only the mtime tells.
    keyring_file.write_text(rotated.to_json(), encoding="utf-8")
    os.utime(keyring_file, ns=(before + 5_000_000_000, before + 5_000_000_000))

    assert source.get() == rotated


def test_source_picks_up_an_atomically_replaced_file(keyring_file: Path, keyring: Keyring) -> None:
    source = KeyringSource(path=keyring_file)
    assert source.get() == keyring
    rotated = keyring.with_new_kek()
    write_keyring_file(keyring_file, rotated)
    assert source.get() == rotated


def test_refresh_forces_a_reread(keyring_file: Path, keyring: Keyring) -> None:
    source = KeyringSource(path=keyring_file)
    source.get()
    rotated = keyring.with_new_kek()
    st = keyring_file.stat()
    keyring_file.write_text(rotated.to_json(), encoding="utf-8")
    os.utime(keyring_file, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime unchanged
    assert source.refresh() == rotated


def test_json_source(keyring: Keyring) -> None:
    source = KeyringSource(json_text=keyring.to_json())
    assert source.path is None
    assert source.get() == keyring == source.refresh()
    with pytest.raises(KeyringError):
        KeyringSource(json_text="{}")
    with pytest.raises(KeyringError, match="exactly one"):
        KeyringSource()


def test_generated_keyrings_differ() -> None:
    assert generate_keyring().current_kek != generate_keyring().current_kek


# --- audit keys (format version 2) --------------------------------------------------------


def version_1(keyring: Keyring) -> Keyring:
    """The same keyring as it was before audit keys existed."""
    return Keyring(
        keks=dict(keyring.keks),
        current_kek_id=keyring.current_kek_id,
        blind_index_key=keyring.blind_index_key,
    )


def test_generated_keyring_has_an_audit_key(keyring: Keyring) -> None:
    assert keyring.current_audit_key_id is not None
    assert AUDIT_KEY_ID.fullmatch(keyring.current_audit_key_id)
    assert list(keyring.audit_keys) == [keyring.current_audit_key_id]
    assert len(keyring.current_audit_key) == 32
    assert keyring.current_audit_key not in (keyring.current_kek, keyring.blind_index_key)


def test_a_version_1_keyring_still_loads_without_an_audit_key(keyring: Keyring) -> None:
    data = json.loads(keyring.to_json())
    for name in ("current_audit_key", "audit_keys"):
        del data[name]
    data["version"] = 1
    old = Keyring.from_json(json.dumps(data))
    assert old == version_1(keyring)
    assert old.current_audit_key_id is None and dict(old.audit_keys) == {}
    with pytest.raises(KeyringError, match="audit key"):
        _ = old.current_audit_key
    assert json.loads(old.to_json())["version"] == 1  # written back as what it is
    with pytest.raises(KeyringError, match="unknown fields"):
        Keyring.from_json(json.dumps({**data, "audit_keys": {}}))


def test_audit_keys_must_differ_from_every_other_key(keyring: Keyring) -> None:
    for reused in (keyring.current_kek, keyring.blind_index_key):
        with pytest.raises(KeyringError, match="audit key must differ"):
            Keyring(
                keks=dict(keyring.keks),
                current_kek_id=keyring.current_kek_id,
                blind_index_key=keyring.blind_index_key,
                audit_keys={"a-1": reused},
                current_audit_key_id="a-1",
            )
    with pytest.raises(KeyringError, match="id"):
        Keyring(
            keks=dict(keyring.keks),
            current_kek_id=keyring.current_kek_id,
            blind_index_key=keyring.blind_index_key,
            audit_keys={keyring.current_kek_id: bytes(32)},
            current_audit_key_id=keyring.current_kek_id,
        )


def test_rotating_keeps_every_audit_key(keyring: Keyring) -> None:
    old_id = keyring.current_audit_key_id
    assert old_id is not None
    rotated = keyring.with_new_kek().with_new_audit_key()
    assert rotated.current_audit_key_id not in (None, old_id)
    assert rotated.audit_keys[old_id] == keyring.audit_keys[old_id]
    assert rotated.blind_index_key == keyring.blind_index_key
    pruned = rotated.without_kek(keyring.current_kek_id)
    assert pruned.audit_keys == rotated.audit_keys
    assert pruned.current_audit_key_id == rotated.current_audit_key_id
    assert old_id not in rotated.without_audit_key(old_id).audit_keys
    with pytest.raises(KeyringError, match="current"):
        rotated.without_audit_key(str(rotated.current_audit_key_id))
    with pytest.raises(KeyringError, match="not in the keyring"):
        rotated.without_audit_key("a-19990101-abcdef")
    assert Keyring.from_json(rotated.to_json()) == rotated


def test_a_version_1_keyring_upgrades_keeping_every_key(keyring: Keyring) -> None:
    old = version_1(keyring.with_new_kek())
    upgraded = old.with_new_audit_key()
    assert upgraded.keks == old.keks and upgraded.current_kek_id == old.current_kek_id
    assert upgraded.blind_index_key == old.blind_index_key
    assert upgraded.current_audit_key_id is not None
    assert json.loads(upgraded.to_json())["version"] == 2


def test_audit_keys_say_how_to_add_one(keyring: Keyring, tmp_path: Path) -> None:
    path = tmp_path / "keyring.json"
    write_keyring_file(path, version_1(keyring))
    with pytest.raises(KeyringError, match="flask --app wsgi keys init"):
        AuditKeys(KeyringSource(path=path)).current()
    from_variable = AuditKeys(KeyringSource(json_text=version_1(keyring).to_json()))
    with pytest.raises(KeyringError, match="CENTRE_KEYRING"):
        from_variable.current()
    keys = AuditKeys(KeyringSource.from_keyring(keyring))
    assert keys.current() == (keyring.current_audit_key_id, keyring.current_audit_key)
    assert keys.get(str(keyring.current_audit_key_id)) == keyring.current_audit_key
    assert keys.get("a-19990101-abcdef") is None
