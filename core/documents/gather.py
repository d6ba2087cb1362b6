"""Document push, gathering: what the hub knows about the claimed documents, their contacts, and the mappings and
reference data their lines need — read once per batch (each distinct category and tax rate resolved once)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.documents.plan import DocumentFacts
from core.documents.preflight import ContactFacts, Lookups
from core.mappings import reference
from core.mappings import store as mappings
from core.mappings.reference import Reference, TrackingOption
from core.mappings.store import Problem, Resolved
from core.models.mappings import MappingKind
from core.models.platform import DocumentKind, PlatformContact, PlatformDocument
from core.models.sync import OutboxEntry, OutboxState
from core.sync import outbox
from core.sync.outbox import Claimed
from core.sync.queue import push_state

WAITING = (OutboxState.PENDING, OutboxState.LEASED, OutboxState.HELD)


def usable(ref: Reference, dimension: str, value: str, found: Resolved | Problem) -> TrackingOption | Problem:
    """The tracking option a mapped dimension value goes to, or why it cannot: the option is gone from Xero or
    archived there (checked against the last reference data, as the watchdog does, before Xero refuses it)."""
    if isinstance(found, Problem):
        return found
    option = ref.option(found.target)
    where = "Pick another option for it on the Mappings page (Tracking)"
    if option is None:
        return Problem(
            "mapping_stale",
            f"The {dimension} {value!r} maps to a tracking option that is no longer in Xero (deleted there). {where}.",
        )
    if not option.active:
        return Problem(
            "mapping_stale",
            f"The {dimension} {value!r} maps to Xero's tracking option {option.label}, which is {option.state} in "
            f"Xero, and Xero refuses it on new lines. {where}, or restore the option in Xero and refresh.",
        )
    return option


def _lookups(session: Session, company_id: int, kinds: dict[int, DocumentKind], entries: list[Claimed]) -> Lookups:
    accounts: dict[tuple[str, str], Resolved | Problem] = {}
    taxes: dict[tuple[str, str, str], Resolved | Problem] = {}
    tracking: dict[tuple[str, str], Resolved | Problem] = {}
    for entry in entries:
        kind = kinds.get(int(entry.entity_id)) if entry.entity_id.isdigit() else None
        if kind is None or entry.operation == "void":
            continue
        for line in entry.payload.get("lines") or []:
            category, rate = str(line.get("category") or ""), str(line.get("tax_rate") or "")
            if (kind.value, category) not in accounts:
                accounts[(kind.value, category)] = mappings.resolve(
                    session, company_id, MappingKind.ACCOUNT, document_kind=kind, category=category
                )
            if (kind.value, rate, category) not in taxes:
                taxes[(kind.value, rate, category)] = mappings.resolve(
                    session, company_id, MappingKind.TAX, document_kind=kind, tax_rate=rate, category=category
                )
            for dimension, value in (line.get("tracking") or {}).items():
                if (dimension, value) not in tracking:
                    tracking[(dimension, value)] = mappings.resolve(
                        session, company_id, MappingKind.TRACKING, dimension=dimension, value=value
                    )
    ref = reference.load(session, company_id)
    return Lookups(
        accounts=accounts,
        taxes=taxes,
        rates={t.tax_type: t.effective_rate for t in ref.tax_types},
        currencies=frozenset(ref.currencies),
        ready=ref.fetched_at is not None,
        tracking={key: usable(ref, *key, found) for key, found in tracking.items()},
    )


def gather(session: Session, company_id: int, entries: list[Claimed]) -> tuple[dict[int, DocumentFacts], Lookups]:
    """The facts the plan needs for these entries."""
    ids = [int(e.entity_id) for e in entries if e.entity_id.isdigit()]
    documents = list(
        session.scalars(
            select(PlatformDocument).where(PlatformDocument.company_id == company_id, PlatformDocument.id.in_(ids))
        )
    )
    contact_ids = {d.contact_id for d in documents}
    contacts = {c.id: c for c in session.scalars(select(PlatformContact).where(PlatformContact.id.in_(contact_ids)))}
    unlinked = [str(c.id) for c in contacts.values() if c.xero_contact_id is None]
    failed = set(
        session.scalars(
            select(OutboxEntry.entity_id).where(
                OutboxEntry.company_id == company_id,
                OutboxEntry.entity_type == "contact",
                OutboxEntry.entity_id.in_(unlinked),
                OutboxEntry.state == OutboxState.FAILED,
            )
        )
    ) if unlinked else set()  # fmt: skip
    facts = {}
    for doc in documents:
        contact = contacts[doc.contact_id]
        facts[doc.id] = DocumentFacts(
            document_id=doc.id,
            kind=doc.kind,
            number=doc.number,
            issue_date=doc.issue_date,
            xero_id=doc.xero_id,
            xero_status=doc.xero_status,
            amount_paid=doc.amount_paid,
            voided=doc.voided,
            uncertain=doc.uncertain_since is not None,
            contact=ContactFacts(
                contact.id, contact.name, contact.xero_contact_id, contact.xero_status, str(contact.id) in failed
            ),
        )
    return facts, _lookups(session, company_id, {d.id: d.kind for d in documents}, entries)


def need_contacts(session: Session, company_id: int, contact_ids: list[int]) -> int:
    """Queue a create for each contact not in Xero and not already waiting to be sent; return how many."""
    waiting = set(
        session.scalars(
            select(OutboxEntry.entity_id).where(
                OutboxEntry.company_id == company_id,
                OutboxEntry.entity_type == "contact",
                OutboxEntry.entity_id.in_([str(c) for c in contact_ids]),
                OutboxEntry.state.in_(WAITING),
            )
        )
    )
    connection_id, state = push_state(session, company_id)
    queued = 0
    for contact in session.scalars(select(PlatformContact).where(PlatformContact.id.in_(contact_ids))):
        if contact.xero_contact_id is not None or str(contact.id) in waiting or state is None:
            continue
        key = outbox.idempotency_key("contact", str(contact.id), contact.version)
        if session.scalar(select(OutboxEntry.id).where(OutboxEntry.idempotency_key == key)) is not None:
            contact.version += 1  # an earlier create of this version ended (discarded): this one is new
        outbox.enqueue(
            session,
            company_id=company_id,
            entity_type="contact",
            entity_id=str(contact.id),
            version=contact.version,
            operation="create",
            payload=contact.snapshot(),
            connection_id=connection_id,
            state=state,
        )
        queued += 1
    return queued
