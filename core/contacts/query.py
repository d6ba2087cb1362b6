"""The SQL behind the Contacts & suppliers list: the filter as WHERE clauses (on both databases), and the rows
with what waits in the outbox and the open sync errors, looked up for one page at a time."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, String, Text, and_, cast, exists, func, not_, or_, select
from sqlalchemy.orm import Session

from core.contacts.actions import ContactError
from core.contacts.erasure import GDPR_NOTE, GDPR_STATUS, OFFBOARDED_NOTE
from core.mappings import organisation
from core.models.platform import PlatformContact
from core.models.sync import ErrorStatus, OutboxEntry, OutboxState, SyncError
from core.paging import Page
from core.sync.causes import CAUSES
from core.xero import links

# Filter values, with the words the page shows. A contact that is both is a supplier and a customer (as in Xero).
ROLES = {"supplier": "Suppliers", "customer": "Customers", "both": "Both supplier and customer", "neither": "Neither"}
STATUSES = {
    "linked_active": "Linked to Xero",
    "linked_archived": "Archived in Xero",
    "not_linked": "Not linked to Xero",
    "outside_policy": "Outside the import policy",
    "erased": GDPR_NOTE,
    "erased_offboarding": OFFBOARDED_NOTE,
}
SYNC_STATES = {"pending": "Change waiting to be sent", "error": "Sync error open", "synced": "Synced"}
PENDING = (OutboxState.PENDING, OutboxState.LEASED, OutboxState.HELD)
OPEN = (ErrorStatus.OPEN, ErrorStatus.RETRYING)
REAL_XERO_API = "https://api.xero.com"


@dataclass(frozen=True)
class ContactFilter:
    """What the page asks for; every field is optional (empty means no filter)."""

    text: str = ""  # in the name or email, any case
    role: str | None = None  # a key of ROLES
    status: str | None = None  # a key of STATUSES
    sync: str | None = None  # a key of SYNC_STATES
    drift_only: bool = False
    group: str | None = None  # a Xero contact group name


@dataclass(frozen=True)
class ContactRow:
    id: int
    name: str
    email: str | None
    platform_id: str | None
    is_supplier: bool
    is_customer: bool
    status: str  # a key of STATUSES
    xero_contact_id: str | None
    xero_url: str | None
    last_synced_at: datetime | None
    pending: bool
    error: str | None  # the open sync error's title
    drift: dict[str, Any] = field(default_factory=dict)  # {field: Xero's value}
    groups: tuple[str, ...] = ()

    @property
    def roles(self) -> str:
        if self.is_supplier and self.is_customer:
            return "Supplier and customer"
        return "Supplier" if self.is_supplier else "Customer" if self.is_customer else "—"

    @property
    def status_label(self) -> str:
        return STATUSES[self.status]


ContactPage = Page[ContactRow]


def _pending(company_id: int) -> ColumnElement[bool]:
    return exists().where(
        OutboxEntry.company_id == company_id,
        OutboxEntry.entity_type == "contact",
        OutboxEntry.entity_id == cast(PlatformContact.id, String),
        OutboxEntry.state.in_(PENDING),
    )


def _erring(company_id: int) -> ColumnElement[bool]:
    return exists().where(
        SyncError.company_id == company_id,
        SyncError.entity_type == "contact",
        SyncError.entity_id == cast(PlatformContact.id, String),
        SyncError.status.in_(OPEN),
    )


def in_group(group: str) -> ColumnElement[bool]:
    """The contact's groups (a JSON list) hold this name: matched on the JSON text, so it works on both databases."""
    text = cast(PlatformContact.groups, Text)
    needles = {json.dumps(group), json.dumps(group, ensure_ascii=False)}
    return or_(*(text.contains(n, autoescape=True) for n in needles))


def where(company_id: int, flt: ContactFilter) -> list[ColumnElement[bool]]:
    c = PlatformContact
    linked = c.xero_contact_id.is_not(None)
    archived = and_(c.xero_status == "ARCHIVED", c.erased_at.is_(None))
    active = and_(or_(c.xero_status.is_(None), c.xero_status != "ARCHIVED"), c.erased_at.is_(None))
    clauses: list[ColumnElement[bool]] = [c.company_id == company_id]
    needle = flt.text.strip().lower()
    if needle:
        clauses.append(
            or_(
                func.lower(c.name).contains(needle, autoescape=True),
                func.lower(c.email).contains(needle, autoescape=True),
            )
        )
    roles = {
        "supplier": c.is_supplier,
        "customer": c.is_customer,
        "both": and_(c.is_supplier, c.is_customer),
        "neither": and_(not_(c.is_supplier), not_(c.is_customer)),
    }
    statuses = {
        "linked_active": and_(linked, active, not_(c.outside_policy)),
        "linked_archived": and_(linked, archived),
        "not_linked": and_(c.xero_contact_id.is_(None), c.erased_at.is_(None)),
        "outside_policy": and_(linked, active, c.outside_policy),
        "erased": and_(c.erased_at.is_not(None), c.xero_status == GDPR_STATUS),
        "erased_offboarding": and_(
            c.erased_at.is_not(None), or_(c.xero_status.is_(None), c.xero_status != GDPR_STATUS)
        ),
    }
    syncs = {
        "pending": _pending(company_id),
        "error": _erring(company_id),
        "synced": and_(linked, ~_pending(company_id), ~_erring(company_id)),
    }
    for name, value, options in (
        ("role", flt.role, roles),
        ("status", flt.status, statuses),
        ("sync", flt.sync, syncs),
    ):
        if value and value not in options:
            raise ContactError(f"There is no {name} filter {value!r}; pick one of {', '.join(options)}.")
        if value:
            clauses.append(options[value])
    if flt.drift_only:
        clauses.append(and_(c.drift.is_not(None), cast(c.drift, Text).not_in(["null", "{}"])))
    if flt.group:
        clauses.append(in_group(flt.group))
    return clauses


_c = PlatformContact
# Only what a row shows: a page (or an export batch) never loads phones, addresses or snapshots it does not show.
COLUMNS = (_c.id, _c.name, _c.email, _c.platform_id, _c.is_supplier, _c.is_customer, _c.xero_contact_id)
COLUMNS += (_c.xero_status, _c.outside_policy, _c.last_synced_at, _c.drift, _c.groups, _c.erased_at)


def _status(contact: Any) -> str:
    if contact.erased_at is not None:
        return "erased" if contact.xero_status == GDPR_STATUS else "erased_offboarding"
    if contact.xero_contact_id is None:
        return "not_linked"
    if contact.xero_status == "ARCHIVED":
        return "linked_archived"
    return "outside_policy" if contact.outside_policy else "linked_active"


def rows_of(
    session: Session, company_id: int, contacts: Sequence[Any], link: Callable[[str | None], str | None]
) -> list[ContactRow]:
    """Rows for these contacts (selected as COLUMNS), with what waits in the outbox and the open errors."""
    keys = [str(c.id) for c in contacts]
    waiting = set(
        session.scalars(
            select(OutboxEntry.entity_id).where(
                OutboxEntry.company_id == company_id,
                OutboxEntry.entity_type == "contact",
                OutboxEntry.entity_id.in_(keys),
                OutboxEntry.state.in_(PENDING),
            )
        )
    )
    errors: dict[str, str] = {}
    for entity_id, cause in session.execute(
        select(SyncError.entity_id, SyncError.cause)
        .where(
            SyncError.company_id == company_id,
            SyncError.entity_type == "contact",
            SyncError.entity_id.in_(keys),
            SyncError.status.in_(OPEN),
        )
        .order_by(SyncError.last_seen_at.desc())
    ):
        known = CAUSES.get(cause)
        errors.setdefault(str(entity_id), known.title if known else cause)
    return [
        ContactRow(
            id=c.id,
            name=c.name,
            email=c.email,
            platform_id=c.platform_id,
            is_supplier=c.is_supplier,
            is_customer=c.is_customer,
            status=_status(c),
            xero_contact_id=c.xero_contact_id,
            xero_url=link(c.xero_contact_id),
            last_synced_at=c.last_synced_at,
            pending=str(c.id) in waiting,
            error=errors.get(str(c.id)),
            drift=dict(c.drift or {}),
            groups=tuple(c.groups or ()),
        )
        for c in contacts
    ]


def linker(session: Session, company_id: int, xero_api_url: str) -> Callable[[str | None], str | None]:
    """Where each of the company's contacts opens in Xero."""
    org = organisation.of_company(session, company_id, xero_api_url)
    return lambda xero_id: links.contact(org, xero_id)
