"""The metrics after real work against the simulator: a sidecar process pushes two suppliers through a 429 and a
refusal, and its own listener and the web app's /metrics, both scraped over HTTP, say what happened: every call
the simulator logged for the organisation, the 429 under its limit, the push latency of each change, the sync error
opened and resolved by its cause, the jobs run, and the changes waiting with the oldest one's age. No label names a
tenant, company or person."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import String, cast, select, update

from core import clock
from core.hub import Hub
from core.metrics.definitions import ORG_BUCKETS, bucket
from core.models.base import Company, StaffUser
from core.models.platform import PlatformContact
from core.models.sync import Connection, OutboxEntry, OutboxState, XeroBudget
from core.settings import PROJECT_ROOT
from demodata import orgs as demo_orgs
from tests import control
from tests.conftest import TEST_ENV
from tests.integration.health.test_metrics import TOKEN, samples, serving_routes, use_hub_env
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.stack import free_port
from tests.sync.connections.test_lifecycle import connect
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture
from tests.sync.contacts.test_push import supplier

AUTH = {"Authorization": f"Bearer {TOKEN}"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def wait_for(condition: Callable[[], Any], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.2)
    return condition()


def scrape(url: str) -> Samples:
    answer = httpx.get(f"{url}/metrics", headers=AUTH, timeout=10)
    assert answer.status_code == 200, answer.text
    return samples(answer.text)


def pick(found: Samples, name: str, **labels: str) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    wanted = set(labels.items())
    return sum(v for (n, have), v in found.items() if n == name and wanted <= have)


def entries(hub: Hub) -> dict[str, OutboxEntry]:
    """The outbox entries of the test's suppliers, by supplier id."""
    with hub.db.read() as session:
        query = (
            select(PlatformContact.platform_id, OutboxEntry)
            .join(PlatformContact, OutboxEntry.entity_id == cast(PlatformContact.id, String))
            .where(OutboxEntry.entity_type == "contact", PlatformContact.platform_id.like("SUP-91%"))
        )
        return {platform_id: row for platform_id, row in session.execute(query.order_by(OutboxEntry.id))}


def api_calls(sim: Simulator, since: int) -> list[dict[str, Any]]:
    log = control.get(f"{sim.url}/_sandbox/requests", params={"since": since, "limit": 10_000}, timeout=30).json()
    return [r for r in log if r["tenant_id"] == HARBOUR and "/api.xro/" in r["path"]]


@pytest.fixture
def sidecar(hub: Hub, sim: Simulator) -> Iterator[str]:
    """A sidecar process serving its metrics on a port of its own; yields the listener's base URL."""
    port = free_port()
    env = {
        **os.environ,
        **TEST_ENV,
        "DATABASE_URL": hub.db.url,
        "HUB_DATA_DIR": str(hub.settings.data_dir),
        "XERO_IDENTITY_URL": sim.url,
        "XERO_API_URL": sim.url,
        "HUB_METRICS_TOKEN": TOKEN,
        "HUB_SIDECAR_METRICS_PORT": str(port),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "scheduler"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"

    def listening() -> bool:
        try:
            return httpx.get(f"{url}/metrics", timeout=1).status_code == 401
        except httpx.HTTPError:
            return False

    try:
        assert wait_for(listening, 30), "the sidecar's metrics listener never answered"
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def web(hub: Hub, sim: Simulator, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    use_hub_env(monkeypatch, hub, HUB_METRICS_TOKEN=TOKEN, XERO_IDENTITY_URL=sim.url, XERO_API_URL=sim.url)
    with serving_routes() as url:
        yield url


def test_both_endpoints_say_what_the_sidecar_did(
    hub: Hub, sim: Simulator, web: str, request: pytest.FixtureRequest
) -> None:
    connect(hub)
    supplier(hub, "m1", "SUP-9101", name="Metric Mills Ltd")
    supplier(hub, "m2", "SUP-9102", name="Metric Mills Ltd")  # the same name: Xero refuses the second sent
    now = clock.now()
    with hub.db.write() as session:  # recorded 20 minutes ago, the company connected an hour ago
        session.execute(update(OutboxEntry).values(created_at=now - timedelta(minutes=20)))
        session.execute(update(Connection).values(connected_at=now - timedelta(hours=1)))

    waiting = scrape(web)
    assert pick(waiting, "hub_outbox_changes", kind="contacts", state="pending") == 2
    assert 1200 <= pick(waiting, "hub_outbox_oldest_change_age_seconds", kind="contacts", state="pending") < 1260
    for kind in ("documents", "payments"):
        assert pick(waiting, "hub_outbox_changes", kind=kind) == 0
    assert pick(waiting, "hub_database_up") == 1

    fault = {"kind": "status", "status": 429, "count": 1, "path": "/api.xro/2.0/Contacts", "tenantId": HARBOUR}
    control.post(f"{sim.url}/_sandbox/faults", json={**fault, "retryAfter": 1}).raise_for_status()
    since = max(
        (r["seq"] for r in control.get(f"{sim.url}/_sandbox/requests", params={"limit": 10_000}).json()), default=0
    )
    side = request.getfixturevalue("sidecar")

    settled = wait_for(lambda: {e.state for e in entries(hub).values()} == {OutboxState.DONE, OutboxState.FAILED})
    assert settled, {k: e.state for k, e in entries(hub).items()}
    # One of the two lands and Xero refuses the other; which one depends on which the sidecar sent first.
    (failed,) = [k for k, e in entries(hub).items() if e.state is OutboxState.FAILED]
    refused = scrape(web)
    assert pick(refused, "hub_sync_errors_open", cause="duplicate_name") == 1
    assert pick(refused, "hub_outbox_changes", kind="contacts", state="failed") == 1

    supplier(hub, "m3", failed, name="Metric Mills Two Ltd")  # fixed: it goes again and lands
    assert wait_for(lambda: all(e.state is OutboxState.DONE for e in entries(hub).values())), entries(hub)

    # Wait for the sidecar to fall quiet (the initial import and reference data done): the same count twice.
    org = bucket(HARBOUR)

    def quiet() -> Samples | None:
        first = scrape(side)
        logged = len(api_calls(sim, since))
        time.sleep(1.5)
        again = scrape(side)
        calls = pick(first, "hub_xero_calls_total")
        return again if calls == logged == pick(again, "hub_xero_calls_total") else None

    done = wait_for(quiet, 60)
    assert done, f"calls counted {pick(scrape(side), 'hub_xero_calls_total')}, logged {len(api_calls(sim, since))}"
    logged = api_calls(sim, since)
    assert pick(done, "hub_xero_calls_total", org_bucket=org) == len(logged) > 3
    assert pick(done, "hub_xero_calls_total", org_bucket=org, outcome="ok") == sum(r["status"] == 200 for r in logged)
    assert sum(r["status"] == 429 for r in logged) == 1
    assert pick(done, "hub_xero_rate_limited_total", org_bucket=org, limit="minute") == 1
    assert pick(done, "hub_xero_rate_limited_total") == 1
    assert pick(done, "hub_xero_calls_total", org_bucket=org, outcome="rate_limited") == 1

    rows = entries(hub)
    with hub.db.read() as session:
        connected = session.scalars(select(Connection.connected_at)).one()
    waited = [(e.done_at - max(e.created_at, connected)).total_seconds() for e in rows.values()]
    assert len(waited) == 2 and all(1200 <= w < 1500 for w in waited), waited
    assert pick(done, "hub_push_latency_seconds_count", kind="contacts") == 2
    assert pick(done, "hub_push_latency_seconds_sum", kind="contacts") == pytest.approx(sum(waited), abs=0.01)
    assert pick(done, "hub_push_latency_seconds_bucket", kind="contacts", le="900.0") == 0
    assert pick(done, "hub_push_latency_seconds_bucket", kind="contacts", le="1800.0") == 2
    assert pick(done, "hub_push_latency_seconds_count", kind="documents") == 0

    assert pick(done, "hub_sync_errors_opened_total", cause="duplicate_name") == 1
    assert pick(done, "hub_sync_errors_resolved_total", cause="duplicate_name") == 1
    assert pick(done, "hub_job_runs_total", job="push_contacts", outcome="failed") == 0
    runs = pick(done, "hub_job_runs_total", job="push_contacts", outcome="ok")
    assert runs >= 2 and pick(done, "hub_job_duration_seconds_count", job="push_contacts") == runs
    assert pick(done, "hub_job_last_success_timestamp_seconds", job="push_contacts") > time.time() - 60

    after = scrape(web)
    assert pick(after, "hub_outbox_changes", kind="contacts") == 0
    assert pick(after, "hub_outbox_oldest_change_age_seconds", kind="contacts") == 0
    assert pick(after, "hub_sync_errors_open", cause="duplicate_name") == 0
    with hub.db.read() as session:
        budget = session.get(XeroBudget, HARBOUR)
    assert budget is not None and budget.minute_remaining is not None
    assert pick(after, "hub_xero_calls_left", org_bucket=org, window="minute") == budget.minute_remaining
    assert pick(after, "hub_xero_calls_left", org_bucket=org, window="day") == budget.day_remaining

    for found in (waiting, refused, done, after):
        labels_are_bounded(hub, found)
    wrong = httpx.get(f"{side}/metrics", headers={"Authorization": "Bearer another-token-0123456789"})
    assert wrong.status_code == 401 and "hub_" not in wrong.text
    assert httpx.get(f"{side}/other", headers=AUTH).status_code == 404


BOUNDED = {
    "org_bucket": {str(n) for n in range(ORG_BUCKETS)},
    "kind": {"contacts", "documents", "payments", "other"},
    "state": {"pending", "leased", "failed", "held"},
    "window": {"minute", "day"},
    "limit": {"minute", "day", "concurrent", "appminute", "other"},
    "outcome": {"ok", "failed", "rate_limited", "client_error", "server_error", "no_answer"},
}


def labels_are_bounded(hub: Hub, found: Samples) -> None:
    """Every label value comes from a small fixed set (or is a job, cause or bucket bound), and none is a tenant id,
    an email or a company's name."""
    with hub.db.read() as session:
        names = set(session.scalars(select(Company.name)))
        emails = set(session.scalars(select(StaffUser.email)))
    tenants = {o.tenant_id for o in demo_orgs.DEMO_ORGS}
    for name, labels in found:
        for label, text in labels:
            assert text not in names | emails | tenants and "@" not in text, (name, label, text)
            if label in BOUNDED:
                assert text in BOUNDED[label], (name, label, text)
            elif label in ("job", "cause"):
                assert re.fullmatch(r"[a-z_]{1,40}", text), (name, label, text)
            else:
                assert label in ("le", "version", "implementation", "major", "minor", "patchlevel"), (name, label)
