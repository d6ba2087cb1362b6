"""A contact whose owner asked Xero to erase them (ContactStatus GDPRREQUEST): the hub erases its personal data,
keeps the link as a tombstone, shows it as erased, never imports it again and refuses the platform's changes to it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.contacts import views
from core.contacts.query import ContactFilter
from core.hub import Hub
from core.models.contacts import ContactHistory, XeroContactSeen
from core.models.platform import Origin, PlatformContact
from core.models.sync import OutboxEntry, OutboxState, SyncError
from core.platform_api import events
from core.platform_api.checks import PlatformInputError
from core.sync import runs
from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sync.connections.test_lifecycle import actor, connect, harbour
from tests.sync.connections.test_lifecycle import hub as hub  # the simulator-backed hub fixture
from tests.sync.contacts.test_pull import pull_all


def _linked_supplier(hub: Hub) -> PlatformContact:
    with hub.db.read() as session:
        found = session.scalars(
            select(PlatformContact)
            .where(
                PlatformContact.origin == Origin.PLATFORM,
                PlatformContact.is_supplier,
                PlatformContact.xero_contact_id.is_not(None),
            )
            .join(ContactHistory, ContactHistory.contact_id == PlatformContact.id)
            .limit(1)
        ).first()
    assert found is not None and found.email
    return found


def test_a_gdpr_request_in_xero_erases_the_contact_and_keeps_only_its_link(hub: Hub, sim: Simulator) -> None:
    company = harbour(hub)
    connect(hub)
    pull_all(hub)
    ours = _linked_supplier(hub)
    with hub.db.write() as session:
        session.add(
            SyncError(
                company_id=company,
                entity_type="contact",
                entity_id=str(ours.id),
                entity_number=ours.name,
                cause="validation",
                detail=f"{ours.name}: Xero refused it",
                fingerprint="gdpr-test",
                raw_request={"body": {"EmailAddress": ours.email}},
                raw_response={"body": ours.name},
                first_seen_at=ours.created_at,
                last_seen_at=ours.created_at,
            )
        )
        events.handle(
            session,
            company_id=company,
            event_id="gdpr-before",
            kind="supplier.changed",
            data={"supplier_id": ours.platform_id, "email": "new@example.com"},
        )
    # The owner asks Xero to erase them (before the change above went out); Xero's webhook names the contact.
    sim.control("POST", f"/orgs/{HARBOUR}/contacts/{ours.xero_contact_id}/gdpr")
    with hub.db.write() as session:
        runs.request(session, company_id=company, job="contacts_webhook", ids=[str(ours.xero_contact_id)])
    pull_all(hub)

    with hub.db.read() as session:
        erased = session.get(PlatformContact, ours.id)
        assert erased is not None and erased.erased_at is not None and erased.xero_status == "GDPRREQUEST"
        details = (erased.first_name, erased.last_name, erased.email, erased.bank_account, erased.tax_number)
        assert erased.name == "Erased contact" and details == (None,) * 5
        assert erased.phones == [] and erased.addresses == [] and erased.drift is None
        # The tombstone: the same platform id, still linked to the same Xero contact.
        assert (erased.platform_id, erased.xero_contact_id) == (ours.platform_id, ours.xero_contact_id)
        assert session.scalar(select(func.count()).where(ContactHistory.contact_id == ours.id)) == 0
        error = session.scalars(select(SyncError).where(SyncError.fingerprint == "gdpr-test")).one()
        assert error.raw_request is None and error.raw_response is None and ours.name not in (error.detail or "")
        entries = session.scalars(
            select(OutboxEntry).where(OutboxEntry.entity_type == "contact", OutboxEntry.entity_id == str(ours.id))
        ).all()
        assert entries and all(e.payload == {} for e in entries)
        assert all(e.state in (OutboxState.DONE, OutboxState.DISCARDED) for e in entries)  # nothing goes to it
        seen = session.scalars(
            select(XeroContactSeen.name).where(XeroContactSeen.xero_contact_id == ours.xero_contact_id)
        )
        assert list(seen) == ["Erased contact"]
        page = views.list_contacts(session, actor(hub), company, ContactFilter(status="erased"), page=1)
    assert [r.status_label for r in page.rows] == ["Erased at the contact's request in Xero"]

    # A full pass later neither imports it again nor fills it back in.
    with hub.db.write() as session:
        runs.request(session, company_id=company, job="contacts_import")
    pull_all(hub)
    with hub.db.read() as session:
        same = session.scalars(
            select(PlatformContact).where(PlatformContact.xero_contact_id == ours.xero_contact_id)
        ).all()
    assert [(c.id, c.email, c.name) for c in same] == [(ours.id, None, "Erased contact")]

    # The platform's next change to it is refused, naming the field and why; nothing is recorded.
    with hub.db.write() as session, pytest.raises(PlatformInputError, match="erased at the contact's request") as e:
        events.handle(
            session,
            company_id=company,
            event_id="gdpr-after",
            kind="supplier.changed",
            data={"supplier_id": ours.platform_id, "email": "again@example.com"},
        )
    assert e.value.field == "data.supplier_id"
    with hub.db.read() as session:
        assert session.get(PlatformContact, ours.id).email is None  # type: ignore[union-attr]
