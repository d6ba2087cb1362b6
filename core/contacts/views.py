"""What the Contacts & suppliers page lists: one company's contacts, filtered and paged in SQL, and their CSV.

The SQL lives in core.contacts.query; the review lists, the proposals, the import policy and the page's actions live
next door (core.contacts.reviews, core.contacts.proposals, core.contacts.import_policy, core.contacts.actions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import Text, cast, func, select, tuple_
from sqlalchemy.orm import Session

from core import audit
from core.auth import Actor, Permission, require
from core.contacts.query import (
    COLUMNS,
    REAL_XERO_API,
    ContactFilter,
    ContactPage,
    ContactRow,
    linker,
    rows_of,
    where,
)
from core.models.platform import PlatformContact
from core.paging import clamp
from core.text import csv_text

EXPORT_BATCH = 1000


def list_contacts(
    session: Session,
    actor: Actor,
    company_id: int,
    flt: ContactFilter,
    *,
    page: int,
    page_size: int = 50,
    xero_api_url: str = REAL_XERO_API,
) -> ContactPage:
    """One page of the company's contacts matching the filter, by name, and how many match in all."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    clauses = where(company_id, flt)
    total = session.scalar(select(func.count()).select_from(PlatformContact).where(*clauses)) or 0
    page, page_size = clamp(total, page, page_size)
    contacts = session.execute(
        select(*COLUMNS)
        .where(*clauses)
        .order_by(PlatformContact.name, PlatformContact.id)
        .offset((page - 1) * page_size)
        .limit(page_size)
    ).all()
    rows = rows_of(session, company_id, contacts, linker(session, company_id, xero_api_url))
    return ContactPage(rows=rows, total=total, page=page, page_size=page_size)


def _every_row(
    session: Session, company_id: int, flt: ContactFilter, link: Callable[[str | None], str | None]
) -> Iterator[ContactRow]:
    """Every matching row, by name, a batch at a time (keyset paging: as fast for the last batch as the first)."""
    clauses = where(company_id, flt)
    after: tuple[str, int] | None = None
    while True:
        query = select(*COLUMNS).where(*clauses)
        if after is not None:
            name, last_id = after
            query = query.where(tuple_(PlatformContact.name, PlatformContact.id) > tuple_(name, last_id))
        batch = session.execute(query.order_by(PlatformContact.name, PlatformContact.id).limit(EXPORT_BATCH)).all()
        yield from rows_of(session, company_id, batch, link)
        if len(batch) < EXPORT_BATCH:
            return
        after = (batch[-1].name, batch[-1].id)  # memory stays flat however many contacts there are


def export_csv(
    session: Session, actor: Actor, company_id: int, flt: ContactFilter, *, xero_api_url: str = REAL_XERO_API
) -> str:
    """Every contact matching the filter as CSV (text a spreadsheet would run as a formula is defused)."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    header = [
        *("name", "email", "roles", "platform_id", "xero_status", "xero_contact_id", "xero_link"),
        *("last_synced_utc", "pending_change", "open_error", "drift", "groups"),
    ]
    rows = _every_row(session, company_id, flt, linker(session, company_id, xero_api_url))
    return csv_text(header, (_cells(row) for row in rows))


def _cells(row: ContactRow) -> list[str]:
    return [
        row.name,
        row.email or "",
        row.roles,
        row.platform_id or "",
        row.status_label,
        row.xero_contact_id or "",
        row.xero_url or "",
        row.last_synced_at.isoformat(timespec="seconds") if row.last_synced_at else "",
        "yes" if row.pending else "no",
        row.error or "",
        audit.compact(row.drift),
        "; ".join(row.groups),
    ]


def record_export(session: Session, actor: Actor, company_id: int, flt: ContactFilter) -> None:
    """The CSV was downloaded: contact details left the hub, so it is an audited staff action."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    filters = {k: v for k, v in vars(flt).items() if v not in (None, "", False)}
    audit.record(session, actor=actor, action="contacts_exported", company_id=company_id, after=filters or None)


def group_names(session: Session, actor: Actor, company_id: int) -> list[str]:
    """The Xero contact groups the company's contacts belong to, by name."""
    require(actor, Permission.VIEW_COMPANY, company_id)
    c = PlatformContact
    if session.get_bind().dialect.name == "postgresql":
        element = func.json_array_elements_text(c.groups).label("name")
        query = select(element).where(c.company_id == company_id, cast(c.groups, Text) != "[]")
        names = session.scalars(select(query.subquery().c.name).distinct())
    else:
        each = func.json_each(c.groups).table_valued("value")
        names = session.scalars(
            select(each.c.value)
            .select_from(c)
            .join(each, cast(c.groups, Text) != "[]")
            .where(c.company_id == company_id)
            .distinct()
        )
    return sorted({str(n) for n in names if n}, key=str.lower)
