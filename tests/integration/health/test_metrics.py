"""The metrics a hub process counts, without Xero: job runs and their failures, sync errors opened and resolved by
cause (counted only once their transaction commits), the settings that guard the endpoints, and the web app's
/metrics refusing without its token and answering 404 when none is set."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select
from starlette.applications import Starlette

from core.auth import Actor
from core.config.values import ConfigError
from core.demo import seed as demo
from core.hub import Hub
from core.metrics import definitions as metrics
from core.metrics import serve
from core.models.base import Company
from core.staff import users
from core.sync import errors
from core.sync.errors import EntityRef
from scheduler import registry
from scheduler.context import SidecarContext
from tests.conftest import TEST_ENV, make_settings
from tests.stack import free_port
from web.routes import ROUTES
from web.runtime import get_hub

TOKEN = "metrics-token-of-the-tests-0123456789"


def value(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """A scrape's samples by name and labels."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


@contextmanager
def serving_routes() -> Iterator[str]:
    """The web app's routes served by uvicorn on a free port (real HTTP); yields its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=ROUTES), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def use_hub_env(monkeypatch: pytest.MonkeyPatch, hub: Hub, **extra: str) -> None:
    """The environment the web process's get_hub() builds this test's hub from."""
    env = {**TEST_ENV, "DATABASE_URL": hub.db.url, "HUB_DATA_DIR": str(hub.settings.data_dir), **extra}
    for name, setting in env.items():
        monkeypatch.setenv(name, setting)


def test_job_runs_are_timed_and_counted_by_outcome(hub: Hub) -> None:
    def broken(_ctx: SidecarContext) -> str:
        raise RuntimeError("Xero said no")

    def fine(_ctx: SidecarContext) -> str:
        time.sleep(0.05)
        return "done"

    ctx = SidecarContext(hub=hub)
    before = {
        "failed": value("hub_job_runs_total", job="metrics_probe", outcome="failed"),
        "ok": value("hub_job_runs_total", job="metrics_probe", outcome="ok"),
        "timed": value("hub_job_duration_seconds_count", job="metrics_probe"),
        "took": value("hub_job_duration_seconds_sum", job="metrics_probe"),
    }
    registry.run_tracked(ctx, registry.JobSpec("metrics_probe", broken, 60, 60))
    assert value("hub_job_runs_total", job="metrics_probe", outcome="failed") == before["failed"] + 1
    assert value("hub_job_runs_total", job="metrics_probe", outcome="ok") == before["ok"]
    started = time.time()
    registry.run_tracked(ctx, registry.JobSpec("metrics_probe", fine, 60, 60))
    assert value("hub_job_runs_total", job="metrics_probe", outcome="ok") == before["ok"] + 1
    assert value("hub_job_duration_seconds_count", job="metrics_probe") == before["timed"] + 2
    assert value("hub_job_duration_seconds_sum", job="metrics_probe") - before["took"] >= 0.05
    assert started <= value("hub_job_last_success_timestamp_seconds", job="metrics_probe") <= time.time()


def _company(hub: Hub) -> int:
    with hub.db.write() as session:
        demo.seed(session)
        return session.scalars(select(Company.id).where(Company.name == "Harbour Bakery Ltd")).one()


def test_sync_errors_count_when_opened_and_resolved_by_cause_once_committed(hub: Hub) -> None:
    company = _company(hub)
    opened = lambda cause: value("hub_sync_errors_opened_total", cause=cause)  # noqa: E731
    resolved = lambda cause: value("hub_sync_errors_resolved_total", cause=cause)  # noqa: E731
    start = {c: (opened(c), resolved(c)) for c in ("validation", "duplicate_name")}
    ref = EntityRef("contact", "SUP-1", "Metric Mills Ltd")

    with pytest.raises(RuntimeError), hub.db.write() as session:  # rolled back: counts nothing
        errors.record(session, company_id=company, code="validation", entity=ref, detail="no")
        raise RuntimeError("the transaction fails")
    assert opened("validation") == start["validation"][0]

    with hub.db.write() as session:
        errors.record(session, company_id=company, code="validation", entity=ref, detail="no")
        assert opened("validation") == start["validation"][0], "counted before the commit"
    assert opened("validation") == start["validation"][0] + 1
    with hub.db.write() as session:  # a repeat of an open error opens nothing
        errors.record(session, company_id=company, code="validation", entity=ref, detail="no")
    assert opened("validation") == start["validation"][0] + 1

    with hub.db.write() as session:  # the record synced: its open error resolves
        assert errors.resolve_for_entity(session, company_id=company, entity_type="contact", entity_id="SUP-1") == 1
    assert resolved("validation") == start["validation"][1] + 1
    with hub.db.write() as session:  # back after it was resolved: opened again
        errors.record(session, company_id=company, code="validation", entity=ref, detail="no")
    assert opened("validation") == start["validation"][0] + 2

    other = EntityRef("contact", "SUP-2", "Twin Ltd")
    with hub.db.write() as session:
        row = errors.record(session, company_id=company, code="duplicate_name", entity=other, detail="twin")
        session.flush()
        error_id = row.id
    with hub.db.write() as session:  # a person resolves it
        admin = users.get_by_email(session, "ada@hub.example")
        assert admin is not None
        errors.set_status(session, Actor.of(admin), error_id, errors.ErrorStatus.RESOLVED)
    assert (opened("duplicate_name"), resolved("duplicate_name")) == (
        start["duplicate_name"][0] + 1,
        start["duplicate_name"][1] + 1,
    )
    assert resolved("validation") == start["validation"][1] + 1


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"HUB_METRICS_TOKEN": "short"}, "HUB_METRICS_TOKEN is shorter than 16"),
        ({"HUB_SIDECAR_METRICS_PORT": "nine"}, "HUB_SIDECAR_METRICS_PORT must be a port number"),
        ({"HUB_SIDECAR_METRICS_PORT": "70000"}, "HUB_SIDECAR_METRICS_PORT must be a port number"),
        (
            {"HUB_SIDECAR_METRICS_PORT": "9101", "HUB_SIDECAR_METRICS_HOST": "0.0.0.0"},
            "set HUB_METRICS_TOKEN too",
        ),
    ],
    ids=["short-token", "port-not-a-number", "port-too-big", "open-listener-without-token"],
)
def test_metrics_settings_that_would_expose_or_break_the_endpoints_are_refused(
    tmp_path: Path, env: dict[str, str], says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        make_settings("sqlite:///x.db", tmp_path, **env)


def test_metrics_settings_default_to_off_and_loopback(tmp_path: Path) -> None:
    settings = make_settings("sqlite:///x.db", tmp_path)
    assert (settings.sidecar_metrics_port, settings.sidecar_metrics_host, bool(settings.metrics_token)) == (
        0,
        "127.0.0.1",
        False,
    )
    token = make_settings("sqlite:///x.db", tmp_path, HUB_METRICS_TOKEN=TOKEN).metrics_token
    assert TOKEN not in repr(token) and str(token) == "***"
    listening = make_settings(
        "sqlite:///x.db",
        tmp_path,
        HUB_SIDECAR_METRICS_PORT="9101",
        HUB_SIDECAR_METRICS_HOST="0.0.0.0",
        HUB_METRICS_TOKEN=TOKEN,
    )
    assert (listening.sidecar_metrics_port, listening.sidecar_metrics_host) == (9101, "0.0.0.0")


def test_the_web_apps_metrics_answer_only_to_the_token(hub: Hub, monkeypatch: pytest.MonkeyPatch) -> None:
    use_hub_env(monkeypatch, hub)
    monkeypatch.delenv("HUB_METRICS_TOKEN", raising=False)
    with serving_routes() as url:
        unset = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert unset.status_code == 404, "no token set: no metrics for anyone"
        monkeypatch.setenv("HUB_METRICS_TOKEN", TOKEN)
        for headers in ({}, {"Authorization": "Bearer another-token-0123456789"}, {"Authorization": TOKEN}):
            refused = httpx.get(f"{url}/metrics", headers=headers)
            assert refused.status_code == 401 and "hub_" not in refused.text, headers
        answer = httpx.get(f"{url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    get_hub().db.dispose()
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    found = samples(answer.text)
    assert found[("hub_database_up", frozenset())] == 1
    assert found[("hub_outbox_changes", frozenset({("kind", "contacts"), ("state", "pending")}))] == 0
    assert found[("hub_sync_errors_open", frozenset({("cause", "validation")}))] == 0


def test_a_sidecars_listener_on_loopback_needs_no_token_and_a_taken_port_stops_the_next(tmp_path: Path) -> None:
    port = free_port()
    settings = make_settings("sqlite:///x.db", tmp_path, HUB_SIDECAR_METRICS_PORT=str(port))
    server = serve.start_listener(settings)
    assert server is not None
    try:
        answer = httpx.get(f"http://127.0.0.1:{port}/metrics")
        assert answer.status_code == 200 and "process_resident_memory_bytes" in answer.text
        with pytest.raises(ConfigError, match=f"HUB_SIDECAR_METRICS_PORT {port} cannot be used"):
            serve.start_listener(settings)  # a second sidecar given the same port
    finally:
        server.shutdown()
        server.server_close()
    assert serve.start_listener(make_settings("sqlite:///x.db", tmp_path)) is None, "port unset: no listener"
