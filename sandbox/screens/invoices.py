"""The invoices and bills list, and what the contact and document screens share about documents."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response

from sandbox import records
from sandbox.records import Record
from sandbox.screens.base import (
    PAGE_SIZE,
    Org,
    Req,
    badge,
    day,
    esc,
    html,
    money,
    options,
    org_of,
    org_url,
    page_number,
    pager,
)
from sandbox.store import Store, loads

KIND = "Invoice"
TYPES = (("", "Invoices and bills"), ("ACCREC", "Sales invoices"), ("ACCPAY", "Bills"))
# Status -> the words and colour of Xero's own screens.
STATUSES = {
    "DRAFT": ("Draft", "grey"),
    "SUBMITTED": ("Awaiting approval", "amber"),
    "AUTHORISED": ("Awaiting payment", "blue"),
    "PAID": ("Paid", "green"),
    "VOIDED": ("Voided", "red"),
    "DELETED": ("Deleted", "grey"),
}
UNAVAILABLE = "arrives with documents"
_MS = re.compile(r"/Date\((-?\d+)")


def _date_ms(value: Any) -> int:
    found = _MS.match(str(value or ""))
    return int(found.group(1)) if found else 0


def invoices_of(store: Store, tenant_id: str, *, contact_id: str | None = None) -> list[Record]:
    """The organisation's invoices and bills, newest first (optionally one contact's)."""
    sql = "SELECT id, updated_ms, status, data FROM records WHERE tenant_id = ? AND kind = ?"
    params: tuple[str, ...] = (tenant_id, KIND)
    if contact_id:
        sql += " AND lower(json_extract(data, '$.Contact.ContactID')) = ?"
        params += (contact_id.lower(),)
    found = [Record(r["id"], r["updated_ms"], r["status"], loads(r["data"])) for r in store.rows(sql, params)]
    found.sort(key=lambda r: (_date_ms(r.data.get("Date")), str(r.data.get("InvoiceNumber") or "")), reverse=True)
    return found


def is_bill(data: dict[str, Any]) -> bool:
    return data.get("Type") == "ACCPAY"


def title_of(data: dict[str, Any]) -> str:
    number = data.get("InvoiceNumber") or data.get("Reference") or ""
    return f"{'Bill' if is_bill(data) else 'Invoice'} {number}".strip()


def status_badge(data: dict[str, Any], testid: str = "") -> str:
    status = str(data.get("Status") or "")
    words, colour = STATUSES.get(status, (status.title(), "grey"))
    attr = f' data-status="{esc(status)}"'
    return badge(words, colour, testid).replace("<span ", f"<span{attr} ", 1)


def invoice_table(org: Org, found: list[Record]) -> str:
    rows = "".join(
        f'<tr data-testid="invoice-row" data-invoice-id="{esc(r.id)}">'
        f'<td><a href="{org_url(org, "invoices", r.id)}" data-testid="invoice-link">'
        f"{esc(r.data.get('InvoiceNumber') or '(no number)')}</a></td>"
        f"<td>{badge('Bill', 'amber') if is_bill(r.data) else badge('Invoice', 'blue')}</td>"
        f"<td>{esc((r.data.get('Contact') or {}).get('Name'))}</td><td>{esc(day(r.data.get('Date')))}</td>"
        f"<td>{esc(day(r.data.get('DueDate')))}</td>"
        f'<td class="num">{money(r.data.get("Total"), str(r.data.get("CurrencyCode") or ""))}</td>'
        f'<td class="num">{money(r.data.get("AmountDue"), str(r.data.get("CurrencyCode") or ""))}</td>'
        f"<td>{status_badge(r.data)}</td></tr>"
        for r in found
    )
    return (
        '<table data-testid="invoices-table"><thead><tr><th>Number</th><th>Type</th><th>Contact</th><th>Date</th>'
        f'<th>Due</th><th class="num">Total</th><th class="num">Due now</th><th>Status</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def list_page(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    kind, status = req.query.get("type", ""), req.query.get("status", "")
    text, contact = req.query.get("q", "").strip().lower(), req.query.get("contact", "").strip().lower()
    everything = invoices_of(store, org.tenant_id, contact_id=contact or None)

    def wanted(data: dict[str, Any]) -> bool:
        searched = (data.get("InvoiceNumber"), data.get("Reference"), (data.get("Contact") or {}).get("Name"))
        return (
            (not kind or data.get("Type") == kind)
            and (not status or data.get("Status") == status)
            and (not text or any(text in str(v or "").lower() for v in searched))
        )

    found = [r for r in everything if wanted(r.data)]
    page = page_number(req, len(found))
    shown = found[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    if not records.listing(store, org.tenant_id, KIND, page=1, page_size=1).total:
        listing = (
            '<div class="empty" data-testid="empty">This organisation has no invoices or bills yet. '
            "They appear here as soon as an app (or the seed) creates them.</div>"
        )
    elif not found:
        listing = '<div class="empty" data-testid="empty">No invoices or bills match.</div>'
    else:
        listing = invoice_table(org, shown) + pager(req, page, len(found), org_url(org, "invoices"))
    statuses = [("", "Any status"), *((k, words) for k, (words, _) in STATUSES.items())]
    body = (
        "<h1>Invoices and bills</h1>"
        f'<form method="get" action="{org_url(org, "invoices")}" class="toolbar" role="search">'
        f'<div><label for="q">Search number, reference or contact</label><input type="search" id="q" name="q" '
        f'value="{esc(req.query.get("q", ""))}" size="28" data-testid="invoice-search"></div>'
        f'<div><label for="type">Type</label><select id="type" name="type">{options(TYPES, kind)}</select></div>'
        f'<div><label for="status">Status</label><select id="status" name="status">{options(statuses, status)}'
        "</select></div>"
        + (f'<input type="hidden" name="contact" value="{esc(contact)}">' if contact else "")
        + '<div><button class="primary" type="submit">Search</button></div></form>'
        + listing
    )
    return html("Invoices and bills", body, req=req, org=org, section="invoices")
