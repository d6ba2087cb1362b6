"""Every contact the hub holds is a platform record: contacts imported from Xero get a platform id that the platform
addresses them by (edits, proposals, documents), kept across polls, reconnects and merges; who owns their details
after the import is the company's setting."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from core.connections import lifecycle as connections
from core.contacts import import_policy as contact_policy
from core.contacts import ownership
from core.contacts import push as contact_push
from core.documents import push as document_push
from core.hub import Hub
from core.models.platform import Origin, PlatformContact
from core.platform_api import events as platform
from core.platform_api.checks import PlatformInputError
from core.sync import runs
from core.xero import resources
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import actor, connect, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture
from tests.sync.contacts.test_pull import pull_all
from tests.sync.documents.test_push import GOODS, xero
from tests.sync.mappings.test_reference_and_mappings import refresh_all


def event(hub: Hub, event_id: str, what: str, **data: Any) -> dict[str, Any]:
    with hub.db.write() as session:
        return platform.handle(session, company_id=harbour(hub), event_id=event_id, kind=what, data=data)


def imported(hub: Hub, *, supplier: bool) -> PlatformContact:
    with hub.db.read() as session:
        return session.scalars(
            select(PlatformContact)
            .where(
                PlatformContact.company_id == harbour(hub),
                PlatformContact.origin == Origin.XERO,
                PlatformContact.is_supplier.is_(supplier),
                ~PlatformContact.archived,
            )
            .order_by(PlatformContact.id)
        ).first()  # type: ignore[return-value]


def by_id(hub: Hub, contact_id: int) -> PlatformContact:
    with hub.db.read() as session:
        found = session.get(PlatformContact, contact_id)
        assert found is not None
        return found


def poll(hub: Hub) -> None:
    with hub.db.write() as session:
        runs.request(session, company_id=harbour(hub), job="contacts_poll")
    pull_all(hub)


def test_every_imported_contact_has_a_platform_id_kept_across_polls_reconnects_and_merges(
    hub: Hub, sim: Simulator
) -> None:
    connect(hub)
    pull_all(hub)
    with hub.db.read() as session:
        held = {c.id: c.platform_id for c in session.scalars(select(PlatformContact))}
    assert held and all(held.values()) and len(set(held.values())) == len(held)
    a, b = imported(hub, supplier=True), imported(hub, supplier=False)
    assert a is None or a.platform_id != a.xero_contact_id  # an id of the platform's, not Xero's
    with hub.db.write() as session:
        connections.disconnect(session, actor(hub), harbour(hub))
    connect(hub)
    pull_all(hub)
    poll(hub)
    with hub.db.read() as session:
        assert {c.id: c.platform_id for c in session.scalars(select(PlatformContact)) if c.id in held} == held
    survivor = next(c for c in (a, b) if c is not None)
    merged = [c for c in (a, b) if c is not None and c.id != survivor.id]
    for gone in merged:
        sim.control("POST", f"/orgs/{HARBOUR}/contacts/{gone.xero_contact_id}/merge", into=survivor.xero_contact_id)
        poll(hub)
        assert by_id(hub, gone.id).platform_id == gone.platform_id


def test_an_imported_supplier_is_edited_through_its_platform_id_and_a_xero_edit_only_drifts(
    hub: Hub, sim: Simulator
) -> None:
    connect(hub)
    pull_all(hub)
    supplier = imported(hub, supplier=True)
    said = event(hub, "own-1", "supplier.changed", supplier_id=supplier.platform_id, email="ap@imported.example")
    assert said["sync"] != "unchanged" and by_id(hub, supplier.id).origin is Origin.XERO
    assert contact_push.push_due(hub, worker="test").sent == 1
    found = in_xero_by_id(hub, str(supplier.xero_contact_id))
    assert found["EmailAddress"] == "ap@imported.example"
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{supplier.xero_contact_id}/edit", EmailAddress="xero@edit.example")
    poll(hub)
    now = by_id(hub, supplier.id)
    assert now.email == "ap@imported.example" and now.drift == {"email": "xero@edit.example"}

    with hub.db.write() as session:
        said = ownership.effect(session, actor(hub), harbour(hub), "xero")
        assert said.startswith("1 contact differs from Xero now")
        ownership.save(session, actor(hub), harbour(hub), "xero")
    pull_all(hub)  # the full pass the change asked for
    now = by_id(hub, supplier.id)
    assert now.email == "xero@edit.example" and now.drift is None


def in_xero_by_id(hub: Hub, xero_id: str) -> dict[str, Any]:
    (found,) = xero(hub, resources.CONTACTS, IDs=xero_id)
    return found


def test_a_proposed_update_for_an_imported_supplier_reaches_xero_once_accepted(hub: Hub) -> None:
    connect(hub)
    pull_all(hub)
    supplier = imported(hub, supplier=True)
    event(
        hub, "own-p1", "supplier.proposed_update", proposal_id="PR-1", supplier_id=supplier.platform_id,
        changes={"bank_account": "20-00-00 55556666"},
    )  # fmt: skip
    event(hub, "own-p2", "proposal.decided", proposal_id="PR-1", decision="accepted")
    assert contact_push.push_due(hub, worker="test").sent == 1
    assert in_xero_by_id(hub, str(supplier.xero_contact_id))["BankAccountDetails"] == "20-00-00 55556666"


def test_an_invoice_to_an_imported_customer_goes_to_that_contact_never_a_second_one(hub: Hub) -> None:
    connect(hub)
    with hub.db.write() as session:
        contact_policy.save_policy(
            session, actor(hub), harbour(hub), policy="all", groups=(), phone_types=("MOBILE", "DEFAULT")
        )
    pull_all(hub)
    refresh_all(hub)
    customer = imported(hub, supplier=False)
    contacts_before = len(xero(hub, resources.CONTACTS, includeArchived="true"))
    event(
        hub, "own-d1", "document.issued", document_id="INV-8101", kind="sales_invoice", number="INV-8101",
        contact_id=customer.platform_id, issue_date="2026-11-02", due_date="2026-12-02", currency="GBP", lines=[GOODS],
    )  # fmt: skip
    assert document_push.push_due(hub, worker="test").sent == 1
    (invoice,) = xero(hub, resources.INVOICES, InvoiceNumbers="INV-8101")
    assert invoice["Contact"]["ContactID"] == customer.xero_contact_id
    assert len(xero(hub, resources.CONTACTS, includeArchived="true")) == contacts_before


@pytest.mark.parametrize("named", ["NOPE-1", "xero-contact-id"])
def test_a_document_naming_no_contact_of_this_company_is_refused_naming_the_field(hub: Hub, named: str) -> None:
    connect(hub)
    pull_all(hub)
    if named == "xero-contact-id":  # the platform addresses contacts by platform id only, never by Xero's ContactID
        named = str(imported(hub, supplier=True).xero_contact_id)
    with pytest.raises(PlatformInputError) as refused:
        event(
            hub, "own-bad", "document.issued", document_id="INV-8102", kind="sales_invoice", number="INV-8102",
            contact_id=named, issue_date="2026-11-02", lines=[GOODS],
        )  # fmt: skip
    assert refused.value.field == "data.contact_id"


def test_the_contacts_feed_says_who_owns_each_contact(hub: Hub) -> None:
    connect(hub)
    pull_all(hub)
    with hub.db.read() as session:
        feed = platform.contacts_feed(session, harbour(hub), cursor=None, limit=500)["contacts"]
    owners = {(c["is_supplier"], c["owner"]) for c in feed}
    assert (True, "platform") in owners and all(c["platform_id"] and c["xero_contact_id"] for c in feed)
    assert all(owner == ("platform" if supplier else "xero") for supplier, owner in owners)


def test_a_document_to_a_contact_merged_in_xero_goes_to_the_survivor(hub: Hub, sim: Simulator) -> None:
    connect(hub)
    pull_all(hub)
    refresh_all(hub)
    with hub.db.read() as session:
        gone, kept = session.scalars(
            select(PlatformContact)
            .where(PlatformContact.origin == Origin.XERO, PlatformContact.is_supplier, ~PlatformContact.archived)
            .order_by(PlatformContact.id)
            .limit(2)
        ).all()
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{gone.xero_contact_id}/merge", into=kept.xero_contact_id)
    poll(hub)
    event(
        hub, "own-m1", "document.issued", document_id="B-8201", kind="bill", number="B-8201",
        contact_id=gone.platform_id, issue_date="2026-11-02", due_date="2026-12-02", currency="GBP",
        lines=[{**GOODS, "category": "RENT", "tax_rate": "VAT20", "quantity": 1, "unit_amount": 100, "tax_amount": 20}],
    )  # fmt: skip
    assert document_push.push_due(hub, worker="test").sent == 1
    (bill,) = xero(hub, resources.INVOICES, InvoiceNumbers="B-8201")
    assert bill["Contact"]["ContactID"] == kept.xero_contact_id


def test_a_reconnect_does_not_call_unchanged_suppliers_differing(hub: Hub) -> None:
    connect(hub)
    pull_all(hub)
    with hub.db.write() as session:
        connections.disconnect(session, actor(hub), harbour(hub))
    connect(hub)  # a reconnect imports again: every supplier is found as it was
    pull_all(hub)
    with hub.db.read() as session:
        latest = runs.latest(session, actor(hub), harbour(hub), "contacts_import")
    assert latest is not None
    done = latest.progress["done"]
    assert "drift" not in done and done.get("same", 0) > 0, done
