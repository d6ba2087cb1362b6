"""Every supplier push batch is recorded as one sync run (job "push"): entries settled, calls made, what happened."""

from __future__ import annotations

from sqlalchemy import select

from core.contacts import push as contact_push
from core.hub import Hub
from core.models.sync import RunState, SyncRun
from core.sync import run_history
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import actor, connect, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture
from tests.sync.contacts.test_push import supplier


def push_runs(hub: Hub) -> list[SyncRun]:
    with hub.db.read() as session:
        return list(session.scalars(select(SyncRun).where(SyncRun.job == "push").order_by(SyncRun.id)))


def test_a_push_batch_records_one_run_with_its_records_and_calls(hub: Hub) -> None:
    connect(hub)
    for n in range(3):
        supplier(hub, f"r{n}", f"SUP-8{n:03d}", name=f"Run Supplier {n} Ltd")
    assert contact_push.push_due(hub, worker="test").sent == 3
    (run,) = push_runs(hub)
    assert run.company_id == harbour(hub) and run.state is RunState.DONE
    assert (run.records, run.api_calls) == (3, 1)  # one batched write for three suppliers
    assert run.outcome == "3 contacts sent to Xero, 0 refused, 0 to retry"
    assert run.started_at is not None and run.finished_at is not None and run.finished_at >= run.started_at
    assert contact_push.push_due(hub, worker="test").sent == 0
    assert len(push_runs(hub)) == 1, "nothing due: no run recorded"

    with hub.db.read() as session:
        page = run_history.list_runs(session, actor(hub), company_id=harbour(hub), job="push")
    assert page.total == 1 and page.rows[0].api_calls == 1 and page.rows[0].job_label == "Sending changes to Xero"


def test_a_refused_change_is_in_the_runs_outcome(hub: Hub) -> None:
    connect(hub)
    supplier(hub, "t1", "SUP-8101", name="Twin Ovens Ltd")
    supplier(hub, "t2", "SUP-8102", name="Twin Ovens Ltd")
    tally = contact_push.push_due(hub, worker="test")
    assert (tally.sent, tally.failed) == (1, 1)
    (run,) = push_runs(hub)
    assert (run.records, run.api_calls, run.state) == (2, 1, RunState.DONE)
    assert run.outcome == "1 contacts sent to Xero, 1 refused, 0 to retry"


def test_a_revoked_connection_records_a_failed_run_with_the_changes_held(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    sim.control("POST", f"/orgs/{HARBOUR}/revoke")
    supplier(hub, "v1", "SUP-8201", name="Revoked Rolls Ltd")
    contact_push.push_due(hub, worker="test")
    (run,) = push_runs(hub)
    assert run.state is RunState.FAILED and run.records == 0 and run.api_calls >= 1
    assert "1 changes held until Xero is reconnected" in (run.outcome or "")
