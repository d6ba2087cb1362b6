"""Document push, settling: what Xero said (or the pre-flight) for each outbox entry, written back in one transaction
per batch: the document's Xero id, status and amounts; sync errors opened and resolved; entries completed, failed,
held or rescheduled."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from core import activity, clock
from core.alerts import notify
from core.documents.plan import Refuse, Write, id_field, result_cause
from core.models.platform import DocumentKind, PlatformDocument
from core.models.sync import ErrorStatus, OutboxEntry, OutboxState, SyncError
from core.push import executor
from core.push import tally as push_tally
from core.sync import errors, outbox
from core.sync.causes import CAUSES
from core.sync.errors import EntityRef
from core.sync.outbox import Claimed
from core.xero.answers import money
from core.xero.outcomes import ItemResult, XeroProblem


class Tally(push_tally.Tally):
    noun = "documents"


def adopt(document: PlatformDocument, record: dict[str, Any]) -> None:
    """What Xero now holds for the document: its id, status and amounts."""
    document.xero_id = str(record.get(id_field(document.kind)) or document.xero_id or "") or None
    document.xero_status = str(record.get("Status") or document.xero_status or "") or None
    total = money(record.get("Total"))
    if document.kind in (DocumentKind.SALES_INVOICE, DocumentKind.BILL):
        document.amount_due, document.amount_paid = money(record.get("AmountDue")), money(record.get("AmountPaid"))
    else:  # a credit note's "due" is the credit not yet allocated
        remaining = money(record.get("RemainingCredit"))
        document.amount_due = remaining
        document.amount_paid = total - remaining if total is not None and remaining is not None else None
    document.pushed_at = clock.now()
    document.uncertain_since = None


def succeeded(session: Session, done: Sequence[tuple[Write, dict[str, Any]]], *, worker: str, tally: Tally) -> None:
    """Writes Xero saved (or a lookup found): the documents take Xero's id, status and amounts; their errors
    resolve. Read and written in bulk: a batch of 50 costs a handful of statements, not 50 of each."""
    if not done:
        return
    company_id = done[0][0].entry.company_id
    ids = [write.document_id for write, _ in done]
    documents = {d.id: d for d in session.scalars(select(PlatformDocument).where(PlatformDocument.id.in_(ids)))}
    with_errors = set(
        session.scalars(
            select(SyncError.entity_id).where(
                SyncError.company_id == company_id,
                SyncError.entity_type == "document",
                SyncError.entity_id.in_([str(i) for i in ids]),
                SyncError.status.in_((ErrorStatus.OPEN, ErrorStatus.RETRYING)),
            )
        )
    )
    completed: list[dict[str, Any]] = []
    for write, record in done:
        document = documents.get(write.document_id)
        if document is not None:
            adopt(document, record)
        completed.append({"entry": write.entry.id, "xero": document.xero_id if document else None})
        if str(write.document_id) in with_errors:
            errors.resolve_for_entity(
                session, company_id=company_id, entity_type="document", entity_id=str(write.document_id)
            )
        tally.sent += 1
    _complete(session, completed, worker)
    activity.record(session, company_id, synced=True)


def _complete(session: Session, completed: list[dict[str, Any]], worker: str) -> None:
    """outbox.complete for a whole batch in one executemany: the same compare-and-set (only the lease holder
    settles), a fiftieth of the statements (one ORM update per entry was most of the push's own time)."""
    table, now = OutboxEntry.__table__, clock.now()
    session.flush()
    session.execute(
        update(table)
        .where(table.c.id == bindparam("entry"), table.c.state == OutboxState.LEASED, table.c.lease_owner == worker)
        .values(
            state=OutboxState.DONE,
            xero_id=bindparam("xero"),
            done_at=now,
            lease_owner=None,
            lease_until=None,
            updated_at=now,
        ),
        completed,
    )


def refused(
    session: Session,
    entry: Claimed,
    *,
    document_id: int,
    number: str,
    cause: str,
    detail: str,
    worker: str,
    tally: Tally,
    request: dict[str, Any] | None = None,
    response: dict[str, Any] | None = None,
) -> None:
    """A sync error naming what to fix, and the entry failed with it (retried by a person after the fix)."""
    error = errors.record(
        session,
        company_id=entry.company_id,
        code=cause,
        entity=EntityRef("document", str(document_id), number),
        connection_id=entry.connection_id,
        detail=detail,
        request=request,
        response=response,
    )
    outbox.fail(session, entry.id, worker=worker, error_id=error.id)
    if error.occurrences == 1:  # the finance contact and support hear about it once, in the next digest
        title = CAUSES[cause].title if cause in CAUSES else "Xero refused the document"
        notify.alert(
            session, company_id=entry.company_id, kind="document_failed", summary=f"{number}: {title}. {detail}",
            link="/documents",
        )  # fmt: skip
    tally.failed += 1


def refuse_all(session: Session, refusals: Sequence[Refuse], *, worker: str, tally: Tally) -> None:
    for item in refusals:
        refused(
            session, item.entry, document_id=item.document_id, number=item.number, cause=item.refusal.cause,
            detail=item.refusal.detail, worker=worker, tally=tally,
        )  # fmt: skip


def apply(
    session: Session,
    writes: Sequence[Write],
    results: Sequence[ItemResult],
    *,
    worker: str,
    tally: Tally,
    problem: XeroProblem | None = None,
) -> None:
    """Settle each entry by its element's outcome (Xero answers elements in the order they were sent); the push
    executor retries any element left unanswered."""
    answered = list(zip(writes, results, strict=False))
    succeeded(session, [(w, r.element) for w, r in answered if r.ok], worker=worker, tally=tally)
    refused_ids = [w.document_id for w, r in answered if not r.ok]
    if refused_ids:  # Xero answered: the outcome is known, nothing to look up
        session.execute(
            update(PlatformDocument)
            .where(PlatformDocument.id.in_(refused_ids))
            .values(uncertain_since=None)
            .execution_options(synchronize_session=False)
        )
    for write, result in answered:
        if result.ok:
            continue
        messages = result.messages or ((problem.message,) if problem else ("Xero refused the document.",))
        cause = result_cause(messages) if result.messages else (problem.cause if problem else "validation")
        detail = "; ".join(messages)
        if cause == "document_locked":
            detail += (
                ". The document has a payment or credit applied in Xero (or is voided there), so Xero keeps it as it "
                "is: remove the payment in Xero first, or record the difference as a credit note in the platform."
            )
        refused(
            session, write.entry, document_id=write.document_id, number=write.number, cause=cause, detail=detail,
            worker=worker, tally=tally, request={write.resource.collection: [write.element]},
            response=(problem.response if problem else None) or {write.resource.collection: [result.element]},
        )  # fmt: skip


def uncertain(session: Session, writes: Sequence[Write], problem: XeroProblem, *, worker: str, tally: Tally) -> None:
    """No answer to a write: the documents show "uncertain" and are looked up in Xero before any retry."""
    for write in writes:
        document = session.get(PlatformDocument, write.document_id)
        if document is not None and write.create:
            document.uncertain_since = document.uncertain_since or clock.now()
        error = errors.record(
            session,
            company_id=write.entry.company_id,
            code="uncertain_timeout",
            entity=EntityRef("document", str(write.document_id), write.number),
            connection_id=write.entry.connection_id,
            detail=f"{problem.message} The hub looks {write.number} up in Xero before sending it again.",
            request=problem.request,
        )
        outbox.retry_later(session, write.entry.id, worker=worker, failures=write.entry.failures + 1, error_id=error.id)
        tally.waiting += 1


def later(
    session: Session,
    entries: Sequence[Claimed],
    *,
    worker: str,
    tally: Tally,
    seconds: int = 0,
    problem: XeroProblem | None = None,
) -> None:
    """Try again later: after a wait (no backoff growth), or with backoff (an outage)."""
    for entry in entries:
        entity = EntityRef("document", entry.entity_id, str(entry.payload.get("number") or "") or None)
        executor.retry(session, entry, entity, worker=worker, seconds=seconds, problem=problem)
        tally.waiting += 1
