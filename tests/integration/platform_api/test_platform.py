"""The platform's entry points on both databases: each event records its change and outbox entry once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from core import clock
from core.hub import Hub
from core.models.base import Company
from core.models.platform import PlatformContact, PlatformDocument, PlatformEvent, SupplierProposal
from core.models.sync import Connection, ConnectionState, OutboxEntry, OutboxState
from core.platform_api import events as platform
from core.platform_api.checks import PlatformInputError

SUPPLIER = {
    "supplier_id": "sup-1",
    "name": "Fenland Flour Mill",
    "email": "Orders@FenlandFlour.example",
    "phones": [{"type": "MOBILE", "number": "+44 7700 900123"}],
    "bank_account": "20-00-00 55779911",
}


# The demo seed brings platform contacts of its own (platform ids P-…); these tests count only theirs.
NOT_DEMO = PlatformContact.platform_id.not_like("P-%")


def harbour(hub: Hub) -> int:
    with hub.db.read() as session:
        return session.scalar(select(Company.id).where(Company.name == "Harbour Bakery Ltd")) or 0


def connect(hub: Hub, state: ConnectionState = ConnectionState.CONNECTED) -> None:
    with hub.db.write() as session:
        row = session.scalar(select(Connection).where(Connection.company_id == harbour(hub)))
        if row is None:
            row = Connection(company_id=harbour(hub), state=state, state_changed_at=clock.now(), tenant_id="t-1")
            session.add(row)
        row.state = state


def send(hub: Hub, kind: str, data: Any, event_id: str | None = None, company: int | None = None) -> dict:
    with hub.db.write() as session:
        return platform.handle(
            session,
            company_id=company or harbour(hub),
            event_id=event_id or f"{kind}:{abs(hash(repr(data)))}",
            kind=kind,
            data=data,
        )


def entries(hub: Hub) -> list[OutboxEntry]:
    with hub.db.read() as session:
        return list(session.scalars(select(OutboxEntry).order_by(OutboxEntry.id)))


def test_a_supplier_before_connecting_is_recorded_but_not_queued(seeded: Hub) -> None:
    result = send(seeded, "supplier.changed", SUPPLIER)
    assert result["sync"] == "not connected" and result["version"] == 1 and not result["duplicate"]
    with seeded.db.read() as session:
        contact = session.get(PlatformContact, result["id"])
        assert contact is not None and contact.is_supplier and contact.email == "orders@fenlandflour.example"
    assert entries(seeded) == []


def test_connected_changes_queue_and_coalesce_to_the_changed_fields(seeded: Hub) -> None:
    connect(seeded)
    first = send(seeded, "supplier.changed", SUPPLIER, "e1")
    second = send(seeded, "supplier.changed", {"supplier_id": "sup-1", "bank_account": "20-00-00 11112222"}, "e2")
    assert (first["sync"], second["sync"]) == ("queued", "queued") and second["changed"] == ["bank_account"]
    (entry,) = entries(seeded)
    assert entry.operation == "create" and entry.entity_version == 2
    assert entry.payload["bank_account"] == "20-00-00 11112222" and entry.payload["name"] == "Fenland Flour Mill"
    assert (
        send(seeded, "supplier.changed", {"supplier_id": "sup-1", "name": "Fenland Flour Mill"}, "e3")["sync"]
        == "unchanged"
    )


@pytest.mark.parametrize(
    ("state", "outcome", "outbox_state"),
    [
        (ConnectionState.DISCONNECTED, "held", OutboxState.HELD),
        (ConnectionState.NEEDS_RECONNECT, "held", OutboxState.HELD),
        (ConnectionState.REMOVED, "discarded", OutboxState.DISCARDED),
    ],
)
def test_changes_while_not_connected(
    seeded: Hub, state: ConnectionState, outcome: str, outbox_state: OutboxState
) -> None:
    connect(seeded, state)
    assert send(seeded, "supplier.changed", SUPPLIER)["sync"] == outcome
    assert [e.state for e in entries(seeded)] == [outbox_state]


def test_a_repeated_event_records_nothing_and_a_reused_id_is_refused(seeded: Hub) -> None:
    connect(seeded)
    first = send(seeded, "supplier.changed", SUPPLIER, "evt-1")
    again = send(seeded, "supplier.changed", SUPPLIER, "evt-1")
    assert again["duplicate"] and again["id"] == first["id"] and len(entries(seeded)) == 1
    with pytest.raises(platform.EventConflict, match="already used for a different event"):
        send(seeded, "supplier.changed", {**SUPPLIER, "name": "Other"}, "evt-1")


BAD = [
    ("supplier.changed", {"name": "No id"}, "data.supplier_id", "is required"),
    ("supplier.changed", {"supplier_id": "s9"}, "data.name", "is required for a new supplier"),
    ("supplier.changed", {**SUPPLIER, "email": "not-an-email"}, "data.email", "not an email address"),
    ("supplier.changed", {**SUPPLIER, "name": 42}, "data.name", "must be text"),
    ("supplier.changed", {**SUPPLIER, "colour": "red"}, "data.colour", "is not a field here"),
    ("supplier.changed", {**SUPPLIER, "phones": [{"type": "PAGER", "number": "1"}]}, "data.phones[0].type", "one of"),
    ("supplier.changed", "a string", "data", "must be a JSON object"),
    ("document.issued", {"document_id": "d1", "kind": "receipt"}, "data.kind", "must be one of"),
    (
        "payment.recorded",
        {"payment_id": "p1", "document_id": "nope", "amount": 5, "date": "2026-11-01"},
        "data.document_id",
        "no document",
    ),
]


@pytest.mark.parametrize(("kind", "data", "field", "message"), BAD, ids=[f"{b[0]}-{b[2]}" for b in BAD])
def test_bad_input_names_the_field_and_records_nothing(
    seeded: Hub, kind: str, data: Any, field: str, message: str
) -> None:
    connect(seeded)
    with pytest.raises(PlatformInputError) as caught:
        send(seeded, kind, data)
    assert caught.value.field == field and message in caught.value.message
    with seeded.db.read() as session:
        assert session.scalar(select(func.count()).select_from(PlatformEvent)) == 0
        assert session.scalar(select(func.count()).where(NOT_DEMO)) == 0
    assert entries(seeded) == []


def test_unknown_company_and_unknown_event_type(seeded: Hub) -> None:
    with pytest.raises(platform.UnknownCompany):
        send(seeded, "supplier.changed", SUPPLIER, company=999_999)
    with pytest.raises(PlatformInputError, match="type"):
        send(seeded, "supplier.exploded", SUPPLIER)
    with pytest.raises(PlatformInputError, match="event_id"), seeded.db.write() as session:
        platform.handle(session, company_id=harbour(seeded), event_id="", kind="supplier.changed", data=SUPPLIER)


def test_a_proposal_waits_for_a_decision_then_syncs(seeded: Hub) -> None:
    connect(seeded)
    send(seeded, "supplier.changed", SUPPLIER)
    proposed = send(
        seeded,
        "supplier.proposed_update",
        {"proposal_id": "pr-1", "supplier_id": "sup-1", "changes": {"bank_account": "40-11-22 12345678"}},
    )
    assert proposed["status"] == "pending"
    with seeded.db.read() as session:
        assert session.scalar(select(PlatformContact.bank_account).where(NOT_DEMO)) == SUPPLIER["bank_account"]
    decided = send(seeded, "proposal.decided", {"proposal_id": "pr-1", "decision": "accepted"})
    assert decided["changed"] == ["bank_account"] and decided["sync"] == "queued"
    with pytest.raises(platform.EventConflict, match="already accepted"):
        send(seeded, "proposal.decided", {"proposal_id": "pr-1", "decision": "rejected"}, "again")
    with seeded.db.read() as session:
        assert session.scalar(select(SupplierProposal.status)).value == "accepted"


INVOICE = {
    "document_id": "inv-1",
    "kind": "sales_invoice",
    "number": "INV-1001",
    "contact_id": "sup-1",
    "issue_date": "2026-11-02",
    "due_date": "2026-12-02",
    "currency": "GBP",
    "lines": [
        {
            "description": "Sourdough loaves",
            "quantity": 40,
            "unit_amount": 3.25,
            "category": "bread",
            "tax_rate": "zero",
            "tax_amount": 0,
        },
        {
            "description": "Catering",
            "quantity": 1,
            "unit_amount": 200,
            "discount_rate": 10,
            "category": "catering",
            "tax_rate": "standard",
            "tax_amount": 36,
        },
    ],
}


def test_documents_and_payments(seeded: Hub) -> None:
    connect(seeded)
    send(seeded, "supplier.changed", SUPPLIER)
    issued = send(seeded, "document.issued", INVOICE)
    assert issued["total"] == "346.00" and issued["sync"] == "queued"
    with pytest.raises(PlatformInputError, match="amount"):
        send(
            seeded,
            "payment.recorded",
            {"payment_id": "p1", "document_id": "inv-1", "amount": "100.00", "date": "2026-11-10"},
        )
    with pytest.raises(PlatformInputError, match="still due"):
        send(
            seeded,
            "payment.recorded",
            {"payment_id": "p1", "document_id": "inv-1", "amount": 400, "date": "2026-11-10"},
        )
    assert (
        send(
            seeded,
            "payment.recorded",
            {"payment_id": "p1", "document_id": "inv-1", "amount": 100, "date": "2026-11-10"},
        )["sync"]
        == "queued"
    )
    changed = send(seeded, "document.changed", {**INVOICE, "lines": INVOICE["lines"][:1]})
    assert changed["version"] == 2 and changed["total"] == "130.00"
    assert send(seeded, "document.voided", {"document_id": "inv-1"})["version"] == 3
    with pytest.raises(PlatformInputError, match="voided"):
        send(seeded, "document.changed", INVOICE, "late-change")
    with seeded.db.read() as session:
        assert session.scalar(select(PlatformDocument.voided))
    kinds = [(e.entity_type, e.operation) for e in entries(seeded)]
    assert ("payment", "create") in kinds and ("document", "void") in kinds


def test_the_contacts_feed_pages_with_a_cursor(seeded: Hub) -> None:
    now = clock.now()
    with seeded.db.write() as session:
        for i in range(5):
            session.add(
                PlatformContact(
                    company_id=harbour(seeded),
                    origin="xero",
                    name=f"Xero contact {i}",
                    phones=[],
                    addresses=[],
                    xero_contact_id=f"x{i}",
                    version=1,
                    created_at=now,
                    changed_at=now,
                )
            )
    with seeded.db.read() as session:
        first = platform.contacts_feed(session, harbour(seeded), cursor=None, limit=3)
        second = platform.contacts_feed(session, harbour(seeded), cursor=first["cursor"], limit=3)
        done = platform.contacts_feed(session, harbour(seeded), cursor=second["cursor"], limit=3)
    assert [c["name"] for c in first["contacts"] + second["contacts"]] == [f"Xero contact {i}" for i in range(5)]
    assert first["more"] and not second["more"] and done["contacts"] == []
    with pytest.raises(PlatformInputError, match="cursor"), seeded.db.read() as session:
        platform.contacts_feed(session, harbour(seeded), cursor="garbage")


def test_a_new_supplier_with_only_a_name_is_pushed(seeded: Hub) -> None:
    connect(seeded)
    result = send(seeded, "supplier.changed", {"supplier_id": "sup-9", "name": "Ouse Valley Eggs"})
    assert result["sync"] == "queued" and result["changed"] == ["name"]
