"""A write to Xero timed out: before any retry the documents are looked up in Xero, and one found there is adopted
instead of being written again (never a duplicate). Sales documents are found by number (unique in Xero); bills
and supplier credit notes by number, contact and date, since suppliers' numbers are not unique.

One call per resource for a whole batch: invoices and bills by InvoiceNumbers=, credit notes by a where clause.
"""

from __future__ import annotations

from typing import Any, Protocol

from core.documents.plan import SALES_KINDS, Write, id_field, number_field
from core.xero import resources

CHUNK = 40  # numbers per lookup call: the query string stays short


class Lister(Protocol):
    def list(self, resource: resources.Resource, **options: Any) -> list[dict[str, Any]]: ...


def _day(record: dict[str, Any]) -> str:
    """The document date as YYYY-MM-DD, from DateString (or the date part of Date when it is ISO)."""
    text = str(record.get("DateString") or record.get("Date") or "")
    return text[:10]


def matches(write: Write, record: dict[str, Any]) -> bool:
    """Whether the Xero record is the document this write created (pure)."""
    if record.get("Status") == "DELETED" or record.get("Type") != write.kind.xero_type:
        return False
    if str(record.get(number_field(write.kind)) or "") != write.number:
        return False
    if write.kind in SALES_KINDS:
        return True
    contact = (record.get("Contact") or {}).get("ContactID")
    return contact == write.contact_xero_id and _day(record) == write.issue_date.isoformat()


def _quoted(number: str) -> str:
    return number.replace('"', "")


def _candidates(xero: Lister, resource: resources.Resource, numbers: list[str]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for start in range(0, len(numbers), CHUNK):
        chunk = numbers[start : start + CHUNK]
        if resource is resources.INVOICES:
            found += xero.list(resource, params={"InvoiceNumbers": ",".join(chunk)})
        else:
            where = " OR ".join(f'CreditNoteNumber=="{_quoted(n)}"' for n in chunk)
            found += xero.list(resource, where=where)
    return found


def find(xero: Lister, writes: list[Write]) -> dict[int, dict[str, Any]]:
    """The Xero record of each write found in Xero, by outbox entry id (writes not found are left out)."""
    adopted: dict[int, dict[str, Any]] = {}
    for resource in (resources.INVOICES, resources.CREDIT_NOTES):
        mine = [w for w in writes if w.resource is resource]
        if not mine:
            continue
        records = _candidates(xero, resource, sorted({w.number for w in mine if w.number}))
        taken: set[str] = set()
        for write in mine:
            hit = next(
                (r for r in records if r.get(id_field(write.kind)) not in taken and matches(write, r)),
                None,
            )
            if hit is not None:
                taken.add(str(hit.get(id_field(write.kind))))
                adopted[write.entry.id] = hit
    return adopted
