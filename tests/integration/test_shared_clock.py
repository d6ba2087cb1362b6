"""The hub clock: one offset in the database moves time for every process at once (demo and test mode)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest

from core import clock, timeshift
from core.hub import Hub
from core.settings import PROJECT_ROOT
from tests.conftest import TEST_ENV, make_settings


def test_another_process_moves_this_ones_clock(hub: Hub, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(clock, "REREAD_SECONDS", 0.0)
    shared = Hub(settings=make_settings(hub.db.url, tmp_path, HUB_SHARED_CLOCK="1"), db=hub.db)
    shared.ensure_ready()
    before = clock.now()
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": hub.db.url, "HUB_SHARED_CLOCK": "1"}
    result = subprocess.run(
        [sys.executable, "manage.py", "clock", "--days", "61"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "61.00 days ahead" in result.stdout
    moved = clock.now() - before
    assert timedelta(days=61) <= moved < timedelta(days=61, minutes=1)


def test_the_clock_only_moves_forward(hub: Hub) -> None:
    hub.ensure_ready()
    with pytest.raises(ValueError, match="only moves forward"):
        timeshift.advance(hub.db, -5)
    assert timeshift.advance(hub.db, 30) == 30.0
    assert timeshift.advance(hub.db, 30) == 60.0


def test_production_refuses_to_move_the_clock(hub: Hub) -> None:
    hub.ensure_ready()
    env = {**os.environ, **TEST_ENV, "DATABASE_URL": hub.db.url}
    env.pop("HUB_DEMO", None)
    env.pop("HUB_SHARED_CLOCK", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "clock", "--hours", "1"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1 and "shared clock is off" in result.stderr
