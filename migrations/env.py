"""Alembic environment: runs on the connection core.migrate hands over, or on DATABASE_URL."""

from __future__ import annotations

from alembic import context

from core.models.schema import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        from core import settings
        from core.db import Database

        database = Database(settings.load().database_url.value)
        with database.engine.connect() as connection:
            _run(connection)
        database.dispose()
    else:
        _run(connection)


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
