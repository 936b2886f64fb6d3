from __future__ import annotations

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, insert, select
from sqlalchemy.exc import StatementError

from centre.privacy.crypto import new_data_key
from centre.privacy.errors import DecryptionError
from centre.privacy.fields import EncryptedValue, FieldCipher, field_aad


def test_text_round_trip_and_fresh_ciphertext_each_time() -> None:
    cipher = FieldCipher(new_data_key())
    first = cipher.encrypt_text("identity", "last_name", "p-1", "Dupont-Lévy")
    second = cipher.encrypt_text("identity", "last_name", "p-1", "Dupont-Lévy")

    assert first != second
    assert b"Dupont" not in first
    assert cipher.decrypt_text("identity", "last_name", "p-1", first) == "Dupont-Lévy"


@pytest.mark.parametrize(
    ("table", "column", "row"),
    [
        ("identity", "last_name", "p-2"),  # another row
        ("identity", "first_name", "p-1"),  # another column
        ("note", "last_name", "p-1"),  # another table
    ],
)
def test_a_moved_ciphertext_does_not_decrypt(table: str, column: str, row: str) -> None:
    cipher = FieldCipher(new_data_key())
    blob = cipher.encrypt_text("identity", "last_name", "p-1", "Dupont")
    with pytest.raises(DecryptionError):
        cipher.decrypt_text(table, column, row, blob)


def test_another_persons_key_does_not_decrypt() -> None:
    blob = FieldCipher(new_data_key()).encrypt_text("identity", "last_name", "p-1", "Dupont")
    with pytest.raises(DecryptionError):
        FieldCipher(new_data_key()).decrypt_text("identity", "last_name", "p-1", blob)


def test_aad_encoding_is_unambiguous() -> None:
    assert field_aad("identity", "last_name", "42") == b"centre:v1:identity.last_name:42"
    # Identifiers cannot contain the separators, so no shifting of "." or ":" collides.
    for table, column in [("identity.last", "name"), ("identity", "last:name"), ("", "x")]:
        with pytest.raises(ValueError):
            field_aad(table, column, "42")
    with pytest.raises(ValueError):
        field_aad("identity", "last_name", "")
    assert field_aad("a", "b", "c:d") != field_aad("a", "b", "c")


def test_cipher_repr_hides_the_key() -> None:
    key = new_data_key()
    assert key.hex() not in repr(FieldCipher(key))


def test_encrypted_value_refuses_str_and_plain_bytes() -> None:
    column_type = EncryptedValue()
    dialect = create_engine("sqlite://").dialect
    with pytest.raises(TypeError, match="FieldCipher"):
        column_type.process_bind_param("Dupont", dialect)
    with pytest.raises(ValueError, match="not a sealed blob"):
        column_type.process_bind_param(b"Dupont, encoded but not encrypted", dialect)
    with pytest.raises(TypeError):
        column_type.process_bind_param(42, dialect)
    assert column_type.process_bind_param(None, dialect) is None


def test_encrypted_value_column_stores_blobs_and_refuses_text() -> None:
    metadata = MetaData()
    table = Table(
        "identity",
        metadata,
        Column("id", Integer, primary_key=True),
        Column("last_name", EncryptedValue()),
    )
    engine = create_engine("sqlite://")
    cipher = FieldCipher(new_data_key())
    blob = cipher.encrypt_text("identity", "last_name", "1", "Dupont")
    try:
        with engine.begin() as conn:
            metadata.create_all(conn)
            conn.execute(insert(table).values(id=1, last_name=blob))
            stored = conn.execute(select(table.c.last_name)).scalar_one()
            assert stored == blob
            assert cipher.decrypt_text("identity", "last_name", "1", stored) == "Dupont"
            with pytest.raises(StatementError) as caught:
                conn.execute(insert(table).values(id=2, last_name="Dupont"))
            assert isinstance(caught.value.orig, TypeError)
    finally:
        engine.dispose()
