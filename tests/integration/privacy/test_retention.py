"""Housekeeping keeps personal data only as long as each setting says: older rows go, younger ones stay, and a run
clears at most its bound per kind, in short transactions."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from core import clock
from core.hub import Hub
from core.models.alerts import Alert, EmailMessage, EmailState
from core.models.contacts import ContactHistory, WebhookEvent
from core.models.platform import PlatformContact, ProposalStatus, SupplierProposal
from core.models.sync import OutboxEntry, OutboxState, SyncError
from core.privacy import retention
from core.settings import Settings
from tests.integration.health.test_overview import HARBOUR, company_id

DAY = timedelta(days=1)


def _contact(hub: Hub, company: int) -> int:
    with hub.db.read() as session:
        found = session.scalar(select(PlatformContact.id).where(PlatformContact.company_id == company).limit(1))
    assert found is not None
    return found


def _seed(hub: Hub, *, age: timedelta, tag: str, copies: int = 1) -> None:
    """One row of every kind, `age` old (emails sent, entries done, proposals decided that long ago)."""
    company = company_id(hub, HARBOUR)
    contact = _contact(hub, company)
    at = clock.now() - age
    with hub.db.write() as session:
        for n in range(copies):
            key = f"{tag}-{n}"
            session.add(
                SyncError(
                    company_id=company,
                    cause="xero_validation",
                    fingerprint=key,
                    raw_request={"body": "jo@example.com"},
                    raw_response={"body": "Jo Bloggs"},
                    first_seen_at=at,
                    last_seen_at=at,
                )
            )
            session.add(
                WebhookEvent(
                    received_at=at,
                    tenant_id="t",
                    category="CONTACT",
                    event_type="UPDATE",
                    resource_id=key,
                    processed_at=at,
                )
            )
            email = EmailMessage(
                company_id=company,
                recipients=["fiona@harbourbakery.example"],
                subject=key,
                body="Jo Bloggs failed",
                state=EmailState.SENT,
                next_attempt_at=at,
                created_at=at,
                sent_at=at,
            )
            session.add(email)
            session.flush()
            session.add(Alert(company_id=company, kind="contact_failed", summary=key, created_at=at, email_id=email.id))
            session.add(
                OutboxEntry(
                    company_id=company,
                    entity_type="contact",
                    entity_id=key,
                    entity_version=1,
                    operation="update",
                    payload={"email": "jo@example.com"},
                    idempotency_key=key,
                    state=OutboxState.DONE,
                    not_before=at,
                    created_at=at,
                    updated_at=at,
                    done_at=at,
                )
            )
            session.add(ContactHistory(contact_id=contact, company_id=company, at=at, source="edit", changes={}))
            session.add(
                SupplierProposal(
                    company_id=company,
                    contact_id=contact,
                    platform_id=key,
                    proposed={"bank_account": "12-3456"},
                    status=ProposalStatus.ACCEPTED,
                    submitted_at=at,
                    decided_at=at,
                )
            )


def _left(hub: Hub) -> dict[str, Any]:
    with hub.db.read() as session:

        def n(model: Any, *where: Any) -> int:
            return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

        return {
            "exchanges": n(SyncError, SyncError.raw_response.is_not(None)),
            "errors": n(SyncError),
            "webhook_events": n(WebhookEvent),
            "emails": n(EmailMessage),
            "alerts": n(Alert),
            "payloads": n(OutboxEntry, OutboxEntry.payload_cleared_at.is_(None)),
            "entries": n(OutboxEntry),
            "history": n(ContactHistory),
            "proposals": n(SupplierProposal),
        }


def _settings(hub: Hub, **days: float) -> Settings:
    return dataclasses.replace(hub.settings, **days)


def test_rows_older_than_their_setting_go_and_younger_ones_stay(seeded: Hub) -> None:
    with seeded.db.write() as session:  # start from this test's rows only
        for model in (ContactHistory, SupplierProposal, Alert, EmailMessage, OutboxEntry, SyncError, WebhookEvent):
            session.query(model).delete()
    _seed(seeded, age=400 * DAY, tag="old")  # past every default
    _seed(seeded, age=60 * DAY, tag="mid")  # past the 30 days of raw exchanges only
    _seed(seeded, age=DAY, tag="new")
    swept = retention.sweep(seeded.db, seeded.settings)
    assert (swept.exchanges, swept.webhook_events, swept.emails, swept.payloads, swept.history, swept.proposals) == (
        2,
        2,
        1,
        1,
        1,
        1,
    )
    assert _left(seeded) == {
        "exchanges": 1,  # only the new error keeps its raw exchange
        "errors": 3,  # the errors themselves stay
        "webhook_events": 1,
        "emails": 2,
        "alerts": 2,  # the alerts went with their email, so none is mailed again
        "payloads": 2,
        "entries": 3,  # the done entries stay, payload blanked
        "history": 2,
        "proposals": 2,
    }
    with seeded.db.read() as session:
        old = session.scalars(select(OutboxEntry).where(OutboxEntry.idempotency_key == "old-0")).one()
        assert old.payload == {} and old.payload_cleared_at is not None and old.state is OutboxState.DONE
        assert session.scalars(select(EmailMessage.subject)).all() != ["old-0"]
    assert "2 raw exchanges" in str(swept) and "1 delivered email deleted" in str(swept)
    assert retention.sweep(seeded.db, seeded.settings) == retention.Swept()  # nothing twice


def test_each_setting_moves_its_own_kind_only(seeded: Hub) -> None:
    _seed(seeded, age=10 * DAY, tag="ten")
    tight = _settings(seeded, keep_emails_days=5.0)
    swept = retention.sweep(seeded.db, tight)
    assert swept.emails >= 1 and (swept.payloads, swept.history, swept.proposals) == (0, 0, 0)


@pytest.mark.parametrize("batch,most", [(4, 10), (3, 100)])
def test_a_run_clears_at_most_its_bound_per_kind_in_batches(seeded: Hub, batch: int, most: int) -> None:
    with seeded.db.write() as session:
        session.query(ContactHistory).delete()
    _seed(seeded, age=400 * DAY, tag="many", copies=12)
    transactions: list[datetime] = []
    real_write = seeded.db.write

    def counted() -> Any:
        transactions.append(clock.now())
        return real_write()

    seeded.db.write = counted  # type: ignore[method-assign]
    try:
        swept = retention.sweep(seeded.db, seeded.settings, batch=batch, most=most)
    finally:
        seeded.db.write = real_write  # type: ignore[method-assign]
    expected = min(12, most)
    assert swept.history == expected and swept.emails == expected and swept.payloads == expected
    # Never more than a batch in one transaction: every kind took several.
    assert len(transactions) >= 6 * -(-expected // batch)
    assert _left(seeded)["history"] == 12 - expected
    again = retention.sweep(seeded.db, seeded.settings, batch=batch, most=most)
    assert swept.history + again.history == 12  # the next run carries on where this one stopped
