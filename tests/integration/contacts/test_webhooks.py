"""The webhook inbox on both databases: events kept by receive(), turned by process() into one run per company."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select

from core import clock
from core.contacts import webhooks
from core.hub import Hub
from core.models.base import Company
from core.models.contacts import WebhookEvent
from core.models.sync import Connection, ConnectionState, RunState, SyncRun
from sandbox.webhooks import sign

HARBOUR_TENANT = "t-harbour"
KOOKABURRA_TENANT = "t-kookaburra"


def company(hub: Hub, name: str) -> int:
    with hub.db.read() as session:
        return session.scalar(select(Company.id).where(Company.name == name)) or 0


def link(hub: Hub, name: str, tenant: str, state: ConnectionState = ConnectionState.CONNECTED) -> int:
    company_id = company(hub, name)
    with hub.db.write() as session:
        session.add(Connection(company_id=company_id, state=state, state_changed_at=clock.now(), tenant_id=tenant))
    return company_id


def event(resource_id: str, tenant: str = HARBOUR_TENANT, category: str = "CONTACT") -> dict:
    return {
        "resourceUrl": f"https://api.xero.com/api.xro/2.0/Contacts/{resource_id}",
        "resourceId": resource_id,
        "eventDateUtc": "2024-06-21T01:15:39.902",
        "eventType": "UPDATE",
        "eventCategory": category,
        "tenantId": tenant,
        "tenantType": "ORGANISATION",
    }


def deliver(hub: Hub, *events: dict) -> webhooks.Outcome:
    body = json.dumps({"events": list(events), "firstEventSequence": 1, "lastEventSequence": 9, "entropy": "Z"})
    raw = body.encode()
    return webhooks.receive(hub.db, hub.settings, raw, sign(hub.settings.xero_webhook_key.value, raw))


def inbox(hub: Hub) -> list[WebhookEvent]:
    with hub.db.read() as session:
        return list(session.scalars(select(WebhookEvent).order_by(WebhookEvent.id)))


def webhook_runs(hub: Hub) -> list[SyncRun]:
    with hub.db.read() as session:
        return list(session.scalars(select(SyncRun).where(SyncRun.job == "contacts_webhook").order_by(SyncRun.id)))


def test_contact_events_become_one_run_per_company_with_ids_merged(seeded: Hub) -> None:
    harbour = link(seeded, "Harbour Bakery Ltd", HARBOUR_TENANT)
    kookaburra = link(seeded, "Kookaburra Plumbing Pty Ltd", KOOKABURRA_TENANT)
    outcome = deliver(seeded, event("c-1"), event("c-2"), event("c-1"), event("k-1", KOOKABURRA_TENANT))
    assert (outcome.signed, outcome.recorded, outcome.skipped) == (True, 4, 0)

    assert webhooks.process(seeded) == "4 webhook events processed: 3 contacts to pull for 2 companies"
    runs = webhook_runs(seeded)
    assert {(r.company_id, tuple(r.cursor["ids"]), r.state) for r in runs} == {
        (harbour, ("c-1", "c-2"), RunState.QUEUED),
        (kookaburra, ("k-1",), RunState.QUEUED),
    }
    rows = inbox(seeded)
    assert all(r.processed_at is not None and r.attempts == 1 for r in rows)
    assert rows[0].outcome == f"contacts update asked for (company {harbour})"

    # Processed once only; a later event joins the run still waiting.
    assert webhooks.process(seeded) == "no webhook events waiting"
    deliver(seeded, event("c-3"), event("c-2"))
    webhooks.process(seeded)
    runs = webhook_runs(seeded)
    assert len(runs) == 2
    assert next(r for r in runs if r.company_id == harbour).cursor["ids"] == ["c-1", "c-2", "c-3"]


@pytest.mark.parametrize(
    ("tenant", "category", "state", "outcome"),
    [
        ("t-nobody", "CONTACT", None, webhooks.NO_COMPANY),
        (HARBOUR_TENANT, "SUBSCRIPTION", ConnectionState.CONNECTED, "ignored: the hub does not use SUBSCRIPTION"),
        (HARBOUR_TENANT, "CONTACT", ConnectionState.NEEDS_RECONNECT, "connection is needs reconnect"),
        (HARBOUR_TENANT, "CONTACT", ConnectionState.DISCONNECTED, "connection is disconnected"),
    ],
    ids=["unknown-tenant", "unused-category", "needs-reconnect", "disconnected"],
)
def test_events_that_pull_nothing_are_marked_with_why(
    seeded: Hub, tenant: str, category: str, state: ConnectionState | None, outcome: str
) -> None:
    if state is not None:
        link(seeded, "Harbour Bakery Ltd", HARBOUR_TENANT, state)
    deliver(seeded, event("r-1", tenant, category))
    webhooks.process(seeded)
    (row,) = inbox(seeded)
    assert row.processed_at is not None and outcome in (row.outcome or "")
    assert webhook_runs(seeded) == []


def test_a_batch_is_limited_and_the_rest_waits(seeded: Hub) -> None:
    link(seeded, "Harbour Bakery Ltd", HARBOUR_TENANT)
    deliver(seeded, *(event(f"c-{n}") for n in range(5)))
    assert webhooks.process(seeded, limit=2).startswith("2 webhook events processed")
    assert sum(1 for r in inbox(seeded) if r.processed_at is None) == 3
    webhooks.process(seeded)
    assert webhook_runs(seeded)[0].cursor["ids"] == [f"c-{n}" for n in range(5)]


def test_two_sidecars_never_process_an_event_twice(seeded: Hub) -> None:
    link(seeded, "Harbour Bakery Ltd", HARBOUR_TENANT)
    deliver(seeded, *(event(f"c-{n}") for n in range(60)))
    failures: list[BaseException] = []

    def sidecar() -> None:
        try:
            while not webhooks.process(seeded, limit=7).startswith("no webhook"):
                pass
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=sidecar) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    assert all(r.attempts == 1 and r.processed_at is not None for r in inbox(seeded))
    (run,) = webhook_runs(seeded)  # one run, every id in it: none lost to two merges at once
    assert sorted(run.cursor["ids"]) == sorted(f"c-{n}" for n in range(60))


def test_document_events_are_left_to_the_documents_inbox(seeded: Hub) -> None:
    link(seeded, "Harbour Bakery Ltd", HARBOUR_TENANT)
    deliver(seeded, event("i-1", category="INVOICE"), event("n-1", category="CREDITNOTE"), event("c-1"))
    assert webhooks.process(seeded) == "1 webhook events processed: 1 contacts to pull for 1 companies"
    assert [r.resource_id for r in inbox(seeded) if r.processed_at is None] == ["i-1", "n-1"]


def test_a_long_or_missing_id_is_skipped_not_truncated(seeded: Hub) -> None:
    outcome = deliver(seeded, event("x" * 65), {**event("c-1"), "tenantId": None}, event("c-ok"))
    assert (outcome.recorded, outcome.skipped) == (1, 2) and outcome.problem
    assert [r.resource_id for r in inbox(seeded)] == ["c-ok"]
