"""Documents issued before the company connected to Xero: pushed only from the backfill date chosen at connect.

The platform's entry points queue a document only while a connection exists (core.platform_api.events.queue), so what
was issued before the first connection has no outbox entry. On confirming a connection, the documents dated on or
after the backfill date that never reached Xero and were never queued are queued, once; without a backfill date,
none are. A document that already has an entry (held, failed, done, or discarded by a remove) is left alone, so
nothing is queued twice and what a remove discarded stays discarded.
"""

from __future__ import annotations

from sqlalchemy import String, cast, exists, select
from sqlalchemy.orm import Session

from core.models.platform import PlatformContact, PlatformDocument
from core.models.sync import Connection, ConnectionState, OutboxEntry, OutboxState
from core.sync import outbox


def enqueue(session: Session, company_id: int) -> int:
    """Queue the documents the backfill date covers that were never queued; return how many."""
    connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if connection is None or connection.state is not ConnectionState.CONNECTED or connection.backfill_from is None:
        return 0
    queued = exists().where(
        OutboxEntry.company_id == company_id,
        OutboxEntry.entity_type == "document",
        OutboxEntry.entity_id == cast(PlatformDocument.id, String),
    )
    rows = session.execute(
        select(PlatformDocument, PlatformContact)
        .join(PlatformContact, PlatformContact.id == PlatformDocument.contact_id)
        .where(
            PlatformDocument.company_id == company_id,
            PlatformDocument.xero_id.is_(None),
            PlatformDocument.voided.is_(False),
            PlatformDocument.issue_date >= connection.backfill_from,
            ~queued,
        )
        .order_by(PlatformDocument.issue_date, PlatformDocument.id)
    ).all()
    for document, contact in rows:
        outbox.enqueue(
            session,
            company_id=company_id,
            entity_type="document",
            entity_id=str(document.id),
            version=document.version,
            operation="create",
            payload=document.outbox_payload(contact),
            connection_id=connection.id,
            state=OutboxState.PENDING,
        )
    return len(rows)
