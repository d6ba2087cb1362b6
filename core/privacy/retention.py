"""Retention: personal data is kept only as long as it is needed. The sidecar's housekeeping calls `sweep`, which
works through each kind of data in short transactions of at most `BATCH` rows, and at most `PER_RUN` rows of a kind
per run, so a large backlog never holds the write lock for long; the next run carries on where this one stopped.

| Kind | Kept for | What goes |
|---|---|---|
| raw exchanges | `keep_exchanges_days` | a sync error's raw request and response (the error stays); webhook events |
| delivered emails | `keep_emails_days` | sent alert emails, with the alerts they carried |
| done payloads | `keep_payloads_days` | the payload of an outbox entry done (the row's facts stay) |
| PDFs not attached | `keep_payloads_days` | a document's PDF not in Xero by then (its name and hash stay) |
| contact history | `keep_contact_history_days` | contact history entries, and supplier proposals decided |
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, delete, null, or_, select, update
from sqlalchemy.orm import Session

from core import clock
from core.db import Database
from core.models.alerts import Alert, EmailMessage, EmailState
from core.models.contacts import ContactHistory, WebhookEvent
from core.models.platform import DocumentPdf, ProposalStatus, SupplierProposal
from core.models.sync import OutboxEntry, OutboxState, SyncError
from core.settings import Settings
from core.text import plural

BATCH = 500  # rows per transaction
PER_RUN = 5_000  # rows per kind per housekeeping run


@dataclass(frozen=True)
class Swept:
    """How many rows of each kind one housekeeping run cleared."""

    exchanges: int = 0
    webhook_events: int = 0
    emails: int = 0
    payloads: int = 0
    history: int = 0
    proposals: int = 0
    pdfs: int = 0

    def __str__(self) -> str:
        return (
            f"{plural(self.exchanges, 'raw exchange', 'raw exchanges')} and "
            f"{plural(self.webhook_events, 'webhook event', 'webhook events')} cleared, "
            f"{plural(self.emails, 'delivered email', 'delivered emails')} deleted, "
            f"{plural(self.payloads, 'done payload', 'done payloads')} blanked, "
            f"{plural(self.history, 'contact history entry', 'contact history entries')} and "
            f"{plural(self.proposals, 'decided proposal', 'decided proposals')} deleted, "
            f"{plural(self.pdfs, 'PDF not attached', 'PDFs not attached')} let go"
        )


Act = Callable[[Session, list[Any]], None]


def _in_batches(db: Database, due: Select[Any], act: Act, *, batch: int, most: int) -> int:
    """Take up to `batch` ids of `due` and act on them, one short transaction at a time, until none is left or `most`
    were done; return how many."""
    done = 0
    while done < most:
        with db.write() as session:
            ids = list(session.scalars(due.limit(min(batch, most - done))))
            if ids:
                act(session, ids)
        done += len(ids)
        if len(ids) < batch:
            break
    return done


def _blank_exchanges(session: Session, ids: list[int]) -> None:
    session.execute(update(SyncError).where(SyncError.id.in_(ids)).values(raw_request=null(), raw_response=null()))


def _delete_emails(session: Session, ids: list[int]) -> None:
    # The alerts go with their email: left behind, they would look unsent (email_id empty) and be mailed again.
    session.execute(delete(Alert).where(Alert.email_id.in_(ids)))
    session.execute(delete(EmailMessage).where(EmailMessage.id.in_(ids)))


def _blank_payloads(session: Session, ids: list[int]) -> None:
    stmt = update(OutboxEntry).where(OutboxEntry.id.in_(ids)).values(payload={}, payload_cleared_at=clock.now())
    session.execute(stmt)


def _let_go_pdfs(session: Session, ids: list[int]) -> None:
    stmt = update(DocumentPdf).where(DocumentPdf.id.in_(ids)).values(content=null(), cleared_at=clock.now())
    session.execute(stmt.execution_options(synchronize_session=False))


def _deleting(model: Any) -> Callable[[Session, list[int]], None]:
    def act(session: Session, ids: list[int]) -> None:
        session.execute(delete(model).where(model.id.in_(ids)))

    return act


def _cutoff(days: float) -> datetime:
    return clock.now() - timedelta(days=days)


def sweep(db: Database, settings: Settings, *, batch: int = BATCH, most: int = PER_RUN) -> Swept:
    """Clear what is past its retention, kind by kind, in bounded batches (opens its own short transactions)."""
    exchanges = _cutoff(settings.keep_exchanges_days)
    history = _cutoff(settings.keep_contact_history_days)
    has_exchange = or_(SyncError.raw_request.is_not(None), SyncError.raw_response.is_not(None))
    kinds: list[tuple[Select[Any], Callable[[Session, list[Any]], None]]] = [
        (select(SyncError.id).where(SyncError.last_seen_at < exchanges, has_exchange), _blank_exchanges),
        (
            select(WebhookEvent.id).where(WebhookEvent.processed_at < exchanges).order_by(WebhookEvent.processed_at),
            _deleting(WebhookEvent),
        ),
        (
            select(EmailMessage.id).where(
                EmailMessage.state == EmailState.SENT, EmailMessage.sent_at < _cutoff(settings.keep_emails_days)
            ),
            _delete_emails,
        ),
        (
            select(OutboxEntry.id).where(
                OutboxEntry.payload_cleared_at.is_(None),
                OutboxEntry.done_at < _cutoff(settings.keep_payloads_days),
                OutboxEntry.state == OutboxState.DONE,
            ),
            _blank_payloads,
        ),
        (select(ContactHistory.id).where(ContactHistory.at < history), _deleting(ContactHistory)),
        (
            select(SupplierProposal.id).where(
                SupplierProposal.status != ProposalStatus.PENDING, SupplierProposal.decided_at < history
            ),
            _deleting(SupplierProposal),
        ),
        (
            select(DocumentPdf.id).where(
                DocumentPdf.cleared_at.is_(None), DocumentPdf.received_at < _cutoff(settings.keep_payloads_days)
            ),
            _let_go_pdfs,
        ),
    ]
    return Swept(*(_in_batches(db, due, act, batch=batch, most=most) for due, act in kinds))
