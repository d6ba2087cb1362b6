"""Schema migrations (Alembic), callable from the launcher, the CLI and tests."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.db import Database, SchemaOutOfDate
from core.settings import PROJECT_ROOT


def _config() -> Config:
    return Config(str(PROJECT_ROOT / "alembic.ini"))


def head_revision() -> str:
    """The newest migration in the code."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None, "migrations/versions holds no migration"
    return head


def current_revision(database: Database) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with database.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(database: Database, revision: str = "head") -> None:
    """Bring the database's schema up to the code's (creating it on first run)."""
    config = _config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def downgrade(database: Database, revision: str = "base") -> None:
    """Undo migrations down to a revision ("base" empties the database; used by the demo reset)."""
    config = _config()
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def require_current(database: Database) -> None:
    """Raise SchemaOutOfDate unless the database is at the code's newest migration."""
    current, head = current_revision(database), head_revision()
    if current != head:
        state = "has no tables yet" if current is None else f"is at migration {current}"
        raise SchemaOutOfDate(
            f"The database {state}, but this version of the hub needs {head}. "
            "Run `python manage.py migrate` (the demo launcher does this for you)."
        )
