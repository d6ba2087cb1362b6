"""The hub's /webhooks/xero served for real (uvicorn) and driven by the simulator: Xero's intent-to-receive check
passes, and a contact edited "in Xero" reaches the inbox and becomes a targeted pull."""

from __future__ import annotations

import shutil
import signal
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from sqlalchemy import select
from starlette.applications import Starlette

from core import clock
from core.contacts import webhooks
from core.demo import seed as demo
from core.hub import Hub
from core.models.base import Company
from core.models.contacts import WebhookEvent
from core.models.sync import Connection, ConnectionState, SyncRun
from sandbox import apps
from tests import control
from tests.conftest import TEST_ENV
from tests.sandbox.conftest import HARBOUR, Simulator, sim, simulator  # noqa: F401 - fixtures
from tests.stack import Stack, free_port
from web.routes import ROUTES
from web.runtime import get_hub


@pytest.fixture
def hub(tmp_path: Path, sqlite_template: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hub]:
    """The web process's hub, as get_hub() builds it from the environment, on a seeded SQLite file."""
    path = tmp_path / "hub.db"
    shutil.copy(sqlite_template, path)
    for name, value in {**TEST_ENV, "DATABASE_URL": f"sqlite:///{path}", "HUB_DATA_DIR": str(tmp_path)}.items():
        monkeypatch.setenv(name, value)
    running = get_hub()
    with running.db.write() as session:
        demo.seed(session)
    yield running
    running.db.dispose()


@pytest.fixture
def hook_url(hub: Hub, sim: Simulator) -> Iterator[str]:  # noqa: F811 - the fixture imported above
    """The hub's routes served by uvicorn on a free port; the simulator's demo app delivers to it."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=ROUTES), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_for(lambda: server.started, seconds=10), "uvicorn did not start"
    url = f"http://127.0.0.1:{port}/webhooks/xero"
    sim.control("POST", "/apps", **{**apps.from_env()[0].to_json(), "webhook_url": url})
    yield url
    server.should_exit = True
    thread.join(timeout=10)


def wait_for(condition: Callable[[], object], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_simulators_intent_to_receive_check_passes(hook_url: str, sim: Simulator) -> None:  # noqa: F811
    result = sim.control("POST", "/webhooks/intent-to-receive")
    assert result["passed"] is True, result
    assert [a["status"] for a in result["attempts"]] == ["200", "401", "200", "401"]


def test_a_different_key_fails_the_check(hook_url: str, sim: Simulator) -> None:  # noqa: F811
    sim.control("POST", "/apps", **{**apps.from_env()[0].to_json(), "webhook_url": hook_url, "webhook_key": "other"})
    result = sim.control("POST", "/webhooks/intent-to-receive")
    assert result["passed"] is False
    assert [a["status"] for a in result["attempts"]] == ["401", "401", "401", "401"]


def test_a_contact_edited_in_xero_becomes_a_targeted_pull(hub: Hub, hook_url: str, sim: Simulator) -> None:  # noqa: F811
    with hub.db.write() as session:
        harbour = session.scalar(select(Company.id).where(Company.name == "Harbour Bakery Ltd"))
        assert harbour is not None
        session.add(
            Connection(
                company_id=harbour, state=ConnectionState.CONNECTED, state_changed_at=clock.now(), tenant_id=HARBOUR
            )
        )
    api = sim.api(sim.connect()["access_token"])
    created = api.put("/Contacts", json={"Contacts": [{"Name": "Webhook Bakery Supplies"}]}).json()["Contacts"][0]
    contact_id = created["ContactID"]

    def kept() -> list[WebhookEvent]:
        with hub.db.read() as session:
            return list(session.scalars(select(WebhookEvent).where(WebhookEvent.resource_id == contact_id)))

    assert wait_for(kept), "the simulator's webhook never reached the hub's inbox"
    (event,) = kept()
    assert (event.tenant_id, event.category, event.event_type) == (HARBOUR, "CONTACT", "CREATE")
    webhooks.process(hub)
    with hub.db.read() as session:
        run = session.scalar(select(SyncRun).where(SyncRun.job == "contacts_webhook"))
    assert run is not None and run.company_id == harbour and contact_id in run.cursor["ids"]


def test_the_demo_launcher_wires_the_simulators_webhook_to_the_hub(tmp_path: Path) -> None:
    """The real stack on free ports: the simulator's app delivers to this hub's port, signing with the hub's key."""
    stack = Stack(tmp_path / "data", env={"XERO_WEBHOOK_KEY": "a-key-of-this-deployment-only"}).start()
    try:
        response = control.post(f"{stack.sandbox_url}/_sandbox/webhooks/intent-to-receive", json={}, timeout=60)
        assert response.status_code == 200 and response.json()["passed"] is True, response.text
        answer = httpx.post(f"{stack.url}/webhooks/xero", content=b"{}", headers={"x-xero-signature": "bm9wZQ=="})
        assert answer.status_code == 401 and "set-cookie" not in answer.headers
    finally:
        assert stack.stop(signal.SIGTERM) == 0
