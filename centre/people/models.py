"""The pseudonymous person, their consents, and the encrypted identity vault."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from centre.db import Base, CreatedAt, IntPK, UTCDateTime, string_enum
from centre.privacy.fields import EncryptedValue


class Gender(enum.StrEnum):
    WOMAN = "woman"
    MAN = "man"
    NON_BINARY = "non_binary"
    NOT_STATED = "not_stated"


class ConsentScope(enum.StrEnum):
    # Storing identifying data in the vault (DESIGN "Identity vault").
    IDENTITY = "identity"
    # Telling a partner service who the person is, when referring them.
    SHARING_WITH_PARTNERS = "sharing_with_partners"


class ConsentMethod(enum.StrEnum):
    ORAL = "oral"
    WRITTEN = "written"


class ErasureReason(enum.StrEnum):
    """Why identity was erased: a closed list, so no free text can carry personal data."""

    REQUEST = "request"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    RETENTION = "retention"
    DUPLICATE = "duplicate"


class Person(Base):
    """A person known by a code. Nothing here identifies them."""

    __tablename__ = "persons"
    __table_args__ = (
        CheckConstraint(
            "birth_year IS NULL OR birth_year BETWEEN 1900 AND 2100", name="birth_year_range"
        ),
    )

    id: Mapped[IntPK]
    code: Mapped[str] = mapped_column(String(9), unique=True)
    gender: Mapped[Gender] = mapped_column(string_enum(Gender, "gender"), default=Gender.NOT_STATED)
    birth_year: Mapped[int | None]
    created_at: Mapped[CreatedAt]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Reference of the person's data key in the key store (an opaque random id, not a key).
    data_key_ref: Mapped[str | None] = mapped_column(String(64))
    identity_erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Last contact of any kind, for the retention rule.
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set when this code was found to be the same person as another: the code still
    # resolves, to the kept person (centre.cases' merge; undone within 30 days).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))

    consents: Mapped[list[Consent]] = relationship(
        back_populates="person", order_by="Consent.given_at.desc()"
    )
    identity: Mapped[Identity | None] = relationship(back_populates="person")

    def active_consent(self, scope: ConsentScope) -> Consent | None:
        return next((c for c in self.consents if c.scope == scope and c.withdrawn_at is None), None)


class Consent(Base):
    __tablename__ = "consents"
    __table_args__ = (Index("ix_consents_person_id", "person_id"),)

    id: Mapped[IntPK]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    scope: Mapped[ConsentScope] = mapped_column(string_enum(ConsentScope, "consent_scope"))
    method: Mapped[ConsentMethod] = mapped_column(string_enum(ConsentMethod, "consent_method"))
    given_at: Mapped[datetime] = mapped_column(UTCDateTime())
    given_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    person: Mapped[Person] = relationship(back_populates="consents")


# The vault's fields, in form order. Each is a sealed blob bound to (table, column, person).
IDENTITY_FIELDS = (
    "first_name",
    "last_name",
    "birth_date",
    "niss",
    "phone",
    "address",
    "nationality",
    "residence_status",
    "health_insurance",
)


class Identity(Base):
    """Identifying data, stored only under an active identity consent, always encrypted."""

    __tablename__ = "identities"

    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    first_name: Mapped[bytes | None] = mapped_column(EncryptedValue())
    last_name: Mapped[bytes | None] = mapped_column(EncryptedValue())
    birth_date: Mapped[bytes | None] = mapped_column(EncryptedValue())
    niss: Mapped[bytes | None] = mapped_column(EncryptedValue())
    phone: Mapped[bytes | None] = mapped_column(EncryptedValue())
    address: Mapped[bytes | None] = mapped_column(EncryptedValue())
    nationality: Mapped[bytes | None] = mapped_column(EncryptedValue())
    residence_status: Mapped[bytes | None] = mapped_column(EncryptedValue())
    health_insurance: Mapped[bytes | None] = mapped_column(EncryptedValue())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    person: Mapped[Person] = relationship(back_populates="identity")


class BlindIndex(Base):
    """Truncated keyed hashes of normalised identity values (centre/privacy/blind_index.py).

    Each value is shared by many identities by design: a match is a candidate, confirmed by
    decrypting the candidate's identity (centre.people.services).
    """

    __tablename__ = "blind_indexes"
    __table_args__ = (
        Index("ix_blind_indexes_purpose_value", "purpose", "value"),
        Index("ix_blind_indexes_person_id", "person_id"),
    )

    id: Mapped[IntPK]
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    purpose: Mapped[str] = mapped_column(String(32))
    # The first INDEX_BITS[purpose] bits of the HMAC, in hex of a fixed width per purpose.
    value: Mapped[str] = mapped_column(String(64))
