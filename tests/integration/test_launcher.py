"""The demo launcher as a person runs it: start, reuse data, refuse a taken port, stop with no orphans."""

from __future__ import annotations

import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from core.settings import PROJECT_ROOT
from tests.stack import Stack, alive, children_of


def contents(database: Path) -> list[str]:
    """Every table's schema and rows, as SQL. The file's size is no measure: opening the database may fold a
    write-ahead log left by a stopped process into the file without changing a row."""
    with closing(sqlite3.connect(database)) as connection:
        return list(connection.iterdump())


@pytest.fixture
def stack(tmp_path):  # type: ignore[no-untyped-def]
    running = Stack(tmp_path / "data")
    yield running
    if running.process and running.process.poll() is None:
        running.stop(signal.SIGKILL)


def test_first_run_sets_up_second_run_reuses_and_sigterm_leaves_no_orphans(stack: Stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stack.start()
    assert "Created the demo companies" in stack.output
    assert "fiona@harbourbakery.example" in stack.output and "demo-password" in stack.output
    assert httpx.get(f"{stack.url}/healthz").json()["status"] == "ok"
    assert httpx.get(f"{stack.sandbox_url}/healthz").status_code == 200
    assert httpx.get(f"{stack.url}/no-such-page/_stcore/health").status_code == 404
    assert stack.process is not None
    children = children_of(stack.process.pid)
    assert len(children) == 3
    assert stack.stop(signal.SIGTERM) == 0
    assert not any(alive(pid) for pid in children)
    assert "Stopped." in stack.output
    # A quiet terminal: each process's start and stop, the banner, and no request lines; those go to the logs.
    for name in ("simulator", "sidecar", "web"):
        assert f"[{name}] started (pid " in stack.output and f"[{name}] stopped" in stack.output
    assert "GET /" not in stack.output and "/healthz" not in stack.output
    web_log = (tmp_path / "data" / "logs" / "web.log").read_text()
    assert "/no-such-page/_stcore/health" in web_log

    again = Stack(tmp_path / "data").start()
    try:
        assert "Reusing the data" in again.output
    finally:
        assert again.stop(signal.SIGINT) == 0


def test_killed_launcher_takes_its_children_with_it(stack: Stack) -> None:
    stack.start()
    assert stack.process is not None
    children = children_of(stack.process.pid)
    stack.stop(signal.SIGKILL)
    deadline = time.monotonic() + 15
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(alive(pid) for pid in children)


def test_taken_port_is_refused_with_advice(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "manage.py", "demo", "--port", str(port)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            env={"PATH": "/usr/bin:/bin", "HUB_DATA_DIR": str(tmp_path / "data")},
        )
    assert result.returncode == 2
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stderr and "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_wrong_encryption_key_stops_the_launcher_and_keeps_the_data(stack: Stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stack.start()
    stack.stop()
    database = tmp_path / "data" / "hub.db"
    before = contents(database)
    from cryptography.fernet import Fernet

    result = subprocess.run(
        [sys.executable, "manage.py", "demo", "--port", str(stack.port), "--sandbox-port", str(stack.sandbox_port)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env={
            "PATH": "/usr/bin:/bin",
            "HUB_DATA_DIR": str(tmp_path / "data"),
            "HUB_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        },
    )
    assert result.returncode == 2
    assert "not the key this database was set up with" in result.stderr and "Traceback" not in result.stderr
    assert contents(database) == before


def test_reset_demo_starts_fresh(stack: Stack, tmp_path) -> None:  # type: ignore[no-untyped-def]
    stack.start()
    stack.stop()
    result = subprocess.run(
        [sys.executable, "manage.py", "reset-demo", "--yes"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HUB_DATA_DIR": str(tmp_path / "data")},
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    again = Stack(tmp_path / "data").start()
    try:
        assert "Created the demo companies" in again.output
    finally:
        again.stop()


def test_each_part_starts_alone_and_explains_bad_configuration(tmp_path) -> None:  # type: ignore[no-untyped-def]
    env = {"PATH": "/usr/bin:/bin", "HUB_DATA_DIR": str(tmp_path)}
    sidecar = subprocess.run(
        [sys.executable, "-m", "scheduler"], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert sidecar.returncode == 2 and "HUB_SECRET_KEY is missing" in sidecar.stderr
    helps = subprocess.run(
        [sys.executable, "-m", "sandbox", "--help"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert helps.returncode == 0 and "--data" in helps.stdout and "--port" in helps.stdout
    assert PROJECT_ROOT.joinpath("server.py").exists()


def test_reset_demo_refuses_a_database_the_demo_did_not_create(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from core import migrate
    from core.db import Database
    from core.models.base import Company

    database = Database(f"sqlite:///{tmp_path / 'data' / 'hub.db'}")
    migrate.upgrade(database)
    from core import clock

    with database.write() as session:
        session.add(
            Company(name="Real Customer Ltd", country="GB", base_currency="GBP", settings={}, created_at=clock.now())
        )
    database.dispose()
    result = subprocess.run(
        [sys.executable, "manage.py", "reset-demo", "--yes"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HUB_DATA_DIR": str(tmp_path / "data")},
        timeout=60,
    )
    assert result.returncode == 1 and "nothing was deleted" in result.stderr
    assert (tmp_path / "data" / "hub.db").exists()
