from __future__ import annotations

import pytest

from centre.privacy.crypto import (
    HEADER_BYTES,
    VERSION_1,
    new_data_key,
    open_sealed,
    seal,
    unwrap_key,
    wrap_key,
)
from centre.privacy.errors import DecryptionError

AAD = b"centre:v1:identity.last_name:42"


def test_round_trip_and_fresh_nonce_every_time() -> None:
    key = new_data_key()
    first = seal(key, b"Dupont", AAD)
    second = seal(key, b"Dupont", AAD)

    assert first != second
    assert first[1:HEADER_BYTES] != second[1:HEADER_BYTES]
    assert first[0] == VERSION_1
    assert open_sealed(key, first, AAD) == b"Dupont"
    assert open_sealed(key, second, AAD) == b"Dupont"


def test_data_keys_are_32_random_bytes() -> None:
    keys = {new_data_key() for _ in range(100)}
    assert len(keys) == 100
    assert all(len(key) == 32 for key in keys)


def test_every_flipped_byte_is_detected() -> None:
    key = new_data_key()
    blob = seal(key, b"a value worth protecting", AAD)
    for position in range(len(blob)):
        tampered = bytearray(blob)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionError):
            open_sealed(key, bytes(tampered), AAD)


@pytest.mark.parametrize("cut", [0, 1, 12, 13, 28, -1])
def test_truncated_blob_is_refused(cut: int) -> None:
    key = new_data_key()
    blob = seal(key, b"value", AAD)
    with pytest.raises(DecryptionError):
        open_sealed(key, blob[:cut], AAD)


def test_unknown_version_is_refused() -> None:
    key = new_data_key()
    blob = seal(key, b"value", AAD)
    with pytest.raises(DecryptionError):
        open_sealed(key, bytes([2]) + blob[1:], AAD)


def test_wrong_key_and_wrong_aad_are_refused() -> None:
    key = new_data_key()
    blob = seal(key, b"value", AAD)
    with pytest.raises(DecryptionError):
        open_sealed(new_data_key(), blob, AAD)
    with pytest.raises(DecryptionError):
        open_sealed(key, blob, AAD + b"x")
    with pytest.raises(DecryptionError):
        open_sealed(b"short", blob, AAD)


def test_decryption_error_carries_no_data() -> None:
    key = new_data_key()
    blob = seal(key, b"Jeanne Secret", AAD)
    with pytest.raises(DecryptionError) as caught:
        open_sealed(new_data_key(), blob, AAD)
    assert str(caught.value) == "encrypted value could not be decrypted"
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__


def test_seal_refuses_a_key_of_the_wrong_size() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        seal(b"0" * 16, b"value", AAD)


def test_wrapped_key_is_bound_to_its_key_ref() -> None:
    kek, data_key = new_data_key(), new_data_key()
    wrapped = wrap_key(kek, data_key, "ref-one")

    assert unwrap_key(kek, wrapped, "ref-one") == data_key
    with pytest.raises(DecryptionError):
        unwrap_key(kek, wrapped, "ref-two")
    with pytest.raises(DecryptionError):
        unwrap_key(new_data_key(), wrapped, "ref-one")
    assert wrap_key(kek, data_key, "ref-one") != wrapped
