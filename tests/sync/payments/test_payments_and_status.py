"""Payments export and status back against the simulator over real HTTP, on SQLite and PostgreSQL: a payment goes
to the account mapped for its currency; without one it is a sync error naming the currency; above Xero's amount due
it is refused before any call; a payment recorded in Xero comes back as paid with amounts; a customer whose balance
differs is flagged off balance with both figures. Invoices are put in Xero directly (the document push is tested on
its own), then linked the way the push links them."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, update

from core import clock
from core.connections import lifecycle as connections
from core.documents import actions as document_actions
from core.documents import query as document_query
from core.documents import status as document_status
from core.documents import views as document_views
from core.hub import Hub
from core.models.alerts import Alert
from core.models.base import AuditEvent
from core.models.mappings import Mapping, MappingKind
from core.models.platform import DocumentKind, PlatformContact, PlatformDocument, PlatformPayment
from core.models.sync import Connection, ErrorStatus, OutboxEntry, OutboxState, RunState, SyncError, SyncRun
from core.payments import push as payment_push
from core.platform_api import events as platform
from core.xero import resources
from core.xero_access import gate
from tests import control
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import actor, connect, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture
from tests.sync.mappings.test_reference_and_mappings import refresh_all

D = Decimal


def connection_id(hub: Hub) -> int:
    with hub.db.read() as session:
        found = connections.of_company(session, actor(hub), harbour(hub))
        assert found is not None
        return found.id


def invoice_in_xero(hub: Hub, number: str, customer: str = "Quayside Events Ltd") -> PlatformDocument:
    """An approved sales invoice in Xero and its platform twin (a linked customer), as the push leaves them."""
    with gate.organisation(hub, connection_id(hub), worker="test") as xero:
        (made,) = xero.write(
            resources.INVOICES,
            [
                {
                    "Type": "ACCREC",
                    "Contact": {"Name": customer},
                    "InvoiceNumber": number,
                    "Date": "2026-11-20",
                    "DueDate": "2026-12-04",
                    "Status": "AUTHORISED",
                    "LineAmountTypes": "Exclusive",
                    "LineItems": [{"Description": "Catering", "Quantity": 2, "UnitAmount": 50, "AccountCode": "200"}],
                }
            ],
            idempotency_key=f"test-{number}",
        )
    assert made.ok, made.messages
    company, now = harbour(hub), clock.now()
    with hub.db.write() as session:
        contact = session.scalar(
            select(PlatformContact).where(PlatformContact.company_id == company, PlatformContact.name == customer)
        )
        if contact is None:
            contact = PlatformContact(
                company_id=company,
                platform_id=f"C-{number}",
                origin="platform",
                name=customer,
                is_customer=True,
                version=1,
                created_at=now,
                changed_at=now,
                phones=[],
                addresses=[],
                groups=[],
            )
            session.add(contact)
            session.flush()
        contact.xero_contact_id = made.element["Contact"]["ContactID"]
        total = D(str(made.element["Total"]))
        document = PlatformDocument(
            company_id=company,
            platform_id=number,
            kind=DocumentKind.SALES_INVOICE,
            number=number,
            contact_id=contact.id,
            issue_date=date(2026, 11, 20),
            currency="GBP",
            lines=[],
            total=total,
            xero_id=made.element["InvoiceID"],
            xero_status="AUTHORISED",
            amount_due=total,
            amount_paid=D(0),
            pushed_at=now,
            created_at=now,
            changed_at=now,
        )
        session.add(document)
        session.flush()
        session.expunge(document)
    return document


def pay(hub: Hub, document: PlatformDocument, amount: str, payment_id: str) -> dict[str, Any]:
    with hub.db.write() as session:
        return platform.handle(
            session,
            company_id=harbour(hub),
            event_id=f"ev-{payment_id}",
            kind="payment.recorded",
            data={
                "payment_id": payment_id,
                "document_id": document.platform_id,
                "amount": float(amount),
                "date": "2026-11-21",
            },
        )


def payment(hub: Hub, platform_id: str) -> PlatformPayment:
    with hub.db.read() as session:
        return session.scalars(select(PlatformPayment).where(PlatformPayment.platform_id == platform_id)).one()


def document(hub: Hub, number: str) -> PlatformDocument:
    with hub.db.read() as session:
        return session.scalars(select(PlatformDocument).where(PlatformDocument.number == number)).one()


def open_errors(hub: Hub, entity_id: int) -> list[SyncError]:
    with hub.db.read() as session:
        return list(
            session.scalars(
                select(SyncError).where(
                    SyncError.entity_type == "payment",
                    SyncError.entity_id == str(entity_id),
                    SyncError.status == ErrorStatus.OPEN,
                )
            )
        )


def payment_calls(sim: Simulator) -> list[dict[str, Any]]:
    log = control.get(f"{sim.url}/_sandbox/requests", params={"limit": 5000}).json()
    return [r for r in log if r["method"] in ("PUT", "POST") and r["path"].endswith("/Payments")]


def ready(hub: Hub) -> str:
    """Connected, reference data read and default mappings suggested; returns the GBP payment account."""
    connect(hub)
    refresh_all(hub)
    with hub.db.read() as session:
        found = session.scalar(
            select(Mapping.target).where(
                Mapping.company_id == harbour(hub), Mapping.kind == MappingKind.PAYMENT, Mapping.source == "GBP"
            )
        )
    assert found, "connecting suggests a payment account for the base currency"
    return found


def test_a_payment_goes_to_the_account_mapped_for_its_currency(hub: Hub, sim: Simulator) -> None:
    account = ready(hub)
    invoice = invoice_in_xero(hub, "PAY-1001")
    assert pay(hub, invoice, "40.00", "PM-1")["sync"] == "queued"
    tally = payment_push.push_due(hub, worker="test")
    assert (tally.sent, tally.refused) == (1, 0)
    sent = payment(hub, "PM-1")
    assert sent.xero_id and sent.xero_status == "AUTHORISED" and sent.exported_at is not None
    with gate.organisation(hub, connection_id(hub), worker="test") as xero:
        in_xero = xero.request("GET", f"/Payments/{sent.xero_id}")["Payments"][0]
        assert in_xero["Account"]["Code"] == account and D(str(in_xero["Amount"])) == D("40.00")
    assert payment_push.push_due(hub, worker="test").sent == 0  # done: never sent twice
    with hub.db.read() as session:
        runs = session.scalars(select(SyncRun).where(SyncRun.job == "payments_push")).all()
    assert [r.api_calls for r in runs] == [1]

    # The status poll brings Xero's amounts back, and the customer's balance agrees on both sides.
    said = document_status.poll(hub, harbour(hub), worker="test")
    assert "customers off balance" in said
    polled = document(hub, "PAY-1001")
    assert (polled.xero_status, polled.amount_due, polled.amount_paid) == ("AUTHORISED", invoice.total - 40, D(40))
    with hub.db.read() as session:
        assert document_views.off_balance(session, actor(hub), harbour(hub)) == []

    # Someone reverses the payment in Xero: the next poll says so, and it may be exported again.
    with gate.organisation(hub, connection_id(hub), worker="test") as xero:
        xero.request("POST", f"/Payments/{sent.xero_id}", json={"Status": "DELETED"})
    assert "1 exported payments reversed in Xero" in document_status.poll(hub, harbour(hub), worker="test")
    assert payment(hub, "PM-1").xero_status == "DELETED"
    with hub.db.read() as session:
        page = document_views.list_documents(
            session, actor(hub), harbour(hub), document_query.DocumentFilter(kind="payment"), xero_api_url=sim.url
        )
    assert page.rows[0].status == "Reversed in Xero"


def test_no_payment_account_is_an_error_naming_the_currency_then_export_again(hub: Hub, sim: Simulator) -> None:
    ready(hub)
    invoice = invoice_in_xero(hub, "PAY-2001")
    with hub.db.write() as session:
        session.execute(delete(Mapping).where(Mapping.kind == MappingKind.PAYMENT, Mapping.source == "GBP"))
    pay(hub, invoice, "10.00", "PM-2")
    before = len(payment_calls(sim))
    assert payment_push.push_due(hub, worker="test").refused == 1
    assert len(payment_calls(sim)) == before  # nothing was sent
    (error,) = open_errors(hub, payment(hub, "PM-2").id)
    assert error.cause == "missing_payment_mapping" and "GBP" in (error.detail or "")
    with hub.db.read() as session:
        (alert,) = session.scalars(select(Alert).where(Alert.kind == "document_failed")).all()
    assert alert.summary.startswith("Payment of 10.00 GBP on PAY-2001: No payment account for a currency.")

    refresh_all(hub)  # nothing to refresh; the person maps the account again
    with hub.db.write() as session:
        session.add(
            Mapping(
                company_id=harbour(hub),
                kind=MappingKind.PAYMENT,
                scope="",
                source="GBP",
                target="090",
                origin="person",
                changed_at=clock.now(),
            )
        )
    with hub.db.write() as session:
        said = document_actions.reexport(
            session, actor(hub), harbour(hub), entity_type="payment", entity_id=payment(hub, "PM-2").id
        )
    assert "queued for Xero again" in said
    assert payment_push.push_due(hub, worker="test").sent == 1
    assert payment(hub, "PM-2").xero_id and not open_errors(hub, payment(hub, "PM-2").id)
    with hub.db.read() as session:
        audited = session.scalars(select(AuditEvent).where(AuditEvent.action == "document_reexport")).all()
    assert len(audited) == 1
    with hub.db.write() as session:  # exported: a second export would pay twice in Xero
        try:
            document_actions.reexport(
                session, actor(hub), harbour(hub), entity_type="payment", entity_id=payment(hub, "PM-2").id
            )
        except document_actions.DocumentError as exc:
            assert "already in Xero" in str(exc)
        else:
            raise AssertionError("an exported payment was queued again")


def test_a_payment_above_the_amount_due_in_xero_is_refused_before_any_call(hub: Hub, sim: Simulator) -> None:
    ready(hub)
    invoice = invoice_in_xero(hub, "PAY-3001")
    sim.control("POST", f"/orgs/{HARBOUR}/invoices/{invoice.xero_id}/payments", amount=100, accountCode="090")
    document_status.poll(hub, harbour(hub), worker="test")
    assert document(hub, "PAY-3001").amount_due == invoice.total - 100
    pay(hub, invoice, str(invoice.total), "PM-3")  # the platform knows nothing of Xero's payment
    before = len(payment_calls(sim))
    assert payment_push.push_due(hub, worker="test").refused == 1
    assert len(payment_calls(sim)) == before
    (error,) = open_errors(hub, payment(hub, "PM-3").id)
    assert error.cause == "preflight_failed" and f"{invoice.total - 100:.2f} GBP still due" in (error.detail or "")
    with hub.db.read() as session:
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.entity_type == "payment")).one()
    assert entry.state is OutboxState.FAILED


def test_a_payment_waits_for_its_document_to_reach_xero(hub: Hub, sim: Simulator) -> None:
    ready(hub)
    invoice = invoice_in_xero(hub, "PAY-4001")
    with hub.db.write() as session:
        session.get(PlatformDocument, invoice.id).xero_id = None  # type: ignore[union-attr]
    pay(hub, invoice, "5.00", "PM-4")
    tally = payment_push.push_due(hub, worker="test")
    assert (tally.sent, tally.refused, tally.waiting) == (0, 0, 1)
    assert not open_errors(hub, payment(hub, "PM-4").id)
    with hub.db.read() as session:
        page = document_views.list_documents(
            session, actor(hub), harbour(hub), document_query.DocumentFilter(kind="payment"), xero_api_url=sim.url
        )
    assert page.rows[0].status == "Waiting for PAY-4001 to reach Xero; the payment follows it"


def test_each_payments_turn_is_a_sync_run_and_waiting_for_a_document_is_no_failure(hub: Hub, sim: Simulator) -> None:
    ready(hub)
    invoice = invoice_in_xero(hub, "PAY-4101")
    with hub.db.write() as session:
        session.get(PlatformDocument, invoice.id).xero_id = None  # type: ignore[union-attr]
    pay(hub, invoice, "5.00", "PM-41")
    payment_push.push_due(hub, worker="test")
    with hub.db.write() as session:
        session.get(PlatformDocument, invoice.id).xero_id = invoice.xero_id  # type: ignore[union-attr]
        session.execute(update(OutboxEntry).where(OutboxEntry.entity_type == "payment").values(not_before=clock.now()))
    assert payment_push.push_due(hub, worker="test").sent == 1
    with hub.db.read() as session:
        runs = list(session.scalars(select(SyncRun).where(SyncRun.job == "payments_push").order_by(SyncRun.id)))
    assert [(r.records, r.api_calls, r.outcome, r.state) for r in runs] == [
        (0, 0, "0 payments sent to Xero, 0 refused, 1 waiting", RunState.DONE),
        (1, 2, "1 payments sent to Xero, 0 refused, 0 waiting", RunState.DONE),  # looked up first, then sent
    ]


def test_a_payment_recorded_in_xero_comes_back_as_paid_and_the_customer_stays_in_balance(
    hub: Hub, sim: Simulator
) -> None:
    """What Xero says was paid, read back and reported to the platform, is not a disagreement between the two."""
    ready(hub)
    invoice = invoice_in_xero(hub, "PAY-5001", customer="Lighthouse Weddings Ltd")
    assert "1 of ours updated; 0 customers off balance" in document_status.poll(hub, harbour(hub), worker="test")
    sim.control(
        "POST",
        f"/orgs/{HARBOUR}/invoices/{invoice.xero_id}/payments",
        amount=float(invoice.total),
        accountCode="090",
    )
    said = document_status.poll(hub, harbour(hub), worker="test")
    assert "1 of ours updated; 0 customers off balance" in said
    paid = document(hub, "PAY-5001")
    assert (paid.xero_status, paid.amount_due, paid.amount_paid) == ("PAID", D(0), invoice.total)
    assert paid.xero_updated_at is not None
    with hub.db.read() as session:
        assert document_views.off_balance(session, actor(hub), harbour(hub)) == []
        rows = document_views.list_documents(
            session, actor(hub), harbour(hub), document_query.DocumentFilter(status="PAID"), xero_api_url=sim.url
        ).rows
        polls = session.scalars(select(SyncRun).where(SyncRun.job == "documents_poll")).all()
    assert [r.status for r in rows] == ["Paid"]
    assert rows[0].xero_url == f"{sim.url}/screens/orgs/{HARBOUR}/invoices/{invoice.xero_id}"
    assert len(polls) == 2 and polls[-1].api_calls >= 2

    # The cursor moved to Xero's newest change: the next poll reads only from there (less a small overlap).
    with hub.db.read() as session:
        cursor = session.scalar(select(Connection.documents_since).where(Connection.company_id == harbour(hub)))
    assert cursor is not None and paid.xero_updated_at is not None and cursor >= paid.xero_updated_at


def test_a_payment_still_on_its_way_to_xero_raises_no_alarm_and_one_voided_in_xero_does(
    hub: Hub, sim: Simulator
) -> None:
    ready(hub)
    invoice = invoice_in_xero(hub, "PAY-5101", customer="Lighthouse Weddings Ltd")
    pay(hub, invoice, "40.00", "PM-5101")  # recorded in the platform, not yet sent to Xero
    assert "0 customers off balance" in document_status.poll(hub, harbour(hub), worker="test")
    sim.control("POST", f"/orgs/{HARBOUR}/invoices/{invoice.xero_id}/void")  # Xero and the platform now disagree
    with hub.db.write() as session:
        session.execute(update(OutboxEntry).where(OutboxEntry.entity_type == "payment").values(state=OutboxState.DONE))
    assert "1 customers off balance" in document_status.poll(hub, harbour(hub), worker="test")


def test_polls_are_due_every_few_minutes_or_when_asked(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    before = len(control.get(f"{sim.url}/_sandbox/requests", params={"limit": 5000}).json())
    assert document_status.poll_due(hub, worker="test") == "1 status polls: nothing pushed yet"
    assert document_status.poll_due(hub, worker="test") == "no status poll due"
    after = control.get(f"{sim.url}/_sandbox/requests", params={"limit": 5000}).json()[before:]
    assert not [r for r in after if "/Invoices" in r["path"]]  # nothing pushed: Xero is not asked
    with hub.db.write() as session:
        assert "within seconds" in document_actions.request_poll(session, actor(hub), harbour(hub))
    assert document_status.poll_due(hub, worker="test").startswith("1 status polls")
    with hub.db.read() as session:
        asked = session.scalars(select(AuditEvent).where(AuditEvent.action == "documents_poll_requested")).all()
    assert len(asked) == 1


def _lose_the_answer_then_poll(
    hub: Hub, sim: Simulator, number: str, amount: str | None, payment_id: str
) -> tuple[PlatformDocument, Decimal]:
    """A payment Xero records but whose answer is cut off; then the status poll reads Xero's amount due (which
    already counts the payment) before the retry."""
    ready(hub)
    invoice = invoice_in_xero(hub, number)
    paid = D(amount) if amount else invoice.total  # None: the whole amount due
    pay(hub, invoice, str(paid), payment_id)
    armed = {"kind": "drop", "path": "/api.xro/2.0/Payments", "method": "PUT"}
    control.post(f"{sim.url}/_sandbox/faults", json=armed).raise_for_status()
    assert payment_push.push_due(hub, worker="test").waiting == 1
    with hub.db.write() as session:  # the poll looks at every pushed document now
        session.execute(update(Connection).values(documents_polled_at=None))
    document_status.poll(hub, harbour(hub), worker="test")
    assert document(hub, number).amount_due == invoice.total - paid
    clock.advance(timedelta(seconds=60))  # the retry is due
    return invoice, paid


def test_a_full_payment_whose_answer_was_lost_is_found_in_xero_not_refused(hub: Hub, sim: Simulator) -> None:
    invoice, paid = _lose_the_answer_then_poll(hub, sim, "PAY-5001", None, "PM-51")
    calls = len(payment_calls(sim))
    tally = payment_push.push_due(hub, worker="test")
    assert (tally.sent, tally.refused) == (1, 0)
    assert len(payment_calls(sim)) == calls  # found by the lookup: never sent twice
    assert payment(hub, "PM-51").xero_id and not open_errors(hub, payment(hub, "PM-51").id)
    assert document(hub, "PAY-5001").amount_due == invoice.total - paid == 0


def test_a_part_payment_whose_answer_was_lost_is_counted_once_in_the_amount_due(hub: Hub, sim: Simulator) -> None:
    invoice, paid = _lose_the_answer_then_poll(hub, sim, "PAY-5002", "40.00", "PM-52")
    calls = len(payment_calls(sim))
    assert payment_push.push_due(hub, worker="test").sent == 1
    assert len(payment_calls(sim)) == calls
    assert document(hub, "PAY-5002").amount_due == invoice.total - paid  # Xero's figure, not less again
