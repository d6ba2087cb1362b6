"""Token refresh under a lease: two processes racing through 100 expiries spend each refresh token once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from core import timeshift
from core.crypto import Vault
from core.hub import Hub
from core.models.sync import Connection, ConnectionState, Grant
from core.settings import PROJECT_ROOT
from core.xero import oauth, outcomes
from core.xero_access import grants
from tests import control
from tests.conftest import TEST_ENV, make_settings
from tests.sandbox.conftest import HARBOUR, Simulator

WORKER = """
import sys
from core import settings
from core.xero_access import grants
from core.db import Database
from core.hub import Hub
config = settings.load()
hub = Hub(settings=config, db=Database(config.database_url.value))
hub.ensure_ready()
for line in sys.stdin:
    try:
        token = grants.access_token(hub.db, config, int(line), worker=sys.argv[1])
        print("ok", token[-12:], flush=True)
    except Exception as exc:
        print("error", type(exc).__name__, exc, flush=True)
"""


@pytest.fixture
def linked(seeded: Hub, sim: Simulator, tmp_path, monkeypatch) -> Iterator[tuple[Hub, int]]:  # type: ignore[no-untyped-def]
    from core import clock

    monkeypatch.setattr(clock, "REREAD_SECONDS", 0.0)  # this process follows the shared clock at once
    env = {"XERO_IDENTITY_URL": sim.url, "XERO_API_URL": sim.url, "HUB_SHARED_CLOCK": "1"}
    shared = Hub(settings=make_settings(seeded.db.url, tmp_path, **env), db=seeded.db)
    shared.ensure_ready()
    tokens = sim.connect()
    with shared.db.write() as session:
        grant = grants.save_tokens(session, Vault(shared.settings), None, tokens)
        grant_id = grant.id
    yield shared, grant_id


def spawn(hub: Hub, name: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        **TEST_ENV,
        "DATABASE_URL": hub.db.url,
        "HUB_SHARED_CLOCK": "1",
        "HUB_CLOCK_REREAD_SECONDS": "0",
        "XERO_IDENTITY_URL": hub.settings.xero_identity_url,
        "XERO_API_URL": hub.settings.xero_api_url,
    }
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, name],
        cwd=PROJECT_ROOT,
        env=env,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )


def test_two_processes_through_100_expiries_refresh_once_each(linked: tuple[Hub, int], sim: Simulator) -> None:
    hub, grant_id = linked
    workers = [spawn(hub, "a"), spawn(hub, "b")]
    try:
        before = {row["seq"] for row in sim.control("GET", "/requests", limit=10000)}
        answers = []
        for _ in range(100):
            timeshift.advance(hub.db, 31 * 60, simulator_url=sim.url, simulator_token=control.TOKEN)
            for worker in workers:
                assert worker.stdin is not None
                worker.stdin.write(f"{grant_id}\n")
                worker.stdin.flush()
            for worker in workers:
                assert worker.stdout is not None
                answers.append(worker.stdout.readline().split())
    finally:
        for worker in workers:
            worker.kill()
    assert all(answer[0] == "ok" for answer in answers), [a for a in answers if a[0] != "ok"][:3]
    for first, second in zip(answers[::2], answers[1::2], strict=True):
        assert first[1] == second[1]  # both processes use the same, freshly refreshed token
    refreshes = [
        row
        for row in sim.control("GET", "/requests", limit=10000)
        if row["seq"] not in before and row["path"] == "/connect/token"
    ]
    assert len(refreshes) == 100 and {row["status"] for row in refreshes} == {200}


def test_invalid_grant_ends_the_grant_once_and_never_loops(linked: tuple[Hub, int], sim: Simulator) -> None:
    from core import clock
    from core.models.base import Company

    hub, grant_id = linked
    with hub.db.write() as session:
        from sqlalchemy import select

        company = session.scalar(select(Company.id).limit(1))
        session.add(
            Connection(
                company_id=company,
                grant_id=grant_id,
                state=ConnectionState.CONNECTED,
                tenant_id=HARBOUR,
                state_changed_at=clock.now(),
            )
        )
    sim.control("POST", f"/orgs/{HARBOUR}/revoke")
    timeshift.advance(hub.db, 31 * 60, simulator_url=sim.url, simulator_token=control.TOKEN)
    with pytest.raises(outcomes.ReconnectNeeded):
        grants.access_token(hub.db, hub.settings, grant_id, worker="w")
    with pytest.raises(outcomes.ReconnectNeeded):  # no second call to Xero: the grant is over
        grants.access_token(hub.db, hub.settings, grant_id, worker="w")
    token_calls = [r for r in sim.control("GET", "/requests") if r["path"] == "/connect/token" and r["status"] == 400]
    assert len(token_calls) == 1
    with hub.db.read() as session:
        connection = session.scalar(select(Connection))
        assert connection is not None and connection.state is ConnectionState.NEEDS_RECONNECT
        grant = session.get(Grant, grant_id)
        assert grant is not None and grant.revoked_at is not None


def test_a_refresh_token_past_its_grace_is_invalid_grant(sim: Simulator, hub: Hub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(hub.db.url, tmp_path, XERO_IDENTITY_URL=sim.url, XERO_API_URL=sim.url)
    first = sim.connect()["refresh_token"]
    oauth.refresh(settings, first)
    sim.control("POST", "/clock/advance", seconds=31 * 60)
    with pytest.raises(outcomes.ReconnectNeeded, match="invalid_grant"):
        oauth.refresh(settings, first)


def test_authorisation_url_and_connections(sim: Simulator, hub: Hub, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(hub.db.url, tmp_path, XERO_IDENTITY_URL=sim.url, XERO_API_URL=sim.url)
    url = oauth.authorization_url(settings, "state-123")
    assert url.startswith(f"{sim.url}/identity/connect/authorize?") and "state=state-123" in url
    assert "offline_access" in url and "client_id=HUBDEMO" in url
    tokens = sim.connect("bookkeeper@ledgerlane.example")
    event = oauth.claims(tokens["access_token"])["authentication_event_id"]
    (connection,) = oauth.connections(settings, tokens["access_token"], auth_event_id=event)
    assert connection["tenantId"] == HARBOUR
    assert oauth.delete_connection(settings, tokens["access_token"], connection["id"])
    assert not oauth.delete_connection(settings, tokens["access_token"], connection["id"])
    oauth.revoke(settings, tokens["refresh_token"])
