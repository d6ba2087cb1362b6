"""How the hub says no. A refusal is the base of everything core refuses (a permission, a bad value, a state that
does not allow the action): its message is written for the person reading it, so a page or a route catches this one
type and shows the message as it is. The failures that stop a process from using the hub (configuration, database,
schema, encryption key) are listed here too, each with a message saying what to do."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

from core.crypto import EncryptionKeyMismatch
from core.db import DatabaseUnavailable, SchemaOutOfDate
from core.settings import ConfigError


class Refusal(ValueError):
    """Core will not do this, and the message says why (and, where it can, what to do instead)."""


# Before start-up completes: configuration, reachability, schema, encryption key.
STARTUP_ERRORS: tuple[type[Exception], ...] = (
    ConfigError,
    DatabaseUnavailable,
    SchemaOutOfDate,
    EncryptionKeyMismatch,
)
# Any time later: the database went away or stayed locked past the busy timeout.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (*STARTUP_ERRORS, OperationalError, DBAPIError)
