"""A document's PDF to Xero: each upload planned (core.documents.attach_plan) and sent through the push executor
(core.push.executor), one file a call, once the document is in Xero, with what Xero said written back.

At most once: the upload is marked uncertain before the call goes out and carries an Idempotency-Key from its
bytes, so a retry within Xero's six minutes gets Xero's first answer back; past them, an upload whose answer was lost
is first looked for among the document's attachments in Xero (same file name and size) and adopted if there."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import activity, clock
from core.alerts import notify
from core.documents.attach_plan import PdfFacts, Refuse, Settle, Upload, Wait, gather, plan
from core.hub import Hub
from core.models.platform import DocumentPdf
from core.push import executor, turns
from core.push import tally as push_tally
from core.push.executor import Turn
from core.sync import causes, errors, outbox
from core.sync.errors import EntityRef
from core.sync.outbox import Claimed
from core.xero import attachments
from core.xero.answers import items_of
from core.xero.client import AccountingClient
from core.xero.outcomes import ItemResult, Transient, UncertainOutcome, XeroProblem

ENTITY = "attachment"
WAIT_AGAIN = 15  # seconds: a PDF whose document is not in Xero yet is looked at again this soon
PER_TURN = 5  # uploads claimed per organisation per turn: each is up to 10 MB held in memory while it goes


class Tally(push_tally.Tally):
    noun = "PDFs"
    retry_word = "waiting"


class AttachmentPush(executor.Push[Upload]):
    entity_type = ENTITY
    job = "attachments_push"
    tally = Tally
    limit = PER_TURN

    def gather(self, session: Session, company_id: int, entries: list[Claimed]) -> list[PdfFacts]:
        return gather(session, company_id, entries)

    def prepare(
        self, hub: Hub, turn: Turn, entries: list[Claimed], facts: list[PdfFacts], *, worker: str
    ) -> list[Upload]:
        known = {f.entry.id for f in facts}
        actions = plan(facts)
        with hub.db.write() as session:
            for entry in entries:  # its PDF went with its document: nothing to send
                if entry.id not in known:
                    outbox.complete(session, entry.id, worker=worker)
                    turn.quiet += 1
            for action in actions:
                if isinstance(action, Settle):
                    outbox.complete(session, action.facts.entry.id, worker=worker)
                    turn.quiet += 1
                elif isinstance(action, Wait):  # not a failure: its document is not in Xero yet
                    turn.tally.waiting += 1
                    turn.deferred += 1
                    executor.retry(session, action.facts.entry, entity(action.facts), worker=worker, seconds=WAIT_AGAIN)
                elif isinstance(action, Refuse):
                    hold = causes.cause(action.cause).connection  # a reconnect releases it (and resolves the error)
                    _refuse(session, action.facts, action.cause, action.message, worker, turn.tally, hold=hold)
        return [a for a in actions if isinstance(a, Upload)]

    def adopt(self, hub: Hub, xero: AccountingClient, writes: list[Upload], turn: Turn, *, worker: str) -> list[Upload]:
        """An upload whose answer was lost may be in Xero: the document's attachments are listed first, and one of
        the same file name and size is adopted instead of uploading a second."""
        remaining = []
        for write in writes:
            f = write.facts
            if not f.uncertain:
                remaining.append(write)
                continue
            listed = xero.request("GET", attachments.path(f.collection, str(f.document_xero_id)))
            match = next(
                (
                    a
                    for a in (listed or {}).get("Attachments") or []
                    if str(a.get("FileName", "")).lower() == f.file_name.lower() and a.get("ContentLength") == f.size
                ),
                None,
            )
            if match is None:
                remaining.append(write)
                continue
            with hub.db.write() as session:
                _attached(session, f, match, worker, turn.tally)
        return remaining

    def calls(self, writes: list[Upload]) -> list[list[Upload]]:
        return [[w] for w in writes]  # Xero takes one file a call

    def send(
        self, hub: Hub, xero: AccountingClient, call: list[Upload], turn: Turn, *, worker: str
    ) -> list[ItemResult] | None:
        (write,) = call
        f = write.facts
        with hub.db.write() as session:  # write-ahead: a lost answer is looked for before any retry
            session.execute(
                update(DocumentPdf)
                .where(DocumentPdf.id == f.pdf_id, DocumentPdf.uncertain_since.is_(None))
                .values(uncertain_since=clock.now())
            )
            content = session.scalar(select(DocumentPdf.content).where(DocumentPdf.id == f.pdf_id))
        if content is None:  # cleared meanwhile (offboarding): nothing to send
            return [ItemResult(False, {}, ("The PDF is no longer kept.",))]
        key = outbox.write_key("attachments", [f.entry], {"file": f.file_name, "sha256": f.sha256})
        try:
            data = xero.request(
                "PUT",
                attachments.path(f.collection, str(f.document_xero_id), f.file_name),
                content=content,
                headers={"Content-Type": "application/pdf", "Idempotency-Key": key},
            )
        except (UncertainOutcome, Transient) as problem:
            if problem.status is not None:  # Xero answered (5xx): nothing was attached
                _unmark(hub, f.pdf_id)
                raise
            with hub.db.write() as session:  # no answer: Xero may hold it; looked for before the next try
                executor.retry(session, f.entry, entity(f), worker=worker, problem=problem)
                turn.tally.waiting += 1
            return None
        except XeroProblem:
            _unmark(hub, f.pdf_id)
            raise
        return items_of(data, "Attachments")[:1]

    def settle(
        self,
        session: Session,
        call: Sequence[Upload],
        results: Sequence[ItemResult],
        turn: Turn,
        *,
        worker: str,
        problem: XeroProblem | None = None,
    ) -> None:
        for write, result in zip(call, results, strict=False):
            f = write.facts
            if result.ok:
                _attached(session, f, result.element, worker, turn.tally)
                continue
            session.execute(update(DocumentPdf).where(DocumentPdf.id == f.pdf_id).values(uncertain_since=None))
            said = "; ".join(result.messages) or (problem.message if problem else "Xero refused the file.")
            _refuse(
                session,
                f,
                "attachment_refused",
                f"Xero did not attach {f.file_name} to {f.number}: {said}",
                worker,
                turn.tally,
                response=problem.response if problem else None,
            )

    def entity(self, write: Upload) -> EntityRef:
        return entity(write.facts)


PUSH = AttachmentPush()


def push_due(hub: Hub, *, worker: str, limit: int | None = None) -> push_tally.Tally:
    """Upload the PDFs that are due, a few per organisation."""
    return turns.push_due(hub, PUSH, worker=worker, limit=limit)


def entity(facts: PdfFacts) -> EntityRef:
    return EntityRef(ENTITY, str(facts.pdf_id), f"PDF of {facts.number}")


def _unmark(hub: Hub, pdf_id: int) -> None:
    with hub.db.write() as session:
        session.execute(update(DocumentPdf).where(DocumentPdf.id == pdf_id).values(uncertain_since=None))


def _attached(session: Session, f: PdfFacts, element: dict[str, object], worker: str, tally: Tally) -> None:
    """Xero holds the file: its AttachmentID is kept and the bytes are let go (Xero has them now)."""
    now = clock.now()
    attachment_id = str(element.get("AttachmentID") or "") or None
    session.execute(
        update(DocumentPdf)
        .where(DocumentPdf.id == f.pdf_id)
        .values(xero_attachment_id=attachment_id, attached_at=now, uncertain_since=None, content=None, cleared_at=now)
    )
    outbox.complete(session, f.entry.id, worker=worker, xero_id=attachment_id)
    errors.resolve_for_entity(session, company_id=f.entry.company_id, entity_type=ENTITY, entity_id=str(f.pdf_id))
    activity.record(session, f.entry.company_id, synced=True)
    tally.sent += 1


def _refuse(
    session: Session,
    f: PdfFacts,
    cause: str,
    message: str,
    worker: str,
    tally: Tally,
    *,
    response: dict[str, object] | None = None,
    hold: bool = False,
) -> None:
    error = errors.record(
        session,
        company_id=f.entry.company_id,
        code=cause,
        entity=entity(f),
        connection_id=f.entry.connection_id,
        detail=message,
        response=response,
    )
    if hold:  # the connection must change first: held like a disconnected company's changes, released by a reconnect
        outbox.hold(session, f.entry.id, worker=worker)
    else:
        outbox.fail(session, f.entry.id, worker=worker, error_id=error.id)
    if error.occurrences == 1:
        notify.alert(
            session,
            company_id=f.entry.company_id,
            kind="document_failed",
            link="/documents",
            summary=f"PDF of {f.number}: {causes.cause(cause).title}. {message}",
        )
    tally.failed += 1
