"""GET /healthz tells a load balancer whether the web process is ready, and nothing about its configuration."""

from __future__ import annotations

import logging

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from core.hub import Hub
from web.health import ROUTES


def test_ready(ui_hub: Hub) -> None:
    with TestClient(Starlette(routes=ROUTES)) as client:
        assert client.get("/healthz").json() == {"status": "ok", "database": "sqlite"}


def test_not_ready_says_so_without_the_database_address(
    ui_hub: Hub, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://hubuser:pw@db-7.internal.example:1/hubdb")
    with caplog.at_level(logging.WARNING), TestClient(Starlette(routes=ROUTES)) as client:
        answer = client.get("/healthz")
    assert answer.status_code == 503 and answer.json()["status"] == "unavailable"
    for secret in ("db-7.internal", "hubuser", ":pw", "hubdb"):
        assert secret not in answer.text
    assert "db-7.internal" in caplog.text and ":pw@" not in caplog.text  # the operator reads why in the log
