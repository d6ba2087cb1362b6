"""Erasing contacts' personal data: one contact whose owner asked Xero to erase it (ContactStatus GDPRREQUEST), or
every contact of a company being offboarded. In the caller's transaction, a few set-based statements whatever the
number of contacts.

What goes: names, emails, phones, addresses, bank details and tax numbers; the contact's history, supplier
proposals and match reviews; what its outbox entries carry (waiting ones are discarded: nothing goes to it again);
the raw Xero exchanges of its sync errors and of its documents' errors. What stays, as a tombstone: the row with
its platform id and Xero ContactID (so it is never imported or created again), roles, balances and its documents.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, delete, null, or_, select, update
from sqlalchemy.orm import Session

from core import clock
from core.contacts.xero_contact import ERASED_NAME, ERASED_VALUES
from core.metrics import definitions as metrics
from core.models.contacts import ContactHistory, MatchReview, XeroContactSeen
from core.models.platform import PlatformContact, PlatformDocument, SupplierProposal
from core.models.sync import ErrorStatus, OutboxEntry, OutboxState, SyncError

GDPR_STATUS = "GDPRREQUEST"
# What the contacts page says of an erased contact, by why it was erased.
GDPR_NOTE = "Erased at the contact's request in Xero"
OFFBOARDED_NOTE = "Erased when the company was offboarded"
_LIVE = (OutboxState.PENDING, OutboxState.HELD, OutboxState.FAILED)


def erase_contact(session: Session, contact: PlatformContact) -> bool:
    """A GDPR request seen in Xero: erase this contact, keep it as a tombstone. False when it was erased before."""
    if contact.erased_at is not None:
        return False
    _erase(session, contact.company_id, PlatformContact.id == contact.id, note=GDPR_NOTE, status=GDPR_STATUS)
    session.expire(contact)
    return True


def erase_company(session: Session, company_id: int) -> int:
    """Every contact of an offboarded company; return how many were erased now."""
    return _erase(session, company_id, PlatformContact.erased_at.is_(None), note=OFFBOARDED_NOTE, status=None)


def _erase(session: Session, company_id: int, which: ColumnElement[bool], *, note: str, status: str | None) -> int:
    now = clock.now()
    mine = and_(PlatformContact.company_id == company_id, which)
    ids = select(PlatformContact.id).where(mine).scalar_subquery()
    text_ids = select(cast(PlatformContact.id, String)).where(mine).scalar_subquery()
    xero_ids = select(PlatformContact.xero_contact_id).where(mine, PlatformContact.xero_contact_id.is_not(None))
    documents = select(cast(PlatformDocument.id, String)).where(PlatformDocument.contact_id.in_(ids))
    # Everything that points at the contacts first: the contacts' own row is blanked last (it selects them).
    session.execute(delete(ContactHistory).where(ContactHistory.contact_id.in_(ids)))
    session.execute(delete(SupplierProposal).where(SupplierProposal.contact_id.in_(ids)))
    session.execute(
        delete(MatchReview).where(
            MatchReview.company_id == company_id,
            or_(MatchReview.contact_id.in_(ids), MatchReview.xero_contact_id.in_(xero_ids.scalar_subquery())),
        )
    )
    session.execute(
        update(XeroContactSeen)
        .where(
            XeroContactSeen.company_id == company_id,
            XeroContactSeen.xero_contact_id.in_(xero_ids.scalar_subquery()),
        )
        .values(name=ERASED_NAME)
    )
    entries = and_(
        OutboxEntry.company_id == company_id, OutboxEntry.entity_type == "contact", OutboxEntry.entity_id.in_(text_ids)
    )
    session.execute(
        update(OutboxEntry)
        .where(entries, OutboxEntry.state.in_(_LIVE))
        .values(state=OutboxState.DISCARDED, updated_at=now, lease_owner=None, lease_until=None)
    )
    session.execute(
        update(OutboxEntry)
        .where(entries, OutboxEntry.state != OutboxState.LEASED)
        .values(payload={}, payload_cleared_at=now)
    )
    contact_errors = and_(SyncError.entity_type == "contact", SyncError.entity_id.in_(text_ids))
    session.execute(
        update(SyncError)
        .where(SyncError.company_id == company_id, contact_errors)
        .values(entity_number=null(), detail=note, note=note)
    )
    resolved = session.scalars(
        update(SyncError)
        .where(
            SyncError.company_id == company_id,
            contact_errors,
            SyncError.status.in_((ErrorStatus.OPEN, ErrorStatus.RETRYING)),
        )
        .values(status=ErrorStatus.RESOLVED, resolved_at=now)
        .returning(SyncError.cause)
    )
    metrics.errors_resolved(session, list(resolved))
    session.execute(
        update(SyncError)
        .where(
            SyncError.company_id == company_id,
            or_(contact_errors, and_(SyncError.entity_type == "document", SyncError.entity_id.in_(documents))),
        )
        .values(raw_request=null(), raw_response=null())
    )
    blanks: dict[str, Any] = {**ERASED_VALUES, "drift": null(), "synced_snapshot": null(), "groups": []}
    if status is not None:
        blanks["xero_status"] = status
    result = session.execute(
        update(PlatformContact)
        .where(mine)
        .values(**blanks, erased_at=now, version=PlatformContact.version + 1, changed_at=now)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
