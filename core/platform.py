"""The platform's entry points: one function per event, each recording the change and its outbox entry at once.

Every event carries an id; a repeat of the same event returns the first answer and records nothing, a different
event under a used id is refused. The /api routes call the same functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import clock, outbox
from core.models import Company
from core.models_platform import ApiKey, Origin, PlatformContact, PlatformEvent, ProposalStatus, SupplierProposal
from core.models_sync import Connection, ConnectionState, OutboxState
from core.platform_input import Fields, PlatformInputError, addresses, phones

CONTACT_FIELDS = (
    "name",
    "first_name",
    "last_name",
    "email",
    "phones",
    "addresses",
    "bank_account",
    "tax_number",
    "is_customer",
)
PROPOSABLE = {"email", "phones", "addresses", "bank_account", "tax_number", "first_name", "last_name"}


class UnknownCompany(LookupError):
    status = 404


class EventConflict(ValueError):
    status = 409


def push_state(session: Session, company_id: int) -> tuple[int | None, OutboxState | None]:
    """Where a change goes: queued (connected), held (disconnected), discarded (removed) or nowhere (never linked)."""
    connection = session.scalar(select(Connection).where(Connection.company_id == company_id))
    if connection is None or connection.state is ConnectionState.PENDING_CONFIRMATION:
        return None, None
    state = {ConnectionState.CONNECTED: OutboxState.PENDING, ConnectionState.REMOVED: OutboxState.DISCARDED}.get(
        connection.state, OutboxState.HELD
    )
    return connection.id, state


def queue(
    session: Session,
    company_id: int,
    entity_type: str,
    entity_id: int,
    version: int,
    operation: str,
    payload: dict[str, Any],
) -> str:
    """Put a change in the outbox as the connection's state allows; say what happened to it."""
    connection_id, state = push_state(session, company_id)
    if state is None:
        return "not connected"
    outbox.enqueue(
        session,
        company_id=company_id,
        entity_type=entity_type,
        entity_id=str(entity_id),
        version=version,
        operation=operation,
        payload=payload,
        connection_id=connection_id,
        state=state,
    )
    return {OutboxState.PENDING: "queued", OutboxState.HELD: "held", OutboxState.DISCARDED: "discarded"}[state]


def snapshot(contact: PlatformContact) -> dict[str, Any]:
    return {name: getattr(contact, name) for name in CONTACT_FIELDS}


def _contact_values(fields: Fields) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": fields.text("name", limit=255),
        "first_name": fields.text("first_name", limit=255),
        "last_name": fields.text("last_name", limit=255),
        "email": fields.email("email"),
        "phones": phones(fields),
        "addresses": addresses(fields),
        "bank_account": fields.text("bank_account", limit=255),
        "tax_number": fields.text("tax_number", limit=50),
        "is_customer": fields.flag("is_customer"),
    }
    return {k: v for k, v in values.items() if fields.has(k)}


def apply_contact(session: Session, contact: PlatformContact, values: dict[str, Any]) -> dict[str, Any]:
    """Change a contact; return what changed, and queue the difference from what Xero last had."""
    changed = {k: v for k, v in values.items() if getattr(contact, k) != v}
    if not changed:
        return {}
    for key, value in changed.items():
        setattr(contact, key, value)
    contact.version += 1
    contact.changed_at = clock.now()
    session.flush()
    return changed


def _push_contact(session: Session, contact: PlatformContact) -> str:
    base = contact.synced_snapshot or {}
    payload = {k: v for k, v in snapshot(contact).items() if base.get(k) != v}
    operation = "update" if contact.xero_contact_id else "create"
    return queue(session, contact.company_id, "contact", contact.id, contact.version, operation, payload)


def supplier_changed(session: Session, company: Company, data: Any) -> dict[str, Any]:
    """A supplier was created or edited in the platform (the platform is the source of truth for suppliers)."""
    fields = Fields(data, "data", {"supplier_id", *CONTACT_FIELDS})
    supplier_id = fields.text("supplier_id", limit=64, required=True)
    contact = session.scalar(
        select(PlatformContact).where(
            PlatformContact.company_id == company.id, PlatformContact.platform_id == supplier_id
        )
    )
    values = _contact_values(fields)
    if contact is None:
        if not values.get("name"):
            raise PlatformInputError("data.name", "is required for a new supplier")
        now = clock.now()
        contact = PlatformContact(
            company_id=company.id,
            platform_id=supplier_id,
            origin=Origin.PLATFORM,
            name=values["name"],
            phones=[],
            addresses=[],
            is_supplier=True,
            version=0,
            created_at=now,
            changed_at=now,
        )
        session.add(contact)
    elif "name" in values and not values["name"]:
        raise PlatformInputError("data.name", "cannot be emptied")
    contact.is_supplier = True
    changed = apply_contact(session, contact, values)
    outcome = _push_contact(session, contact) if changed else "unchanged"
    return {
        "entity": "contact",
        "id": contact.id,
        "version": contact.version,
        "changed": sorted(changed),
        "sync": outcome,
    }


def _supplier(session: Session, company: Company, field: str, supplier_id: str | None) -> PlatformContact:
    contact = session.scalar(
        select(PlatformContact).where(
            PlatformContact.company_id == company.id, PlatformContact.platform_id == supplier_id
        )
    )
    if contact is None or not contact.is_supplier:
        raise PlatformInputError(field, f"no supplier {supplier_id!r} in this company; send supplier.changed first")
    return contact


def supplier_proposed_update(session: Session, company: Company, data: Any) -> dict[str, Any]:
    """A supplier proposed new details for itself; they wait for a finance user to review the difference."""
    fields = Fields(data, "data", {"proposal_id", "supplier_id", "changes"})
    proposal_id = fields.text("proposal_id", limit=64, required=True) or ""
    contact = _supplier(session, company, "data.supplier_id", fields.text("supplier_id", limit=64, required=True))
    changes = _contact_values(Fields(data.get("changes"), "data.changes", PROPOSABLE))
    if not changes:
        raise PlatformInputError("data.changes", "must propose at least one change")
    proposal = SupplierProposal(
        company_id=company.id,
        contact_id=contact.id,
        platform_id=proposal_id,
        proposed=changes,
        submitted_at=clock.now(),
    )
    session.add(proposal)
    session.flush()
    return {"entity": "proposal", "id": proposal.id, "status": proposal.status.value}


def decide_proposal(
    session: Session, proposal: SupplierProposal, *, accept: bool, decided_by_user_id: int | None = None
) -> dict[str, Any]:
    """Accept (the details change and sync) or reject a pending proposal."""
    if proposal.status is not ProposalStatus.PENDING:
        raise EventConflict(f"proposal {proposal.platform_id} was already {proposal.status.value}")
    proposal.status = ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED
    proposal.decided_at, proposal.decided_by_user_id = clock.now(), decided_by_user_id
    result: dict[str, Any] = {"entity": "proposal", "id": proposal.id, "status": proposal.status.value}
    if accept:
        contact = session.get(PlatformContact, proposal.contact_id)
        assert contact is not None
        changed = apply_contact(session, contact, dict(proposal.proposed))
        result |= {
            "contact_id": contact.id,
            "changed": sorted(changed),
            "sync": _push_contact(session, contact) if changed else "unchanged",
        }
    return result


def proposal_decided(session: Session, company: Company, data: Any) -> dict[str, Any]:
    """The platform reports a finance user's decision on a proposal."""
    fields = Fields(data, "data", {"proposal_id", "decision"})
    proposal_id = fields.text("proposal_id", limit=64, required=True)
    decision = fields.text("decision", limit=10, required=True)
    if decision not in ("accepted", "rejected"):
        raise PlatformInputError("data.decision", "must be accepted or rejected")
    proposal = session.scalar(
        select(SupplierProposal).where(
            SupplierProposal.company_id == company.id, SupplierProposal.platform_id == proposal_id
        )
    )
    if proposal is None:
        raise PlatformInputError("data.proposal_id", f"no proposal {proposal_id!r} in this company")
    return decide_proposal(session, proposal, accept=decision == "accepted")


Handler = Callable[[Session, Company, Any], dict[str, Any]]


def _handlers() -> dict[str, Handler]:
    from core import platform_documents

    return {
        "supplier.changed": supplier_changed,
        "supplier.proposed_update": supplier_proposed_update,
        "proposal.decided": proposal_decided,
        "document.issued": platform_documents.document_issued,
        "document.changed": platform_documents.document_changed,
        "document.voided": platform_documents.document_voided,
        "payment.recorded": platform_documents.payment_recorded,
    }


EVENT_KINDS = (
    "supplier.changed",
    "supplier.proposed_update",
    "proposal.decided",
    "document.issued",
    "document.changed",
    "document.voided",
    "payment.recorded",
)


def handle(
    session: Session, *, company_id: int, event_id: Any, kind: Any, data: Any, api_key: ApiKey | None = None
) -> dict[str, Any]:
    """Record one platform event, once: the change, its outbox entry and the event id, in the caller's transaction."""
    if not isinstance(event_id, str) or not event_id.strip() or len(event_id) > 128:
        raise PlatformInputError("event_id", "is required: a unique id of up to 128 characters for this event")
    handlers = _handlers()
    if kind not in handlers:
        raise PlatformInputError("type", f"must be one of {', '.join(EVENT_KINDS)}")
    company = require_company(session, company_id)
    fingerprint = hashlib.sha256(json.dumps([company_id, kind, data], sort_keys=True, default=str).encode()).hexdigest()
    seen = session.scalar(select(PlatformEvent).where(PlatformEvent.event_id == event_id))
    if seen is not None:
        if seen.fingerprint != fingerprint:
            raise EventConflict(f"event_id {event_id!r} was already used for a different event")
        return {**seen.result, "duplicate": True}
    result = handlers[kind](session, company, data)
    session.add(
        PlatformEvent(
            event_id=event_id,
            kind=kind,
            company_id=company_id,
            fingerprint=fingerprint,
            result=result,
            api_key_id=api_key.id if api_key else None,
            received_at=clock.now(),
        )
    )
    session.flush()
    return {**result, "duplicate": False}


def require_company(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise UnknownCompany(f"No company has the id {company_id}.")
    return company


def contacts_feed(session: Session, company_id: int, *, cursor: str | None, limit: int = 100) -> dict[str, Any]:
    """Contacts the hub knows from Xero (imported or linked), changed after the cursor, oldest change first."""
    require_company(session, company_id)
    query = select(PlatformContact).where(
        PlatformContact.company_id == company_id,
        (PlatformContact.origin == Origin.XERO) | PlatformContact.xero_contact_id.is_not(None),
    )
    if cursor:
        try:
            moment, last_id = cursor.rsplit("_", 1)
            after, after_id = datetime.fromisoformat(moment), int(last_id)
        except ValueError:
            raise PlatformInputError("cursor", "is not a cursor this feed gave out") from None
        query = query.where(
            (PlatformContact.changed_at > after)
            | ((PlatformContact.changed_at == after) & (PlatformContact.id > after_id))
        )
    rows = list(session.scalars(query.order_by(PlatformContact.changed_at, PlatformContact.id).limit(limit)))
    items = [
        {
            "id": c.id,
            "platform_id": c.platform_id,
            "xero_contact_id": c.xero_contact_id,
            "origin": c.origin.value,
            "is_supplier": c.is_supplier,
            "is_customer": c.is_customer,
            "archived": c.archived,
            "version": c.version,
            "changed_at": c.changed_at.isoformat(),
            **snapshot(c),
        }
        for c in rows
    ]
    next_cursor = f"{rows[-1].changed_at.isoformat()}_{rows[-1].id}" if rows else cursor
    return {"contacts": items, "cursor": next_cursor, "more": len(rows) == limit}
