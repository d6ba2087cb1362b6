"""Encryption at rest for secrets the hub stores (Xero tokens), keyed from HUB_ENCRYPTION_KEY."""

from __future__ import annotations

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.orm import Session

from core.db import insert_if_missing
from core.models.base import HubMeta
from core.settings import Settings

_CHECK_KEY = "encryption_key_check"
_CHECK_PLAINTEXT = b"xero-integration-hub"


class EncryptionKeyMismatch(Exception):
    """HUB_ENCRYPTION_KEY cannot read what this database holds; the message says what to do."""


class Vault:
    """Encrypts with the first configured key and decrypts with any of them (key rotation)."""

    def __init__(self, settings: Settings) -> None:
        self._fernet = MultiFernet([Fernet(key.value.encode()) for key in settings.encryption_keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._fernet.decrypt(ciphertext.encode()).decode()
        except InvalidToken:
            raise EncryptionKeyMismatch(
                "A stored secret cannot be decrypted with HUB_ENCRYPTION_KEY. Restore the key it was "
                "written with (list it after the new key to rotate)."
            ) from None


def check_key(session: Session, settings: Settings) -> None:
    """Prove the configured key opens this database's secrets; on a new database, record a check value."""
    vault = Vault(settings)
    insert_if_missing(
        session, HubMeta.__table__, {"key": _CHECK_KEY, "value": vault.encrypt(_CHECK_PLAINTEXT.decode())}
    )
    row = session.get(HubMeta, _CHECK_KEY)
    assert row is not None
    try:
        vault.decrypt(row.value)
    except EncryptionKeyMismatch:
        raise EncryptionKeyMismatch(
            "HUB_ENCRYPTION_KEY is not the key this database was set up with, so its stored Xero "
            "tokens could not be read. Nothing has been changed. Set HUB_ENCRYPTION_KEY back to the "
            "original key; to change keys, list the new key first and the old one after it, "
            "separated by a comma."
        ) from None
