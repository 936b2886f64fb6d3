from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from centre.privacy.crypto import open_sealed, unwrap_key
from centre.privacy.errors import (
    DecryptionError,
    KeyDestroyedError,
    KeyNotFoundError,
    KeyStoreError,
)
from centre.privacy.fields import FieldCipher, field_aad
from centre.privacy.keyring import Keyring, KeyringSource, load_keyring_file, write_keyring_file
from centre.privacy.keystore import KeyStore, data_keys, make_keystore_engine


def _wrapped(store: KeyStore, key_ref: str) -> bytes:
    with store.engine.connect() as conn:
        return bytes(
            conn.execute(
                select(data_keys.c.wrapped_key).where(data_keys.c.key_ref == key_ref)
            ).scalar_one()
        )


def test_schema_comes_from_migrations_and_is_never_made_on_a_request(keyring: Keyring) -> None:
    store = KeyStore(make_keystore_engine("sqlite://"), KeyringSource.from_keyring(keyring))
    with pytest.raises(KeyStoreError, match="db upgrade"):
        store.create_key()
    assert not inspect(store.engine).has_table("data_keys")
    store.ensure_schema()
    store.ensure_schema()  # idempotent
    assert inspect(store.engine).has_table("keystore_alembic_version")
    store.create_key()
    store.dispose()


def test_create_get_destroy(keystore: KeyStore, keyring: Keyring) -> None:
    key_ref, data_key = keystore.create_key()

    assert re.fullmatch(r"[A-Za-z0-9_-]{22,}", key_ref)
    assert len(data_key) == 32
    assert keystore.get_key(key_ref) == data_key
    assert keystore.count_by_kek() == {keyring.current_kek_id: 1}
    assert data_key not in _wrapped(keystore, key_ref)

    assert keystore.destroy_key(key_ref) is True
    with pytest.raises(KeyDestroyedError):
        keystore.get_key(key_ref)
    assert keystore.destroy_key(key_ref) is False
    assert keystore.count_by_kek() == {}


def test_every_key_is_distinct(keystore: KeyStore) -> None:
    created = [keystore.create_key() for _ in range(20)]
    assert len({ref for ref, _ in created}) == 20
    assert len({key for _, key in created}) == 20


def test_crypto_shredding_leaves_a_main_db_copy_unreadable(
    keystore: KeyStore, keyring: Keyring
) -> None:
    # A person's identity, encrypted; the ciphertext is what the main DB (and every backup
    # of it) keeps, together with the opaque key_ref.
    key_ref, data_key = keystore.create_key()
    backup_copy = FieldCipher(data_key).encrypt_text("identity", "last_name", "p-7", "Dupont")
    other_ref, _other_key = keystore.create_key()  # someone else, not erased
    del data_key

    keystore.destroy_key(key_ref)

    with pytest.raises(KeyDestroyedError):
        keystore.get_key(key_ref)
    # Nothing the system still holds opens the copy: every KEK, the blind-index key, and
    # every data key left in the key store.
    remaining = [keystore.get_key(other_ref), *keyring.keks.values(), keyring.blind_index_key]
    aad = field_aad("identity", "last_name", "p-7")
    for candidate in remaining:
        with pytest.raises(DecryptionError):
            open_sealed(candidate, backup_copy, aad)


def test_rotation_keeps_every_value_readable(file_keystore: KeyStore, keyring_file: Path) -> None:
    # Given keys and values under KEK A,
    old = load_keyring_file(keyring_file)
    values = {}
    for n in range(7):
        key_ref, data_key = file_keystore.create_key()
        values[key_ref] = FieldCipher(data_key).encrypt_text("identity", "phone", str(n), f"04{n}")
    # and a "running server" that loaded the keyring before the rotation,
    server = KeyStore(file_keystore.engine, KeyringSource(path=keyring_file))
    server.keyring.get()

    # when the operator rotates: new KEK B written, then data keys re-wrapped in batches,
    rotated = old.with_new_kek()
    write_keyring_file(keyring_file, rotated)
    assert file_keystore.rewrap_all(batch_size=3) == 7
    assert file_keystore.count_by_kek() == {rotated.current_kek_id: 7}
    assert file_keystore.rewrap_all() == 0

    # then A is removed from the keyring,
    write_keyring_file(keyring_file, rotated.without_kek(old.current_kek_id))

    # and every value still decrypts, in this process and in the running server.
    for n, (key_ref, blob) in enumerate(values.items()):
        for store in (file_keystore, server):
            cipher = FieldCipher(store.get_key(key_ref))
            assert cipher.decrypt_text("identity", "phone", str(n), blob) == f"04{n}"
    assert server.keyring.get().current_kek_id == rotated.current_kek_id


class _StaleSource:
    """A keyring source whose cache missed a rotation until refresh() is called."""

    def __init__(self, stale: Keyring, fresh: Keyring) -> None:
        self.stale, self.fresh, self.refreshes = stale, fresh, 0

    def get(self) -> Keyring:
        return self.stale

    def refresh(self) -> Keyring:
        self.refreshes += 1
        return self.fresh


def test_get_key_refreshes_the_keyring_once_on_an_unknown_kek(
    keystore: KeyStore, keyring: Keyring
) -> None:
    rotated = keyring.with_new_kek()
    keystore.keyring = KeyringSource.from_keyring(rotated)
    keystore.rewrap_all()
    key_ref, data_key = keystore.create_key()  # wrapped under the new KEK

    stale = _StaleSource(keyring, rotated)
    # _StaleSource stands in for a KeyringSource by duck typing (get and refresh), hence the
    # arg-type ignores.
    reader = KeyStore(keystore.engine, stale)  # type: ignore[arg-type]
    assert reader.get_key(key_ref) == data_key
    assert stale.refreshes == 1

    still_stale = _StaleSource(keyring, keyring)
    reader = KeyStore(keystore.engine, still_stale)  # type: ignore[arg-type]
    with pytest.raises(KeyNotFoundError):
        reader.get_key(key_ref)
    assert still_stale.refreshes == 1


def test_wrapped_key_cannot_be_swapped_between_rows(keystore: KeyStore) -> None:
    ref_a, _ = keystore.create_key()
    ref_b, _ = keystore.create_key()
    wrapped_a = _wrapped(keystore, ref_a)
    with keystore.engine.begin() as conn:
        conn.execute(
            data_keys.update().where(data_keys.c.key_ref == ref_b).values(wrapped_key=wrapped_a)
        )
    with pytest.raises(DecryptionError):
        keystore.get_key(ref_b)


def test_secure_delete_leaves_no_wrapped_key_in_the_file(
    file_keystore: KeyStore, tmp_path: Path
) -> None:
    db_file = tmp_path / "keys.db"
    refs = [file_keystore.create_key()[0] for _ in range(5)]
    victim = refs[2]
    wrapped = _wrapped(file_keystore, victim)

    def checkpointed_bytes() -> bytes:
        with file_keystore.engine.connect() as conn:
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            conn.commit()
        wal = db_file.with_name(db_file.name + "-wal")
        return db_file.read_bytes() + (wal.read_bytes() if wal.exists() else b"")

    with file_keystore.engine.connect() as conn:
        assert conn.execute(text("PRAGMA secure_delete")).scalar_one() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    assert wrapped in checkpointed_bytes()  # the check can see a key when there is one

    file_keystore.destroy_key(victim)

    raw = checkpointed_bytes()
    assert wrapped not in raw
    assert victim.encode() not in raw
    assert _wrapped(file_keystore, refs[3]) in raw  # the others are untouched


def test_make_keystore_engine_drivers(tmp_path: Path) -> None:
    pg = make_keystore_engine("postgresql://user@localhost/keys")
    assert pg.url.drivername == "postgresql+psycopg"
    pg.dispose()
    memory = make_keystore_engine("sqlite://")
    with memory.connect() as conn:
        assert conn.execute(text("PRAGMA busy_timeout")).scalar_one() == 10_000
    memory.dispose()


def test_unwrap_uses_the_key_ref(keystore: KeyStore, keyring: Keyring) -> None:
    key_ref, data_key = keystore.create_key()
    assert unwrap_key(keyring.current_kek, _wrapped(keystore, key_ref), key_ref) == data_key
