"""Failures that stop a process from using the hub, each with a message saying what to do."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

from core.crypto import EncryptionKeyMismatch
from core.db import DatabaseUnavailable, SchemaOutOfDate
from core.settings import ConfigError

# Before start-up completes: configuration, reachability, schema, encryption key.
STARTUP_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    DatabaseUnavailable,
    SchemaOutOfDate,
    EncryptionKeyMismatch,
)
# Any time later: the database went away or stayed locked past the busy timeout.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (*STARTUP_ERRORS, OperationalError, DBAPIError)
