"""The contacts screens: a searchable, paged list and one contact's details with its actions."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from sandbox import records
from sandbox.records import Record
from sandbox.screens.base import (
    PAGE_SIZE,
    NotFound,
    Org,
    Req,
    badge,
    definitions,
    esc,
    html,
    money,
    options,
    org_of,
    org_url,
    page_number,
    pager,
    shown,
    utc,
)
from sandbox.screens.invoices import invoice_table, invoices_of
from sandbox.store import Store

KIND = "Contact"
SHOW = (("active", "Active"), ("archived", "Archived"), ("all", "All"))
MERGE_CHOICES = 1000  # a select longer than this is no use to a person; big organisations show the first ones


def contact_of(store: Store, org: Org, contact_id: str) -> Record:
    """The contact in the URL, or a 404 page."""
    found = records.get(store, org.tenant_id, KIND, contact_id)
    if found is None:
        raise NotFound("There is no contact with that id in this organisation.")
    return found


def status_badge(record: Record, testid: str = "") -> str:
    if record.data.get("MergedToContactID"):
        return badge("Merged", "amber", testid)
    return badge("Active", "green", testid) if record.status == "ACTIVE" else badge("Archived", "grey", testid)


def kind_badges(data: dict[str, Any]) -> str:
    supplier = badge("Supplier", "blue") if data.get("IsSupplier") else ""
    return supplier + (badge("Customer", "green") if data.get("IsCustomer") else "")


def phone_text(phone: dict[str, Any]) -> str:
    country = str(phone.get("PhoneCountryCode") or "").strip()
    parts = [f"+{country.lstrip('+')}" if country else "", phone.get("PhoneAreaCode"), phone.get("PhoneNumber")]
    return " ".join(str(p).strip() for p in parts if p and str(p).strip()) if phone.get("PhoneNumber") else ""


def main_phone(data: dict[str, Any]) -> str:
    phones = {p.get("PhoneType"): phone_text(p) for p in data.get("Phones") or []}
    return next((phones[t] for t in ("DEFAULT", "MOBILE", "DDI", "OFFICE") if phones.get(t)), "")


def _like(text: str) -> str:
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(store: Store, req: Req, tenant_id: str, text: str, show: str) -> tuple[list[Record], int, int]:
    """A page of contacts by name, matching name or email case-insensitively (SQL, so big organisations stay fast)."""
    where, params = ["tenant_id = ?", "kind = ?"], [tenant_id, KIND]
    if show != "all":
        where.append("status = ?")
        params.append("ACTIVE" if show == "active" else "ARCHIVED")
    if text:
        where.append(
            "(name LIKE ? ESCAPE '\\' OR lower(coalesce(json_extract(data, '$.EmailAddress'), '')) LIKE ? ESCAPE '\\')"
        )
        params += [_like(text), _like(text)]
    clause = " AND ".join(where)
    total = int(store.row(f"SELECT count(*) AS n FROM records WHERE {clause}", tuple(params))["n"])
    page = page_number(req, total)
    rows = store.rows(
        f"SELECT id, updated_ms, status, data FROM records WHERE {clause} ORDER BY name, id LIMIT ? OFFSET ?",
        (*params, PAGE_SIZE, (page - 1) * PAGE_SIZE),
    )
    found = [records.Record(r["id"], r["updated_ms"], r["status"], records.loads(r["data"])) for r in rows]
    return found, total, page


def list_page(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    text = req.query.get("q", "").strip()
    show = req.query.get("status", "active")
    show = show if show in dict(SHOW) else "active"
    found, total, page = search(store, req, org.tenant_id, text, show)
    rows = "".join(
        f'<tr data-testid="contact-row" data-contact-id="{esc(r.id)}">'
        f'<td><a href="{org_url(org, "contacts", r.id)}" data-testid="contact-link">{esc(r.data.get("Name"))}</a></td>'
        f"<td>{esc(r.data.get('EmailAddress'))}</td><td>{esc(main_phone(r.data))}</td>"
        f"<td>{kind_badges(r.data)}</td><td>{status_badge(r)}</td></tr>"
        for r in found
    )
    table = (
        '<table data-testid="contacts-table"><thead><tr><th>Name</th><th>Email</th><th>Phone</th><th>Type</th>'
        f"<th>Status</th></tr></thead><tbody>{rows}</tbody></table>"
        if rows
        else '<div class="empty" data-testid="empty">No contacts match.</div>'
    )
    body = (
        "<h1>Contacts</h1>"
        f'<form method="get" action="{org_url(org, "contacts")}" class="toolbar" role="search">'
        f'<div><label for="q">Search by name or email</label><input type="search" id="q" name="q" '
        f'value="{esc(text)}" size="32" data-testid="contact-search"></div>'
        f'<div><label for="status">Show</label><select id="status" name="status" data-testid="contact-filter">'
        f"{options(SHOW, show)}</select></div>"
        '<div><button class="primary" type="submit" data-testid="contact-search-submit">Search</button></div></form>'
        f"{table}{pager(req, page, total, org_url(org, 'contacts'))}"
    )
    return html("Contacts", body, req=req, org=org, section="contacts")


def _address(address: dict[str, Any]) -> str:
    lines = [address.get(f"AddressLine{i}") for i in range(1, 5)]
    lines.append(" ".join(str(address.get(k) or "") for k in ("City", "Region", "PostalCode")).strip())
    lines += [address.get("Country"), f"Attention: {address['AttentionTo']}" if address.get("AttentionTo") else ""]
    return "<br>".join(esc(line) for line in lines if line)


def _groups(store: Store, org: Org, record: Record) -> list[str]:
    names = {str(g.get("Name")) for g in record.data.get("ContactGroups") or [] if g.get("Name")}
    for group in records.listing(store, org.tenant_id, "ContactGroup", statuses=("ACTIVE",)).records:
        if record.id in group.data.get("_members", []):
            names.add(str(group.data.get("Name", "")))
    return sorted(n for n in names if n)


def _merge_form(store: Store, org: Org, record: Record) -> str:
    others = [
        r
        for r in records.listing(
            store, org.tenant_id, KIND, statuses=("ACTIVE",), order=[(["Name"], False)], page=1, page_size=MERGE_CHOICES
        ).records
        if r.id != record.id
    ]
    choices = options([("", "Choose a contact…"), *((r.id, str(r.data.get("Name", ""))) for r in others)], "")
    return (
        f'<form method="get" action="{org_url(org, "contacts", record.id, "merge")}">'
        '<label for="into">Merge into</label>'
        f'<select id="into" name="into" required data-testid="merge-into">{choices}</select>'
        '<button type="submit" data-testid="merge">Merge…</button></form>'
    )


def detail_page(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    record = contact_of(store, org, req.path["contact"])
    data = record.data
    merged_to = data.get("MergedToContactID")

    def link(*parts: str) -> str:
        return org_url(org, "contacts", record.id, *parts)

    if merged_to:
        survivor = records.get(store, org.tenant_id, KIND, str(merged_to))
        name = survivor.data.get("Name") if survivor else merged_to
        actions = (
            f'<p class="note" data-testid="merged-into">Merged into <a href="{org_url(org, "contacts", merged_to)}">'
            f"{esc(name)}</a>. A merged contact can no longer be changed.</p>"
        )
    else:
        archive = (
            f'<a class="button danger" href="{link("archive")}" data-testid="archive">Archive</a>'
            if record.status == "ACTIVE"
            else f'<a class="button" href="{link("unarchive")}" data-testid="unarchive">Restore</a>'
        )
        merge = _merge_form(store, org, record) if record.status == "ACTIVE" else ""
        actions = (
            f'<div class="actions"><a class="button primary" href="{link("edit")}" data-testid="edit">Edit</a>'
            f"{archive}{merge}</div>"
        )
    phones = [(str(p.get("PhoneType", "")).title(), esc(phone_text(p))) for p in data.get("Phones") or []]
    addresses = [
        ("Postal address" if a.get("AddressType") == "POBOX" else "Street address", _address(a))
        for a in data.get("Addresses") or []
    ]
    balances = data.get("Balances") or {}
    currency = str(data.get("DefaultCurrency") or org.data.get("BaseCurrency") or "")
    money_rows = [
        (f"{label} {part.lower()}", money((balances.get(key) or {}).get(part), currency))
        for key, label in (("AccountsReceivable", "Receivable"), ("AccountsPayable", "Payable"))
        for part in ("Outstanding", "Overdue")
        if balances.get(key)
    ]
    people = [
        (
            f"{p.get('FirstName', '')} {p.get('LastName', '')}".strip() or "Person",
            esc(p.get("EmailAddress")) + (" (on emails)" if p.get("IncludeInEmails") else ""),
        )
        for p in data.get("ContactPersons") or []
    ]
    details = definitions(
        [
            ("Name", shown(data.get("Name"), "contact-name")),
            ("First name", esc(data.get("FirstName"))),
            ("Last name", esc(data.get("LastName"))),
            ("Email", shown(data.get("EmailAddress"), "contact-email")),
            ("Contact number", esc(data.get("ContactNumber"))),
            ("Account number", shown(data.get("AccountNumber"), "contact-account-number")),
            ("Company number", esc(data.get("CompanyNumber"))),
            ("Tax number", shown(data.get("TaxNumber"), "contact-tax-number")),
            ("Bank account", shown(data.get("BankAccountDetails"), "contact-bank")),
            ("Website", esc(data.get("Website"))),
        ],
        "contact-details",
    )
    settings = definitions(
        [
            ("Default currency", esc(data.get("DefaultCurrency"))),
            ("Sales account", esc(data.get("SalesDefaultAccountCode"))),
            ("Purchases account", esc(data.get("PurchasesDefaultAccountCode"))),
            ("Sales tax", esc(data.get("AccountsReceivableTaxType"))),
            ("Purchases tax", esc(data.get("AccountsPayableTaxType"))),
            *money_rows,
        ],
        "contact-financial",
    )
    groups = ", ".join(esc(g) for g in _groups(store, org, record))
    record_facts = definitions(
        [
            ("Contact ID", f"<code>{esc(record.id)}</code>"),
            ("Updated", f'<span data-testid="contact-updated">{esc(utc(record.updated_ms))}</span>'),
            ("Groups", groups),
        ],
        "contact-record",
    )
    documents = invoices_of(store, org.tenant_id, contact_id=record.id)
    doc_section = (
        f"<h2>Invoices and bills</h2>{invoice_table(org, documents[:10])}"
        + (
            f'<p><a href="{org_url(org, "invoices", contact=record.id)}">All {len(documents)} for this contact</a></p>'
            if len(documents) > 10
            else ""
        )
        if documents
        else ""
    )
    body = (
        f'<p class="note"><a href="{org_url(org, "contacts")}">← Contacts</a></p>'
        f"<h1>{esc(data.get('Name'))} {status_badge(record, 'contact-status')}{kind_badges(data)}</h1>{actions}"
        f'<div class="grid"><section><h2>Contact details</h2>{details}</section>'
        f"<section><h2>Phones</h2>{definitions(phones, 'contact-phones')}"
        f"<h2>Addresses</h2>{definitions(addresses, 'contact-addresses')}</section>"
        f"<section><h2>Financial details</h2>{settings}</section>"
        f"<section><h2>Record</h2>{record_facts}<h2>Contact persons</h2>{definitions(people)}</section></div>"
        f"{doc_section}"
    )
    return html(str(data.get("Name") or "Contact"), body, req=req, org=org, section="contacts")
