"""The failures that stop a process from using the hub at all, each with a message saying what to do."""

from __future__ import annotations

from core.crypto import EncryptionKeyMismatch
from core.db import DatabaseUnavailable, SchemaOutOfDate
from core.settings import ConfigError

STARTUP_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    DatabaseUnavailable,
    SchemaOutOfDate,
    EncryptionKeyMismatch,
)
