"""The documents' side of the webhook inbox on both databases: invoice and credit-note events become one
documents_webhook run per company, each event marked once with what became of it, even with two sidecars."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core import clock
from core.contacts import webhooks
from core.documents import xero_events
from core.hub import Hub
from core.models.platform import DocumentKind, PlatformContact, PlatformDocument
from core.models.sync import ConnectionState, RunState, SyncRun
from tests.integration.contacts.test_webhooks import HARBOUR_TENANT, deliver, event, inbox, link


def sent(hub: Hub, company_id: int, *xero_ids: str) -> None:
    """Documents the hub pushed, known in Xero by these ids."""
    now = clock.now()
    with hub.db.write() as session:
        contact = PlatformContact(
            company_id=company_id, platform_id="C-WH", origin="platform", name="Quayside Events Ltd",
            is_customer=True, version=1, created_at=now, changed_at=now, phones=[], addresses=[], groups=[],
        )  # fmt: skip
        session.add(contact)
        session.flush()
        for n, xero_id in enumerate(xero_ids):
            session.add(
                PlatformDocument(
                    company_id=company_id, platform_id=f"D-{n}", kind=DocumentKind.SALES_INVOICE, number=f"D-{n}",
                    contact_id=contact.id, issue_date=date(2026, 11, 20), currency="GBP", lines=[],
                    total=Decimal(10), xero_id=xero_id, xero_status="AUTHORISED", pushed_at=now, created_at=now,
                    changed_at=now,
                )
            )  # fmt: skip


def document_runs(hub: Hub) -> list[SyncRun]:
    with hub.db.read() as session:
        return list(session.scalars(select(SyncRun).where(SyncRun.job == xero_events.JOB).order_by(SyncRun.id)))


def test_document_events_become_one_run_per_company_and_every_event_says_why(seeded: Hub) -> None:
    harbour = link(seeded, "Harbour Bakery Ltd", HARBOUR_TENANT)
    sent(seeded, harbour, "i-1", "n-1")
    deliver(
        seeded,
        event("i-1", category="INVOICE"),
        event("n-1", category="CREDITNOTE"),
        event("i-1", category="INVOICE"),
        event("i-x", category="INVOICE"),
        {**event("i-1", category="INVOICE"), "eventType": "CREATE"},
        event("i-1", "t-nobody", "INVOICE"),
    )
    said = xero_events.process(seeded)
    assert said == "6 document events processed: 2 documents to read for 1 company"
    (run,) = document_runs(seeded)
    assert (run.company_id, run.cursor["ids"], run.state) == (
        harbour,
        ["INVOICE:i-1", "CREDITNOTE:n-1"],
        RunState.QUEUED,
    )
    assert [r.outcome for r in inbox(seeded)] == [
        f"status read asked for (company {harbour})",
        f"status read asked for (company {harbour})",
        f"status read asked for (company {harbour})",
        xero_events.NOT_OURS,
        xero_events.OWN_CREATE,
        webhooks.NO_COMPANY,
    ]
    assert xero_events.process(seeded) == "no document events waiting"
    assert webhooks.process(seeded) == "no webhook events waiting"  # contact events only there


@pytest.mark.parametrize("state", [ConnectionState.NEEDS_RECONNECT, ConnectionState.DISCONNECTED])
def test_a_company_not_connected_is_not_read(seeded: Hub, state: ConnectionState) -> None:
    harbour = link(seeded, "Harbour Bakery Ltd", HARBOUR_TENANT, state)
    sent(seeded, harbour, "i-1")
    deliver(seeded, event("i-1", category="INVOICE"))
    xero_events.process(seeded)
    (row,) = inbox(seeded)
    assert row.outcome == (
        f"not read: the company's connection is {state.label.lower()}; "
        "the status poll picks the change up once it is connected again"
    )
    assert document_runs(seeded) == []


def test_two_sidecars_never_process_a_document_event_twice(seeded: Hub) -> None:
    harbour = link(seeded, "Harbour Bakery Ltd", HARBOUR_TENANT)
    sent(seeded, harbour, *(f"i-{n}" for n in range(60)))
    deliver(seeded, *(event(f"i-{n}", category="INVOICE") for n in range(60)))
    failures: list[BaseException] = []

    def sidecar() -> None:
        try:
            while not xero_events.process(seeded, limit=7).startswith("no document"):
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
    (run,) = document_runs(seeded)
    assert sorted(run.cursor["ids"]) == sorted(f"INVOICE:i-{n}" for n in range(60))
