"""Supplier push, the executor: claim waiting contact changes, plan them (core.contacts.push_plan), send one batch per
organisation, and settle every entry with what Xero said. The sidecar runs it every couple of seconds."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import activity, clock
from core.alerts import notify
from core.contacts.push_plan import Known, Settle, Write, batch_key, plan
from core.hub import Hub
from core.models.platform import PlatformContact
from core.models.sync import Connection, ConnectionState
from core.push import tally as push_tally
from core.push.tally import QUIET_ATTEMPTS
from core.sync import errors, outbox, run_history, runs
from core.sync.errors import CAUSES, EntityRef
from core.sync.outbox import Claimed
from core.xero import resources
from core.xero.answers import item_cause
from core.xero.client import AccountingClient
from core.xero.outcomes import ItemResult, ReconnectNeeded, RetryAfter, Transient, UncertainOutcome, XeroProblem
from core.xero_access import gate


class Tally(push_tally.Tally):
    noun = "contacts"


@dataclass
class _Batch:
    """One company's push batch, recorded as one sync run (job "push") in the transaction that settles it."""

    company_id: int
    tally: Tally  # the tick's running tally; this batch's share is what it gained since `before`
    before: Tally
    started_at: datetime
    client: AccountingClient | None = None  # counts the calls the batch made
    quiet: int = 0  # entries settled without a call: nothing new to send

    def record(self, session: Session, note: str = "") -> None:
        t, b = self.tally, self.before
        done = Tally(t.sent - b.sent, t.failed - b.failed, t.waiting - b.waiting)
        run_history.record_finished(
            session,
            company_id=self.company_id,
            job="push",
            started_at=self.started_at,
            records=done.sent + done.failed + self.quiet,
            api_calls=self.client.calls if self.client is not None else 0,
            outcome=f"{done}" + (f"; {self.quiet} had nothing new to send" if self.quiet else "") + note,
            failed=done.sent == 0 and done.failed + done.waiting > 0,
        )


def push_due(hub: Hub, *, worker: str, limit: int = 50) -> Tally:
    """Send what is due, one batch per organisation."""
    tally = Tally()
    claimed = outbox.claim(hub.db, worker=worker, limit=limit, entity_type="contact")
    by_company: dict[int, list[Claimed]] = defaultdict(list)
    for entry in claimed:
        by_company[entry.company_id].append(entry)
    for company_id, entries in by_company.items():
        _push_company(hub, company_id, entries, worker, tally)
    return tally


def push_for(hub: Hub, *, worker: str, seconds: float = 1.5, limit: int = 50) -> Tally:
    """Batches until nothing is due or `seconds` pass: one sidecar tick is not capped at one batch."""
    deadline = time.monotonic() + seconds
    total = Tally()
    while True:
        tally = push_due(hub, worker=worker, limit=limit)
        total.sent, total.failed, total.waiting = (
            total.sent + tally.sent,
            total.failed + tally.failed,
            total.waiting + tally.waiting,
        )
        if tally.sent + tally.failed + tally.waiting < limit or time.monotonic() > deadline:
            return total


def _gather(session: Session, company_id: int, entries: list[Claimed]) -> dict[int, Known]:
    ids = [int(e.entity_id) for e in entries if e.entity_id.isdigit()]
    contacts = session.scalars(
        select(PlatformContact).where(PlatformContact.company_id == company_id, PlatformContact.id.in_(ids))
    )
    return {
        c.id: Known(c.id, c.name, c.platform_id, c.xero_contact_id, dict(c.synced_snapshot or {})) for c in contacts
    }


def _push_company(hub: Hub, company_id: int, entries: list[Claimed], worker: str, tally: Tally) -> None:
    batch = _Batch(company_id, tally, Tally(tally.sent, tally.failed, tally.waiting), clock.now())
    with hub.db.read() as session:
        connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
        known = _gather(session, company_id, entries)
    if connection is None or connection.state is not ConnectionState.CONNECTED:
        removed = connection is not None and connection.state is ConnectionState.REMOVED
        _hold(hub, entries, worker, discard=removed, batch=batch)
        return
    writes, settles = plan(entries, known)
    batch.quiet = len(settles)
    _settle_quietly(hub, settles, worker, batch=None if writes else batch)
    if not writes:
        return
    try:
        with gate.organisation(hub, connection.id, worker=worker) as xero:
            batch.client = xero
            writes = _already_created(hub, xero, writes, worker, tally)
            results = (
                xero.write(resources.CONTACTS, [w.element for w in writes], idempotency_key=batch_key(writes))
                if writes
                else []
            )
    except ReconnectNeeded:
        tally.waiting += len(writes)
        # The connection now waits for a person; so do its changes.
        _hold(hub, [w.entry for w in writes], worker, batch=batch)
        return
    except RetryAfter as wait:
        tally.waiting += len(writes)
        _later(hub, writes, worker, seconds=wait.seconds, batch=batch)
        return
    except (Transient, UncertainOutcome) as problem:
        tally.waiting += len(writes)
        _later(hub, writes, worker, problem=problem, batch=batch)
        return
    except XeroProblem as problem:
        items = getattr(problem, "items", None) or [ItemResult(False, {}, (problem.message,))] * len(writes)
        _apply(hub, company_id, writes, items, worker, tally, problem=problem, batch=batch)
        return
    _apply(hub, company_id, writes, results, worker, tally, batch=batch)


def _already_created(hub: Hub, xero: AccountingClient, writes: list[Write], worker: str, tally: Tally) -> list[Write]:
    """A create tried before may have reached Xero unanswered: look it up by ContactNumber before sending again."""
    remaining = []
    for write in writes:
        if not (write.create and write.entry.attempts > 1):
            remaining.append(write)
            continue
        number = write.element["ContactNumber"].replace('"', "")
        found = xero.list(resources.CONTACTS, where=f'ContactNumber=="{number}"')
        if found:
            _apply(hub, write.entry.company_id, [write], [ItemResult(True, found[0])], worker, tally)
        else:
            remaining.append(write)
    return remaining


def _apply(
    hub: Hub,
    company_id: int,
    writes: list[Write],
    results: list[ItemResult],
    worker: str,
    tally: Tally,
    *,
    problem: XeroProblem | None = None,
    batch: _Batch | None = None,
) -> None:
    """Settle each entry by its element's outcome (Xero answers elements in the order they were sent)."""
    with hub.db.write() as session:
        for write, result in zip(writes, results, strict=False):
            contact = session.get(PlatformContact, write.contact_id)
            entity = EntityRef("contact", str(write.contact_id), contact.name if contact else None)
            if result.ok and contact is not None:
                contact.xero_contact_id = result.element.get("ContactID") or contact.xero_contact_id
                # What Xero now holds: the last snapshot with the fields just sent (a create sends them all).
                contact.synced_snapshot = (
                    contact.snapshot() if write.create else {**(contact.synced_snapshot or {}), **write.fields}
                )
                outbox.complete(session, write.entry.id, worker=worker, xero_id=contact.xero_contact_id)
                errors.resolve_for_entity(session, company_id=company_id, entity_type="contact", entity_id=entity.id)
                activity.record(session, company_id, synced=True)
                tally.sent += 1
                continue
            messages = result.messages or ((problem.message,) if problem else ("Xero refused the contact.",))
            cause = item_cause(messages) if result.messages else (problem.cause if problem else "validation")
            error = errors.record(
                session,
                company_id=company_id,
                code=cause,
                entity=entity,
                connection_id=write.entry.connection_id,
                detail="; ".join(messages),
                request={"Contacts": [write.element]},
                response=(problem.response if problem else None) or {"Contacts": [result.element]},
            )
            if cause == "contact_merged" and contact is not None and contact.xero_contact_id and error.occurrences == 1:
                # Merged in Xero: a targeted pull follows the merge to the survivor, then this change goes there.
                runs.request(session, company_id=company_id, job="contacts_webhook", ids=[contact.xero_contact_id])
                outbox.retry_later(
                    session, write.entry.id, worker=worker, attempts=1, error_id=error.id, not_before=clock.now()
                )
                tally.waiting += 1
                continue
            outbox.fail(session, write.entry.id, worker=worker, error_id=error.id)
            if error.occurrences == 1:  # the finance contact and support hear about it once, in the next digest
                title = CAUSES[cause].title if cause in CAUSES else "Xero refused the change"
                notify.alert(
                    session,
                    company_id=company_id,
                    kind="contact_failed",
                    summary=f"{entity.number or 'A contact'}: {title}. {'; '.join(messages)}",
                    link="/contacts",
                )
            tally.failed += 1
        for write in writes[len(results) :]:  # no answer for these: try again
            outbox.retry_later(session, write.entry.id, worker=worker, attempts=write.entry.attempts)
        if batch is not None:
            batch.record(session)


def _hold(hub: Hub, entries: list[Claimed], worker: str, *, discard: bool = False, batch: _Batch | None = None) -> None:
    """Keep the changes for the reconnection; after a remove they are discarded (the snapshot rule)."""
    with hub.db.write() as session:
        for entry in entries:
            (outbox.discard if discard else outbox.hold)(session, entry.id, worker=worker)
        if batch is not None:
            what = "discarded (the connection was removed)" if discard else "held until Xero is reconnected"
            batch.record(session, f"; {len(entries)} changes {what}")


def _later(
    hub: Hub,
    writes: list[Write],
    worker: str,
    *,
    seconds: int = 0,
    problem: XeroProblem | None = None,
    batch: _Batch | None = None,
) -> None:
    with hub.db.write() as session:
        for write in writes:
            error_id = None
            if problem is not None and write.entry.attempts >= QUIET_ATTEMPTS:
                error_id = errors.record(
                    session,
                    company_id=write.entry.company_id,
                    code=problem.cause,
                    entity=EntityRef("contact", str(write.contact_id), write.element.get("Name")),
                    connection_id=write.entry.connection_id,
                    detail=problem.message,
                    request=problem.request,
                ).id
            outbox.retry_later(
                session,
                write.entry.id,
                worker=worker,
                attempts=write.entry.attempts,
                error_id=error_id,
                not_before=clock.now() + timedelta(seconds=seconds) if seconds else None,
            )
        if batch is not None:
            why = f"Xero asked the hub to wait {seconds} s" if seconds else (problem.message if problem else "")
            batch.record(session, f"; {why}" if why else "")


def _settle_quietly(hub: Hub, settles: list[Settle], worker: str, *, batch: _Batch | None = None) -> None:
    if not settles:
        return
    with hub.db.write() as session:
        for settle in settles:
            outbox.complete(session, settle.entry.id, worker=worker)
        if batch is not None:
            batch.record(session)
