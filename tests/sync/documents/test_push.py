"""Document push against the simulator over real HTTP (SQLite and PostgreSQL): issued invoices, bills and credit
notes reach Xero with the mapped codes and the contact's ContactID; updates, voids, locked documents, missing
mappings, missing contacts and unanswered writes each end the way a finance manager can act on."""

from __future__ import annotations

import time
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from core import clock
from core.connections import consent
from core.connections import lifecycle as connections
from core.contacts import push as contact_push
from core.documents import push as document_push
from core.hub import Hub
from core.mappings import store as mappings
from core.mappings.plan import Change
from core.models.mappings import MappingKind
from core.models.platform import PlatformContact, PlatformDocument
from core.models.sync import ErrorStatus, OutboxEntry, OutboxState, SyncError
from core.platform_api import events as platform
from core.sync import outbox
from core.xero import resources
from core.xero_access import gate
from scheduler import jobs
from scheduler.context import SidecarContext
from tests import control
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import actor, connect, grant_in_xero, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture
from tests.sync.mappings.test_reference_and_mappings import refresh_all

GOODS = {"description": "Sourdough loaves", "quantity": 12, "unit_amount": 3.4567, "category": "GOODS",
         "tax_rate": "VAT20", "tax_amount": 8.30}  # fmt: skip
RENT = {"description": "Unit 4 rent, November", "quantity": 1, "unit_amount": 1250, "category": "RENT",
        "tax_rate": "VAT20", "tax_amount": 250.00}  # fmt: skip


def event(hub: Hub, event_id: str, what: str, **data: Any) -> dict[str, Any]:
    with hub.db.write() as session:
        return platform.handle(session, company_id=harbour(hub), event_id=event_id, kind=what, data=data)


def issue(hub: Hub, number: str, *, kind: str = "sales_invoice", contact: str = "SUP-9001", **extra: Any) -> None:
    lines = extra.pop("lines", [RENT] if kind in ("bill", "supplier_credit_note") else [GOODS])
    event(
        hub, f"issue-{number}", "document.issued", document_id=number, kind=kind, number=number, contact_id=contact,
        issue_date="2026-11-02", due_date="2026-12-02", currency="GBP", lines=lines, **extra,
    )  # fmt: skip


@pytest.fixture
def ready(hub: Hub) -> Hub:
    """Harbour connected, its reference data read (suggested mappings in place), and one supplier in Xero."""
    connect(hub)
    refresh_all(hub)
    event(hub, "sup-9001", "supplier.changed", supplier_id="SUP-9001", name="Quayside Flour Mill Ltd")
    assert contact_push.push_due(hub, worker="test").sent == 1
    return hub


def xero(hub: Hub, resource: resources.Resource, **params: str) -> list[dict[str, Any]]:
    with hub.db.read() as session:
        connection = connections.of_company(session, actor(hub), harbour(hub))
        assert connection is not None
    with gate.organisation(hub, connection.id, worker="test") as client:
        return client.list(resource, params={**params, "unitdp": "4"})


def document(hub: Hub, number: str) -> PlatformDocument:
    with hub.db.read() as session:
        return session.scalars(select(PlatformDocument).where(PlatformDocument.number == number)).one()


def writes(sim: Simulator, collection: str = "Invoices") -> list[dict[str, Any]]:
    log = control.get(f"{sim.url}/_sandbox/requests", params={"limit": 5000}).json()
    return [r for r in log if r["method"] in ("POST", "PUT") and r["path"].endswith(f"/{collection}")]


def errors_of(hub: Hub, number: str) -> list[SyncError]:
    with hub.db.read() as session:
        return list(session.scalars(select(SyncError).where(SyncError.entity_number == number)))


def test_an_issued_invoice_reaches_xero_with_codes_contact_and_four_decimal_prices(ready: Hub, sim: Simulator) -> None:
    issue(ready, "INV-7001")
    assert document_push.push_due(ready, worker="test").sent == 1
    (found,) = xero(ready, resources.INVOICES, InvoiceNumbers="INV-7001")
    supplier = _contact(ready, "SUP-9001")
    assert found["Type"] == "ACCREC" and found["Status"] == "AUTHORISED"
    assert found["Contact"]["ContactID"] == supplier.xero_contact_id
    (item,) = found["LineItems"]
    assert (item["AccountCode"], item["TaxType"], item["UnitAmount"], item["TaxAmount"]) == (
        "200",
        "OUTPUT2",
        3.4567,
        8.3,
    )
    assert found["Total"] == 49.78  # 12 x 3.4567 = 41.48, plus 8.30 tax: the platform's total, to the cent
    stored = document(ready, "INV-7001")
    assert stored.xero_id == found["InvoiceID"] and stored.xero_status == "AUTHORISED"
    assert str(stored.amount_due) == "49.78" and stored.pushed_at is not None
    assert document_push.push_due(ready, worker="test").sent == 0  # nothing is pushed twice


def test_references_tax_inclusive_prices_and_due_dates_reach_xero_as_the_platform_sent_them(ready: Hub) -> None:
    """An inclusive price holds its tax: 9.99 x 3 = 29.97 with 20% VAT inside is 4.995, which Xero rounds to 5.00."""
    inclusive = {**GOODS, "quantity": 3, "unit_amount": 9.99, "tax_amount": 5.00}
    issue(ready, "INV-7101", lines=[inclusive], line_amount_types="Inclusive", reference="PO 4471")
    issue(ready, "INV-7102", lines=[{**GOODS, "tax_amount": None}], line_amount_types="NoTax")
    assert document_push.push_due(ready, worker="test").sent == 2
    found = {i["InvoiceNumber"]: i for i in xero(ready, resources.INVOICES, InvoiceNumbers="INV-7101,INV-7102")}
    taxed, untaxed = found["INV-7101"], found["INV-7102"]
    assert (taxed["LineAmountTypes"], taxed["Reference"], taxed["DueDateString"][:10]) == (
        "Inclusive",
        "PO 4471",
        "2026-12-02",
    )
    assert (taxed["Total"], taxed["TotalTax"], taxed["SubTotal"]) == (29.97, 5.0, 24.97)
    assert str(document(ready, "INV-7101").total) == "29.97" and not errors_of(ready, "INV-7101")
    assert (untaxed["LineAmountTypes"], untaxed["TotalTax"], untaxed["Total"]) == ("NoTax", 0.0, 41.48)
    assert str(document(ready, "INV-7102").total) == "41.48"


def _contact(hub: Hub, platform_id: str) -> PlatformContact:
    with hub.db.read() as session:
        return session.scalars(select(PlatformContact).where(PlatformContact.platform_id == platform_id)).one()


def test_a_bill_and_a_credit_note_go_in_one_call_each_to_their_endpoints(ready: Hub, sim: Simulator) -> None:
    before_invoices, before_credits = len(writes(sim)), len(writes(sim, "CreditNotes"))
    issue(ready, "B-100", kind="bill")
    issue(ready, "B-101", kind="bill")
    issue(ready, "CN-7001", kind="customer_credit_note")
    assert document_push.push_due(ready, worker="test").sent == 3
    assert len(writes(sim)) == before_invoices + 1 and len(writes(sim, "CreditNotes")) == before_credits + 1
    bills = xero(ready, resources.INVOICES, InvoiceNumbers="B-100,B-101")
    assert {(b["Type"], b["LineItems"][0]["AccountCode"], b["LineItems"][0]["TaxType"]) for b in bills} == {
        ("ACCPAY", "469", "INPUT2")
    }
    (credit,) = [c for c in xero(ready, resources.CREDIT_NOTES) if c["CreditNoteNumber"] == "CN-7001"]
    assert credit["Type"] == "ACCRECCREDIT" and credit["Status"] == "AUTHORISED"
    assert document(ready, "CN-7001").xero_id == credit["CreditNoteID"]


def test_an_update_then_a_void_reach_the_same_invoice(ready: Hub) -> None:
    issue(ready, "INV-7002")
    document_push.push_due(ready, worker="test")
    xero_id = document(ready, "INV-7002").xero_id
    changed = {**GOODS, "quantity": 24, "tax_amount": 16.59}
    event(ready, "chg-7002", "document.changed", document_id="INV-7002", kind="sales_invoice", number="INV-7002",
          contact_id="SUP-9001", issue_date="2026-11-02", currency="GBP", lines=[changed])  # fmt: skip
    assert document_push.push_due(ready, worker="test").sent == 1
    (found,) = xero(ready, resources.INVOICES, InvoiceNumbers="INV-7002")
    assert found["InvoiceID"] == xero_id and found["Total"] == 99.55 and found["LineItems"][0]["Quantity"] == 24
    event(ready, "void-7002", "document.voided", document_id="INV-7002")
    assert document_push.push_due(ready, worker="test").sent == 1
    (found,) = xero(ready, resources.INVOICES, InvoiceNumbers="INV-7002")
    assert found["Status"] == "VOIDED" and document(ready, "INV-7002").xero_status == "VOIDED"


def test_a_paid_invoice_is_locked_and_says_so(ready: Hub, sim: Simulator) -> None:
    issue(ready, "INV-7003")
    document_push.push_due(ready, worker="test")
    xero_id = document(ready, "INV-7003").xero_id
    sim.control("POST", f"/orgs/{HARBOUR}/invoices/{xero_id}/payments", amount=10)  # part-paid, in Xero
    changed = {**GOODS, "quantity": 6, "tax_amount": 4.15}
    event(ready, "chg-7003", "document.changed", document_id="INV-7003", kind="sales_invoice", number="INV-7003",
          contact_id="SUP-9001", issue_date="2026-11-02", currency="GBP", lines=[changed])  # fmt: skip
    assert document_push.push_due(ready, worker="test").failed == 1
    (error,) = errors_of(ready, "INV-7003")
    assert error.cause == "document_locked" and "not of valid status for modification" in (error.detail or "")
    assert "credit note" in (error.detail or "") and error.raw_request is not None
    with ready.db.read() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.last_error_id == error.id)).one()
    assert entry.state is OutboxState.FAILED


def test_a_missing_mapping_makes_no_call_and_retry_after_the_fix_sends_it(ready: Hub, sim: Simulator) -> None:
    with ready.db.write() as session:  # the finance manager has not mapped VAT5 for sales yet
        mappings.save(session, actor(ready), harbour(ready), [Change(MappingKind.TAX, "sales", "VAT5", None)])
    calls = len(writes(sim))
    issue(ready, "INV-7004", lines=[{**GOODS, "tax_rate": "VAT5", "tax_amount": 2.07}])
    assert document_push.push_due(ready, worker="test").failed == 1
    assert len(writes(sim)) == calls
    (error,) = errors_of(ready, "INV-7004")
    assert error.cause == "missing_tax_mapping" and "line 1" in (error.detail or "") and "VAT5" in (error.detail or "")
    with ready.db.write() as session:
        mappings.save(session, actor(ready), harbour(ready), [Change(MappingKind.TAX, "sales", "VAT5", "RROUTPUT")])
        failed = session.scalars(select(OutboxEntry.id).where(OutboxEntry.state == OutboxState.FAILED)).all()
        outbox.retry(session, list(failed))
    assert document_push.push_due(ready, worker="test").sent == 1
    assert errors_of(ready, "INV-7004")[0].status is ErrorStatus.RESOLVED
    (found,) = xero(ready, resources.INVOICES, InvoiceNumbers="INV-7004")
    assert found["LineItems"][0]["TaxType"] == "RROUTPUT"


def test_a_contact_not_in_xero_is_created_first_in_the_same_tick(ready: Hub) -> None:
    assert _contact(ready, "P-GB-NEW1").xero_contact_id is None
    issue(ready, "INV-7005", contact="P-GB-NEW1")
    assert document_push.push_due(ready, worker="test").sent == 1
    created = _contact(ready, "P-GB-NEW1").xero_contact_id
    (found,) = xero(ready, resources.INVOICES, InvoiceNumbers="INV-7005")
    assert created is not None and found["Contact"]["ContactID"] == created


@pytest.mark.parametrize("fault", ["timeout", "drop"])
def test_an_unanswered_write_is_looked_up_and_adopted_never_sent_twice(
    ready: Hub, sim: Simulator, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    monkeypatch.setattr(gate, "TIMEOUT", httpx.Timeout(1.0, connect=1.0))
    issue(ready, "INV-7006")
    issue(ready, "B-7006", kind="bill")
    puts = len(writes(sim))
    armed = {"kind": fault, "seconds": 2, "path": "/api.xro/2.0/Invoices", "method": "PUT"}
    control.post(f"{sim.url}/_sandbox/faults", json=armed).raise_for_status()
    tally = document_push.push_due(ready, worker="test")
    assert (tally.sent, tally.waiting) == (0, 2)
    assert document(ready, "INV-7006").uncertain_since is not None
    assert {e.cause for e in errors_of(ready, "INV-7006")} == {"uncertain_timeout"}
    clock.advance(timedelta(seconds=10))  # the retry is due
    assert document_push.push_due(ready, worker="test").sent == 2
    time.sleep(2.5)  # the simulator logs the held-back answer once it is sent
    assert len(writes(sim)) == puts + 1  # adopted from the lookup: no second write
    assert len(xero(ready, resources.INVOICES, InvoiceNumbers="INV-7006")) == 1
    assert len(xero(ready, resources.INVOICES, InvoiceNumbers="B-7006")) == 1
    stored = document(ready, "INV-7006")
    assert stored.xero_id and stored.uncertain_since is None
    assert errors_of(ready, "INV-7006")[0].status is ErrorStatus.RESOLVED


def test_documents_wait_while_disconnected_and_go_after_reconnecting(ready: Hub) -> None:
    with ready.db.write() as session:
        connections.disconnect(session, actor(ready), harbour(ready))
    issue(ready, "INV-7007")
    assert document_push.push_due(ready, worker="test").sent == 0
    with ready.db.read() as session:
        assert session.scalars(select(OutboxEntry.state).where(OutboxEntry.entity_type == "document")).one() is (
            OutboxState.HELD
        )
    connect(ready)
    assert document_push.push_due(ready, worker="test").sent == 1
    assert len(xero(ready, resources.INVOICES, InvoiceNumbers="INV-7007")) == 1


def test_documents_issued_before_connecting_go_only_from_the_backfill_date(hub: Hub) -> None:
    for number, day in (("INV-6001", "2026-09-30"), ("INV-6002", "2026-10-01"), ("INV-6003", "2026-10-15")):
        with hub.db.write() as session:
            contact = session.scalars(select(PlatformContact).where(PlatformContact.platform_id == "P-GB-NEW2")).one()
        said = event(
            hub, f"issue-{number}", "document.issued", document_id=number, kind="sales_invoice", number=number,
            contact_id=contact.platform_id, issue_date=day, currency="GBP", lines=[GOODS],
        )  # fmt: skip
        assert said["sync"] == "not connected"
    fiona = actor(hub)
    url = consent.begin(hub, fiona, harbour(hub), backfill_from=date(2026, 10, 1))
    back = grant_in_xero(url, [HARBOUR])
    found = consent.complete_consent(hub, state=back["state"], code=back["code"], error=None)
    connections.confirm(hub, fiona, harbour(hub), found.consent_id, HARBOUR)
    refresh_all(hub)
    assert document_push.push_due(hub, worker="test").sent == 2
    sent = xero(hub, resources.INVOICES, InvoiceNumbers="INV-6001,INV-6002,INV-6003")
    assert sorted(i["InvoiceNumber"] for i in sent) == ["INV-6002", "INV-6003"]
    connect(hub)  # a later reconnect queues nothing again
    assert document_push.push_due(hub, worker="test").sent == 0


def test_documents_wait_quietly_until_xeros_accounts_are_read(hub: Hub) -> None:
    connect(hub)
    issue(hub, "INV-7008", contact="P-GB-NEW2")
    tally = document_push.push_due(hub, worker="test")
    assert (tally.sent, tally.failed, tally.waiting) == (0, 0, 1)
    assert not errors_of(hub, "INV-7008")
    refresh_all(hub)
    clock.advance(timedelta(seconds=15))
    assert document_push.push_due(hub, worker="test").sent == 1


def test_a_worker_that_dies_after_xero_saved_the_batch_never_sends_it_twice(
    ready: Hub, sim: Simulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    issue(ready, "B-7009", kind="bill")  # suppliers' numbers are not unique in Xero: a resend would duplicate it

    def crash(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the sidecar was killed")

    with monkeypatch.context() as patched:
        patched.setattr(document_push.document_settle, "apply", crash)
        with pytest.raises(RuntimeError):
            document_push.push_due(ready, worker="dead-worker")
    assert document(ready, "B-7009").uncertain_since is not None  # written before the call went out
    clock.advance(timedelta(minutes=3))  # the dead worker's lease runs out
    puts = len(writes(sim))
    assert document_push.push_due(ready, worker="test").sent == 1
    assert len(writes(sim)) == puts  # found in Xero, adopted: no second create
    (found,) = xero(ready, resources.INVOICES, InvoiceNumbers="B-7009")
    assert document(ready, "B-7009").xero_id == found["InvoiceID"]


def test_the_sidecar_job_sends_what_is_due(ready: Hub) -> None:
    issue(ready, "INV-7010")
    assert jobs.push_documents(SidecarContext(hub=ready)).startswith("1 documents sent to Xero, 0 refused")
    assert document(ready, "INV-7010").xero_id is not None


def test_an_unanswered_credit_note_is_found_by_number_and_adopted(ready: Hub, sim: Simulator) -> None:
    issue(ready, "CN-7011", kind="customer_credit_note")
    issue(ready, "SCN-7011", kind="supplier_credit_note")
    armed = {"kind": "drop", "path": "/api.xro/2.0/CreditNotes", "method": "PUT"}
    control.post(f"{sim.url}/_sandbox/faults", json=armed).raise_for_status()
    assert document_push.push_due(ready, worker="test").waiting == 2
    clock.advance(timedelta(seconds=10))
    puts = len(writes(sim, "CreditNotes"))
    assert document_push.push_due(ready, worker="test").sent == 2
    assert len(writes(sim, "CreditNotes")) == puts
    numbers = [c["CreditNoteNumber"] for c in xero(ready, resources.CREDIT_NOTES)]
    assert numbers.count("CN-7011") == 1 and numbers.count("SCN-7011") == 1
    assert document(ready, "SCN-7011").xero_id is not None
