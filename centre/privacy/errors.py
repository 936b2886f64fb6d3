"""Named errors of the privacy package.

Messages describe what went wrong and never carry data: no plaintext, no key material, no
ciphertext (DESIGN "Privacy model": nothing identifying in exception messages or logs).
"""

from __future__ import annotations

from typing import Literal

CodeReason = Literal["length", "character", "check"]
NISSReason = Literal["format", "date", "check"]


class PrivacyError(Exception):
    """Base class of every error raised by centre.privacy."""


class KeyringError(PrivacyError):
    """The keyring is missing, malformed or cannot be changed as asked."""


class KeyNotFoundError(KeyringError):
    """A key-encryption key id is not in the keyring."""

    def __init__(self, kek_id: str) -> None:
        # A kek id is a label, not key material, so it is safe to name.
        super().__init__(f"key-encryption key {kek_id!r} is not in the keyring")
        self.kek_id = kek_id


class KeyStoreError(PrivacyError):
    """The key store is not configured or not usable."""


class DecryptionError(PrivacyError):
    """A ciphertext could not be authenticated and decrypted."""

    def __init__(self, message: str = "encrypted value could not be decrypted") -> None:
        super().__init__(message)


class KeyDestroyedError(PrivacyError):
    """The data key was erased (crypto-shredding): its values are gone for good."""

    def __init__(self, message: str = "data key has been destroyed; the data is erased") -> None:
        super().__init__(message)


class BlindIndexError(PrivacyError):
    """A value cannot be turned into a blind index (e.g. empty after normalisation)."""


class InvalidCodeError(PrivacyError):
    """A person code is malformed; `reason` says how. Services turn it into the FieldErrors
    code `code_<reason>`, whose words are in `centre.messages`."""

    def __init__(self, reason: CodeReason) -> None:
        super().__init__(f"malformed person code ({reason})")
        self.reason: CodeReason = reason


class InvalidNISSError(PrivacyError):
    """A national register number is malformed; `reason` says how (`niss_<reason>` in
    `centre.messages`)."""

    def __init__(self, reason: NISSReason) -> None:
        super().__init__(f"malformed national register number ({reason})")
        self.reason: NISSReason = reason
