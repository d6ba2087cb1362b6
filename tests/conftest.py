"""Shared fixtures: every core and sidecar test runs on SQLite and again on PostgreSQL."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from core import clock, migrate
from core.db import Database
from core.hub import Hub
from core.models.schema import Base
from core.settings import Settings, load
from core.staff import passwords
from tests import control  # noqa: F401 - sets this run's simulator control token before any simulator starts

TEST_ENV = {
    "HUB_SECRET_KEY": "test-secret-key-0123456789abcdef0123456789",
    "HUB_ENCRYPTION_KEY": "4iyrxcbNtyjsUdADnMuRT61S0oGJ9Ozckmgk_zsVGlE=",
}
# The server that holds each run's throwaway test database (CI's is on this machine).
POSTGRES_ADMIN_URL = os.environ.get("HUB_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

# Still argon2id, at a cost that keeps hundreds of sign-ins in the suite fast.
passwords.use_hash_parameters(time_cost=1, memory_cost=1024)


def make_settings(database_url: str, data_dir: Path, **env: str) -> Settings:
    return load({**TEST_ENV, "DATABASE_URL": database_url, "HUB_DATA_DIR": str(data_dir), **env})


@pytest.fixture(autouse=True)
def _real_clock() -> Iterator[None]:
    clock.reset()
    yield
    clock.reset()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file that each test copies (faster than migrating per test)."""
    path = tmp_path_factory.mktemp("template") / "hub.db"
    database = Database(f"sqlite:///{path}")
    migrate.upgrade(database)
    database.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A throwaway PostgreSQL database for this test run, migrated once and dropped at the end."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5})
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - the reason is reported, and the run fails
        pytest.fail(
            f"PostgreSQL is required for this test run but {make_url(POSTGRES_ADMIN_URL).render_as_string()} "
            f"could not be used: {exc}. Run ./run-tests, which installs and starts PostgreSQL if needed.",
            pytrace=False,
        )
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    database = Database(url)
    migrate.upgrade(database)
    database.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _empty_postgres(database: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with database.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """An empty, migrated database: a fresh SQLite file, or the run's PostgreSQL database emptied."""
    if request.param == "sqlite":
        path = tmp_path / "hub.db"
        shutil.copy(sqlite_template, path)
        database = Database(f"sqlite:///{path}")
    else:
        database = Database(request.getfixturevalue("postgres_url"))
        _empty_postgres(database)
    yield database
    database.dispose()


@pytest.fixture
def sqlite_db(tmp_path: Path, sqlite_template: Path) -> Iterator[Database]:
    """A fresh migrated SQLite database, for tests that are about SQLite itself."""
    path = tmp_path / "hub.db"
    shutil.copy(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


@pytest.fixture
def settings(db: Database, tmp_path: Path) -> Settings:
    return make_settings(db.url, tmp_path)


@pytest.fixture
def hub(db: Database, settings: Settings) -> Hub:
    return Hub(settings=settings, db=db)


@pytest.fixture
def seeded(hub: Hub) -> Hub:
    """A hub holding the demo companies and accounts."""
    from core.demo import seed as demo

    with hub.db.write() as session:
        demo.seed(session)
    return hub


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests go last, each file's tests in their order: by then the chaos runs, which ./run-tests starts
    beside the rest of the suite, are over, and a browser waiting on a page never shares the machine with them."""
    items.sort(key=lambda item: "e2e" in item.path.parts)
