"""The platform API served on the test's database (SQLite, then PostgreSQL), as the web process serves it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.db import Database
from core.demo import seed as demo
from core.hub import Hub
from tests.conftest import TEST_ENV
from tests.integration.platform_api.drive import Records, prepare
from web.runtime import get_hub


@pytest.fixture
def served(db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Hub, Records]]:
    """The web routes' hub on this test's database with the demo companies, and records to point requests at."""
    for name, value in {**TEST_ENV, "DATABASE_URL": db.url, "HUB_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    hub = get_hub()
    with hub.db.write() as session:
        demo.seed(session)
    yield hub, prepare(hub)
    hub.db.dispose()
