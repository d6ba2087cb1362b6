"""Document status through Xero's webhook, against the simulator over real HTTP, on SQLite and PostgreSQL: the
simulator signs and sends its INVOICE and CREDITNOTE events to a live endpoint that keeps them as /webhooks/xero
does (core.contacts.webhooks.receive), and the sidecar's tick (core.documents.xero_events.handle) reads the
documents named. The status poll never runs here (its interval is set far beyond the test)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
import uvicorn
from sqlalchemy import select, update
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from core import clock
from core.contacts import webhooks
from core.documents import status as document_status
from core.documents import views as document_views
from core.documents import xero_events
from core.hub import Hub
from core.models.contacts import WebhookEvent
from core.models.platform import DocumentKind, PlatformContact, PlatformDocument
from core.models.sync import Connection, ConnectionState, RunState, SyncRun
from core.xero import resources
from core.xero_access import gate
from sandbox import apps
from tests import control
from tests.conftest import make_settings
from tests.integration.contacts.test_webhooks_live import wait_for
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.stack import free_port
from tests.sync.connections.test_lifecycle import actor, harbour
from tests.sync.payments.test_payments_and_status import connection_id, document, invoice_in_xero, ready

D = Decimal
CUSTOMER = "Lighthouse Weddings Ltd"


@pytest.fixture
def hub(seeded: Hub, sim: Simulator, tmp_path: Path) -> Hub:
    settings = make_settings(
        seeded.db.url, tmp_path, XERO_IDENTITY_URL=sim.url, XERO_API_URL=sim.url, HUB_DOCUMENTS_POLL_SECONDS="999999"
    )
    return Hub(settings=settings, db=seeded.db)


@pytest.fixture
def hook(hub: Hub, sim: Simulator) -> Iterator[str]:
    """A live endpoint keeping what the simulator's app delivers, exactly as the hub's /webhooks/xero route does."""

    async def receive(request: Request) -> Response:
        outcome = webhooks.receive(hub.db, hub.settings, await request.body(), request.headers.get("x-xero-signature"))
        return Response(status_code=200 if outcome.signed else 401)

    port = free_port()
    app = Starlette(routes=[Route("/webhooks/xero", receive, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    assert wait_for(lambda: server.started, seconds=10), "uvicorn did not start"
    url = f"http://127.0.0.1:{port}/webhooks/xero"
    registered = {
        **apps.from_env()[0].to_json(),
        "webhook_url": url,
        "webhook_key": hub.settings.xero_webhook_key.value,
    }
    sim.control("POST", "/apps", **registered)
    yield url
    sim.control("POST", "/apps", **{**registered, "webhook_url": None})
    server.should_exit = True
    thread.join(timeout=10)


def credit_note_in_xero(hub: Hub, number: str, customer: str = CUSTOMER) -> PlatformDocument:
    """An approved customer credit note in Xero and its platform twin, as the push leaves them."""
    with gate.organisation(hub, connection_id(hub), worker="test") as xero:
        (made,) = xero.write(
            resources.CREDIT_NOTES,
            [
                {
                    "Type": "ACCRECCREDIT",
                    "Contact": {"Name": customer},
                    "CreditNoteNumber": number,
                    "Date": "2026-11-20",
                    "Status": "AUTHORISED",
                    "LineAmountTypes": "Exclusive",
                    "LineItems": [{"Description": "Refund", "Quantity": 1, "UnitAmount": 10, "AccountCode": "200"}],
                }
            ],
            idempotency_key=f"test-{number}",
        )
    assert made.ok, made.messages
    now, company = clock.now(), harbour(hub)
    with hub.db.write() as session:
        contact = session.scalars(
            select(PlatformContact).where(PlatformContact.company_id == company, PlatformContact.name == customer)
        ).one()
        total = D(str(made.element["Total"]))
        note = PlatformDocument(
            company_id=company,
            platform_id=number,
            kind=DocumentKind.CUSTOMER_CREDIT_NOTE,
            number=number,
            contact_id=contact.id,
            issue_date=date(2026, 11, 20),
            currency="GBP",
            lines=[],
            total=total,
            xero_id=made.element["CreditNoteID"],
            xero_status="AUTHORISED",
            amount_due=total,
            amount_paid=D(0),
            pushed_at=now,
            created_at=now,
            changed_at=now,
        )
        session.add(note)
        session.flush()
        session.expunge(note)
    return note


def events_for(hub: Hub, resource_id: str) -> list[WebhookEvent]:
    with hub.db.read() as session:
        return list(session.scalars(select(WebhookEvent).where(WebhookEvent.resource_id == resource_id)))


def arrived(hub: Hub, resource_id: str, event_type: str = "UPDATE") -> None:
    found = wait_for(lambda: any(e.event_type == event_type for e in events_for(hub, resource_id)), seconds=20)
    assert found, f"no {event_type} event for {resource_id} reached the inbox"


def quiet(hub: Hub, sim: Simulator) -> int:
    """Every event so far delivered and handled (the setup's own creates); the request log's position now."""
    control.post(f"{sim.url}/_sandbox/webhooks/deliver").raise_for_status()
    xero_events.handle(hub, worker="test")
    log = control.get(f"{sim.url}/_sandbox/requests", params={"limit": 10_000}).json()
    return int(log[-1]["seq"]) if log else 0


def reads_since(sim: Simulator, since: int) -> list[dict[str, Any]]:
    log = control.get(f"{sim.url}/_sandbox/requests", params={"since": since, "limit": 10_000}).json()
    return [r for r in log if r["method"] == "GET" and r["path"].startswith("/api.xro/")]


def named(call: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(call.get("query") or "")


def runs_of(hub: Hub, job: str) -> list[SyncRun]:
    with hub.db.read() as session:
        return list(session.scalars(select(SyncRun).where(SyncRun.job == job).order_by(SyncRun.id)))


def pay_in_xero(sim: Simulator, invoice: PlatformDocument, amount: Decimal | None = None) -> None:
    """A Xero user records a payment (the simulator's screens), as a finance team does."""
    paid = float(amount if amount is not None else invoice.total)
    sim.control("POST", f"/orgs/{HARBOUR}/invoices/{invoice.xero_id}/payments", amount=paid, accountCode="090")


def test_a_payment_recorded_in_xero_shows_as_paid_through_the_webhook_without_the_poll(
    hub: Hub, sim: Simulator, hook: str
) -> None:
    ready(hub)
    invoice = invoice_in_xero(hub, "WH-1001", customer=CUSTOMER)
    since = quiet(hub, sim)
    pay_in_xero(sim, invoice)
    arrived(hub, str(invoice.xero_id))

    said = xero_events.handle(hub, worker="test")
    assert "1 document event processed: 1 document to read for 1 company" in said, said
    paid = document(hub, "WH-1001")
    assert (paid.xero_status, paid.amount_due, paid.amount_paid) == ("PAID", D(0), invoice.total)
    with hub.db.read() as session:
        assert document_views.off_balance(session, actor(hub), harbour(hub)) == []
    (run,) = runs_of(hub, xero_events.JOB)
    assert run.state is RunState.DONE and run.records == 1 and "1 of ours updated" in (run.outcome or "")
    reads = reads_since(sim, since)
    assert run.api_calls == len(reads) == 3  # the invoice, then its customer's balance (invoices and credit notes)
    assert named(reads[0])["IDs"] == [invoice.xero_id]
    assert runs_of(hub, "documents_poll") == []
    (event,) = [e for e in events_for(hub, str(invoice.xero_id)) if e.event_type == "UPDATE"]
    assert event.outcome == f"status read asked for (company {harbour(hub)})"


def test_ids_are_read_in_one_call_per_kind_for_the_organisation(hub: Hub, sim: Simulator, hook: str) -> None:
    ready(hub)
    invoices = [invoice_in_xero(hub, f"WH-20{n}", customer=CUSTOMER) for n in range(3)]
    notes = [credit_note_in_xero(hub, f"WHC-20{n}") for n in range(2)]
    since = quiet(hub, sim)
    for invoice in invoices:
        pay_in_xero(sim, invoice, D("30.00"))
    with gate.organisation(hub, connection_id(hub), worker="test") as xero:
        for note in notes:  # allocated in Xero: each credit note (and the invoice) changes
            allocation = {"Invoice": {"InvoiceID": invoices[0].xero_id}, "Amount": 5, "Date": "2026-11-21"}
            xero.request("PUT", f"/CreditNotes/{note.xero_id}/Allocations", json={"Allocations": [allocation]})
    for record in [*invoices, *notes]:
        arrived(hub, str(record.xero_id))
    since = max(since, int(control.get(f"{sim.url}/_sandbox/requests", params={"limit": 10_000}).json()[-1]["seq"]))

    xero_events.handle(hub, worker="test")
    reads = reads_since(sim, since)
    by_ids = [r for r in reads if r["path"].endswith("/Invoices") and "IDs" in named(r)]
    assert len(by_ids) == 1 and sorted(named(by_ids[0])["IDs"][0].split(",")) == sorted(
        str(i.xero_id) for i in invoices
    )
    by_where = [r for r in reads if r["path"].endswith("/CreditNotes") and "CreditNoteID" in str(named(r))]
    assert len(by_where) == 1 and all(str(n.xero_id) in named(by_where[0])["where"][0] for n in notes)
    assert len(reads) == 4  # the two reads, then one balance read of each kind for the one customer
    for invoice in invoices:
        assert document(hub, invoice.number).amount_paid >= D("30.00")
    for note in notes:
        assert document(hub, note.number).amount_due == note.total - 5
    (run,) = runs_of(hub, xero_events.JOB)
    assert run.records == 5 and run.api_calls == 4


def test_an_event_for_a_document_the_hub_never_sent_costs_no_call(hub: Hub, sim: Simulator, hook: str) -> None:
    ready(hub)
    since = quiet(hub, sim)
    with gate.organisation(hub, connection_id(hub), worker="test") as xero:  # someone else's invoice in Xero
        (made,) = xero.write(
            resources.INVOICES,
            [{"Type": "ACCREC", "Contact": {"Name": CUSTOMER}, "Status": "AUTHORISED", "LineItems": [
                {"Description": "Cake", "Quantity": 1, "UnitAmount": 20, "AccountCode": "200"}]}],
            idempotency_key="not-ours",
        )  # fmt: skip
    theirs = made.element["InvoiceID"]
    sim.control("POST", f"/orgs/{HARBOUR}/invoices/{theirs}/payments", amount=5, accountCode="090")
    arrived(hub, theirs)
    since = max(since, int(control.get(f"{sim.url}/_sandbox/requests", params={"limit": 10_000}).json()[-1]["seq"]))

    assert "0 documents to read" in xero_events.handle(hub, worker="test")
    assert {e.outcome for e in events_for(hub, theirs)} == {xero_events.NOT_OURS}
    assert reads_since(sim, since) == [] and runs_of(hub, xero_events.JOB) == []


def test_a_disconnected_companys_event_is_not_read(hub: Hub, sim: Simulator, hook: str) -> None:
    ready(hub)
    invoice = invoice_in_xero(hub, "WH-4001", customer=CUSTOMER)
    since = quiet(hub, sim)
    with hub.db.write() as session:
        session.execute(update(Connection).values(state=ConnectionState.DISCONNECTED))
    pay_in_xero(sim, invoice)
    arrived(hub, str(invoice.xero_id))

    xero_events.handle(hub, worker="test")
    (event,) = [e for e in events_for(hub, str(invoice.xero_id)) if e.event_type == "UPDATE"]
    assert event.outcome is not None and event.outcome.startswith("not read: the company's connection is disconnected")
    assert reads_since(sim, since) == [] and runs_of(hub, xero_events.JOB) == []
    assert document(hub, "WH-4001").xero_status == "AUTHORISED"


def test_a_read_that_fails_is_a_failed_run_and_the_poll_brings_the_status_back(
    hub: Hub, sim: Simulator, hook: str
) -> None:
    ready(hub)
    invoice = invoice_in_xero(hub, "WH-5001", customer=CUSTOMER)
    quiet(hub, sim)
    pay_in_xero(sim, invoice)
    arrived(hub, str(invoice.xero_id))
    armed = {"kind": "status", "status": 503, "path": "/api.xro/2.0/Invoices", "method": "GET"}
    control.post(f"{sim.url}/_sandbox/faults", json=armed).raise_for_status()

    xero_events.handle(hub, worker="test")
    (run,) = runs_of(hub, xero_events.JOB)
    assert run.state is RunState.FAILED and run.api_calls == 1
    assert "The status poll brings it back." in (run.outcome or "")
    assert document(hub, "WH-5001").xero_status == "AUTHORISED"  # left as it was
    assert xero_events.handle(hub, worker="test").endswith("no document status to read")  # not retried by itself

    document_status.poll(hub, harbour(hub), worker="test")
    assert document(hub, "WH-5001").xero_status == "PAID"
