"""Supplier push: waiting contact changes planned (core.contacts.push_plan) and sent one batch per organisation
through the push executor (core.push.executor), every entry settled with what Xero said. The sidecar runs it every
couple of seconds."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import activity, clock
from core.alerts import notify
from core.contacts.push_plan import PHONE_TYPES, Known, Write, plan, sent
from core.contacts.xero_contact import from_xero
from core.hub import Hub
from core.models.platform import PlatformContact
from core.push import executor, turns
from core.push import tally as push_tally
from core.push.executor import Turn
from core.sync import errors, outbox, runs
from core.sync.causes import CAUSES
from core.sync.errors import EntityRef
from core.sync.outbox import Claimed
from core.xero import resources
from core.xero.answers import item_cause
from core.xero.client import AccountingClient
from core.xero.outcomes import ItemResult, XeroProblem


class Tally(push_tally.Tally):
    noun = "contacts"


class ContactPush(executor.Push[Write]):
    entity_type = "contact"
    tally = Tally

    def gather(self, session: Session, company_id: int, entries: list[Claimed]) -> dict[int, Known]:
        ids = [int(e.entity_id) for e in entries if e.entity_id.isdigit()]
        contacts = session.scalars(
            select(PlatformContact).where(PlatformContact.company_id == company_id, PlatformContact.id.in_(ids))
        )
        return {c.id: self._known(c) for c in contacts}

    @staticmethod
    def _known(contact: PlatformContact) -> Known:
        held, drift = dict(contact.synced_snapshot or {}), dict(contact.drift or {})
        ids = (contact.id, contact.name, contact.platform_id, contact.xero_contact_id)
        return Known(*ids, snapshot=held, current=contact.snapshot(), drift=drift)

    def prepare(
        self, hub: Hub, turn: Turn, entries: list[Claimed], facts: dict[int, Known], *, worker: str
    ) -> list[Write]:
        writes, settles = plan(entries, facts)
        turn.quiet = len(settles)
        updates = [w for w in writes if not w.create]
        if settles or updates:
            with hub.db.write() as session:
                for settle in settles:  # nothing new to send: done without a call
                    outbox.complete(session, settle.entry.id, worker=worker)
                for write in updates:  # unconfirmed until Xero answers: if it never does, they go again
                    _unconfirmed(session, write.contact_id, write.fields)
        return writes

    def adopt(self, hub: Hub, xero: AccountingClient, writes: list[Write], turn: Turn, *, worker: str) -> list[Write]:
        """A create tried before may have reached Xero unanswered: look it up by ContactNumber before sending again.
        Found, the contact is linked with what Xero holds (the first try's values), and anything changed since goes
        out as an update in this same turn."""
        remaining = []
        for write in writes:
            if not (write.create and write.entry.attempts > 1):
                remaining.append(write)
                continue
            number = write.element["ContactNumber"].replace('"', "")
            found = xero.list(resources.CONTACTS, where=f'ContactNumber=="{number}"')
            if not found:
                remaining.append(write)
                continue
            with hub.db.write() as session:
                remaining += self._adopt(session, write, found[0], turn, worker=worker)
        return remaining

    def _adopt(self, session: Session, write: Write, found: dict[str, Any], turn: Turn, *, worker: str) -> list[Write]:
        contact = session.get(PlatformContact, write.contact_id)
        if contact is None:
            outbox.complete(session, write.entry.id, worker=worker)
            return []
        held = from_xero(found, PHONE_TYPES).held()
        contact.xero_contact_id = str(found.get("ContactID") or "") or contact.xero_contact_id
        contact.synced_snapshot = {**contact.snapshot(), **held}
        known = Known(contact.id, contact.name, contact.platform_id, contact.xero_contact_id, held, contact.snapshot())
        updates, _ = plan([write.entry], {contact.id: known})
        if not updates:  # Xero holds everything already
            self.settle(session, [write], [ItemResult(True, found)], turn, worker=worker)
        for update in updates:
            contact.synced_snapshot = sent(contact.synced_snapshot, update.fields, answered=False)
        return updates

    def send(self, hub: Hub, xero: AccountingClient, call: list[Write], turn: Turn, *, worker: str) -> list[ItemResult]:
        elements = [w.element for w in call]
        key = outbox.write_key("contacts", [w.entry for w in call], elements)
        return xero.write(resources.CONTACTS, elements, idempotency_key=key)

    def settle(
        self,
        session: Session,
        call: Sequence[Write],
        results: Sequence[ItemResult],
        turn: Turn,
        *,
        worker: str,
        problem: XeroProblem | None = None,
    ) -> None:
        """Settle each entry by its element's outcome (Xero answers elements in the order they were sent)."""
        company_id, tally = turn.company_id, turn.tally
        for write, result in zip(call, results, strict=False):
            contact = session.get(PlatformContact, write.contact_id)
            entity = EntityRef("contact", str(write.contact_id), contact.name if contact else None)
            if result.ok and contact is not None:
                contact.xero_contact_id = result.element.get("ContactID") or contact.xero_contact_id
                # What Xero now holds: the fields just sent (a create sends them all), never values changed since.
                contact.synced_snapshot = (
                    dict(write.fields) if write.create else sent(contact.synced_snapshot, write.fields, answered=True)
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
                    session,
                    write.entry.id,
                    worker=worker,
                    failures=write.entry.failures,
                    error_id=error.id,
                    not_before=clock.now(),
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

    def entity(self, write: Write) -> EntityRef:
        return EntityRef("contact", str(write.contact_id), write.element.get("Name"))


PUSH = ContactPush()


def push_due(hub: Hub, *, worker: str, limit: int | None = None) -> push_tally.Tally:
    """One batch for every organisation with supplier changes due."""
    return turns.push_due(hub, PUSH, worker=worker, limit=limit)


def push_for(hub: Hub, *, worker: str, seconds: float = 1.5, limit: int | None = None) -> push_tally.Tally:
    """Batches until nothing is due or `seconds` pass: one sidecar tick is not capped at one batch."""
    return turns.push_for(hub, PUSH, worker=worker, seconds=seconds, limit=limit)


def push_company(hub: Hub, company_id: int, *, worker: str) -> push_tally.Tally:
    """One company's supplier changes due now (a document push creates missing contacts this way first)."""
    return executor.push_company(hub, PUSH, company_id, worker=worker)


def _unconfirmed(session: Session, contact_id: int, fields: dict[str, Any]) -> None:
    contact = session.get(PlatformContact, contact_id)
    if contact is not None:
        contact.synced_snapshot = sent(contact.synced_snapshot, fields, answered=False)
