"""The platform's entry points: one function per event, each recording the change and its outbox entry at once.

Every event carries an id; a repeat of the same event returns the first answer and records nothing, a different
event under a used id is refused. The /api routes call the same functions.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core import clock
from core.companies import settings_of
from core.db import Database
from core.failures import Refusal
from core.models.base import Company
from core.models.platform import ApiKey, Origin, PlatformContact, PlatformEvent
from core.platform_api import contacts as platform_contacts
from core.platform_api import documents as platform_documents
from core.platform_api import keys as api_keys
from core.platform_api.checks import EventConflict, PlatformInputError
from core.platform_api.shapes import EVENT_ID, EVENT_TYPE, EVENTS

MAX_ID = 2**63 - 1  # the largest id either database keeps


class UnknownCompany(Refusal):
    status = 404


Handler = Callable[[Session, Company, Any], dict[str, Any]]


def _handlers() -> dict[str, Handler]:
    return {
        "supplier.changed": platform_contacts.supplier_changed,
        "supplier.proposed_update": platform_contacts.supplier_proposed_update,
        "proposal.decided": platform_contacts.proposal_decided,
        "document.issued": platform_documents.document_issued,
        "document.changed": platform_documents.document_changed,
        "document.voided": platform_documents.document_voided,
        "payment.recorded": platform_documents.payment_recorded,
    }


def handle(
    session: Session, *, company_id: int, event_id: Any, kind: Any, data: Any, api_key: ApiKey | None = None
) -> dict[str, Any]:
    """Record one platform event, once: the change, its outbox entry and the event id, in the caller's transaction."""
    EVENT_ID.read(event_id, "event_id")
    EVENT_TYPE.read(kind, "type")
    company = require_company(session, company_id)
    fingerprint = hashlib.sha256(json.dumps([company_id, kind, data], sort_keys=True, default=str).encode()).hexdigest()
    seen = session.scalar(select(PlatformEvent).where(PlatformEvent.event_id == event_id))
    if seen is not None:
        if seen.fingerprint != fingerprint:
            raise EventConflict(f"event_id {event_id!r} was already used for a different event")
        return {**seen.result, "duplicate": True}
    result = _handlers()[kind](session, company, EVENTS[kind].data.read(data, "data"))
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
    """Contacts the hub knows from Xero (imported or linked), changed after the cursor, oldest change first, each
    with its platform id, its Xero ContactID, its roles and who owns its details (the company's setting)."""
    settings = settings_of(require_company(session, company_id))
    query = select(PlatformContact).where(
        PlatformContact.company_id == company_id,
        (PlatformContact.origin == Origin.XERO) | PlatformContact.xero_contact_id.is_not(None),
    )
    if cursor:
        try:
            moment, last_id = cursor.rsplit("_", 1)
            after, after_id = datetime.fromisoformat(moment), int(last_id)
            if after.tzinfo is None or not 0 <= after_id <= MAX_ID:
                raise ValueError(cursor)
            after = after.astimezone(UTC)  # the feed gives UTC; another offset near year 1 or 9999 cannot be held
        except (ValueError, OverflowError):
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
            "owner": "platform" if settings.platform_owns(c.is_supplier) else "xero",
            "archived": c.archived,
            "erased": c.erased_at is not None,  # erased at the contact's request in Xero: details blank, refused
            "version": c.version,
            "changed_at": c.changed_at.isoformat(),
            **c.snapshot(),
        }
        for c in rows
    ]
    next_cursor = f"{rows[-1].changed_at.isoformat()}_{rows[-1].id}" if rows else cursor
    return {"contacts": items, "cursor": next_cursor, "more": len(rows) == limit}


class Unauthorised(Refusal):
    """No live API key came with the request."""

    status = 401

    def __init__(self) -> None:
        super().__init__(
            "Send a live API key as 'Authorization: Bearer hubk_…'. Admins create keys on the API keys page."
        )


def live_key(session: Session, presented_key: str | None, company_id: int, *, write: bool) -> ApiKey:
    """The presented key, live and made to reach this company this way (Unauthorised, OutOfReach otherwise)."""
    api_key = api_keys.authenticate(session, presented_key)
    if api_key is None:
        raise Unauthorised
    api_keys.check_reach(api_key, company_id, write=write)
    return api_key


def authorise(db: Database, *, presented_key: str | None, company_id: int) -> None:
    """Refuse an event without a live API key that may write to this company, or for a company that does not exist,
    before its body is read."""
    if not presented_key:
        raise Unauthorised
    with db.write() as session:
        live_key(session, presented_key, company_id, write=True)
        require_company(session, company_id)


def receive(db: Database, *, presented_key: str | None, company_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """One event from the platform API, in its own transaction; the same event sent twice at once is answered
    as a duplicate, not an error."""
    for attempt in (1, 2):
        try:
            with db.write() as session:
                api_key = live_key(session, presented_key, company_id, write=True)
                return handle(
                    session,
                    company_id=company_id,
                    event_id=body.get("event_id"),
                    kind=body.get("type"),
                    data=body.get("data"),
                    api_key=api_key,
                )
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def read_feed(
    db: Database, *, presented_key: str | None, company_id: int, cursor: str | None, limit: int
) -> dict[str, Any]:
    """The contacts changes feed for a platform presenting its API key."""
    with db.write() as session:  # a write: the key's last use is recorded
        live_key(session, presented_key, company_id, write=False)
        return contacts_feed(session, company_id, cursor=cursor, limit=limit)
