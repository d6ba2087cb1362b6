"""One invoice or bill, and the Xero user's actions on it: add a payment, void (through the control API)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response

from sandbox import attachments, records
from sandbox.control import actions
from sandbox.documents.spec import INVOICE
from sandbox.records import Record
from sandbox.screens.base import (
    NotFound,
    Org,
    Req,
    back,
    confirm_page,
    day,
    definitions,
    esc,
    html,
    money,
    options,
    org_of,
    org_url,
)
from sandbox.screens.invoices import KIND, UNAVAILABLE, is_bill, status_badge, title_of
from sandbox.store import Store
from sandbox.wire import from_ms


def invoice_of(store: Store, org: Org, invoice_id: str) -> Record:
    found = records.get(store, org.tenant_id, KIND, invoice_id)
    if found is None:
        raise NotFound("There is no invoice or bill with that id in this organisation.")
    return found


def _amount(value: Any) -> str:
    try:
        return f"{float(value or 0):.2f}"
    except (TypeError, ValueError):
        return ""


def _quantity(value: Any) -> str:
    """12.0 -> 12, 1.2500 -> 1.25: as Xero shows quantities."""
    try:
        return f"{float(value):.4f}".rstrip("0").rstrip(".")
    except (TypeError, ValueError):
        return "" if value is None else str(value)


def _tracking(line: dict[str, Any]) -> str:
    """A line's tracking as Xero shows it: each category and its option ("Region: North, Department: Sales")."""
    return ", ".join(f"{t.get('Name', '')}: {t.get('Option', '')}" for t in line.get("Tracking") or [])


def _payment_accounts(store: Store, org: Org) -> list[tuple[str, str]]:
    """Accounts a payment may go to: bank accounts and accounts with payments enabled, as Xero allows."""
    found = records.listing(store, org.tenant_id, "Account", statuses=("ACTIVE",), order=[(["Code"], False)])
    return [
        (str(a.data.get("Code") or ""), f"{a.data.get('Code', '')} - {a.data.get('Name', '')}")
        for a in found.records
        if (a.data.get("Type") == "BANK" or a.data.get("EnablePaymentsToAccount")) and a.data.get("Code")
    ]


def _actions(store: Store, org: Org, record: Record) -> str:
    data, link = record.data, org_url(org, "invoices", record.id)
    pay, void = getattr(actions, "invoice_payment", None), getattr(actions, "void_invoice", None)
    payable = data.get("Status") == "AUTHORISED" and float(data.get("AmountDue") or 0) > 0
    disabled = "" if pay and payable else " disabled"
    why = (
        f'<p class="note" data-testid="payment-unavailable">Adding payments {UNAVAILABLE}.</p>'
        if not pay
        else ("" if payable else '<p class="note">Only an approved document with an amount due takes a payment.</p>')
    )
    today = from_ms(store.now_ms()).date().isoformat()
    payment = (
        f'<section class="box"><h2>Add a payment</h2>{why}'
        f'<form method="post" action="{link}/payments"><fieldset{disabled} style="border:0;padding:0;margin:0">'
        '<div class="toolbar"><div><label for="amount">Amount paid</label><input type="number" id="amount" '
        f'name="amount" step="0.01" min="0.01" required value="{_amount(data.get("AmountDue"))}" '
        'data-testid="payment-amount"></div>'
        f'<div><label for="date">Date paid</label><input type="date" id="date" name="date" value="{today}"></div>'
        f'<div><label for="account">Paid {"from" if is_bill(data) else "to"}</label>'
        f'<select id="account" name="accountCode">{options(_payment_accounts(store, org), "")}</select></div>'
        '<div><button class="primary" type="submit" data-testid="add-payment">Add payment</button></div></div>'
        "</fieldset></form></section>"
    )
    voidable = data.get("Status") == "AUTHORISED" and not float(data.get("AmountPaid") or 0)
    if not void:
        void_html = f'<p class="note" data-testid="void-unavailable">Voiding {UNAVAILABLE}.</p>'
    elif not voidable:
        void_html = '<p class="note">Only an approved document without payments can be voided.</p>'
    else:
        void_html = f'<a class="button danger" href="{link}/void" data-testid="void">Void</a>'
    return payment + f'<div class="actions">{void_html}</div>'


def detail_page(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    record = invoice_of(store, org, req.path["invoice"])
    data, currency = record.data, str(record.data.get("CurrencyCode") or "")
    contact = data.get("Contact") or {}
    contact_html = (
        f'<a href="{org_url(org, "contacts", contact["ContactID"])}">{esc(contact.get("Name"))}</a>'
        if contact.get("ContactID")
        else esc(contact.get("Name"))
    )
    facts = definitions(
        [
            ("To" if not is_bill(data) else "From", contact_html),
            ("Reference" if is_bill(data) else "Invoice number", esc(data.get("InvoiceNumber"))),
            ("Reference", "" if is_bill(data) else esc(data.get("Reference"))),
            ("Date", esc(day(data.get("Date")))),
            ("Due date", esc(day(data.get("DueDate")))),
            ("Currency", esc(currency)),
            ("Amounts are", esc(data.get("LineAmountTypes"))),
            ("Invoice ID", f"<code>{esc(record.id)}</code>"),
        ],
        "invoice-details",
    )
    lines = "".join(
        f"<tr><td>{esc(line.get('Description'))}</td><td class='num'>{esc(_quantity(line.get('Quantity')))}</td>"
        f"<td class='num'>{money(line.get('UnitAmount'))}</td><td>{esc(line.get('AccountCode'))}</td>"
        f"<td>{esc(line.get('TaxType'))}</td>"
        + f'<td data-testid="line-tracking">{esc(_tracking(line))}</td>'
        + f"<td class='num'>{money(line.get('LineAmount'))}</td></tr>"
        for line in data.get("LineItems") or []
    )
    totals = definitions(
        [
            ("Subtotal", f'<span data-testid="invoice-subtotal">{money(data.get("SubTotal"), currency)}</span>'),
            ("Tax", f'<span data-testid="invoice-tax">{money(data.get("TotalTax"), currency)}</span>'),
            ("Total", f'<strong data-testid="invoice-total">{money(data.get("Total"), currency)}</strong>'),
            ("Paid", f'<span data-testid="invoice-paid">{money(data.get("AmountPaid"), currency)}</span>'),
            ("Credited", money(data.get("AmountCredited"), currency) if data.get("AmountCredited") else ""),
            ("Amount due", f'<strong data-testid="invoice-due">{money(data.get("AmountDue"), currency)}</strong>'),
        ]
    )
    payments = "".join(
        f"<tr><td>{esc(day(p.get('Date')))}</td><td>{esc(p.get('Reference'))}</td>"
        f"<td class='num'>{money(p.get('Amount'), currency)}</td></tr>"
        for p in data.get("Payments") or []
    )
    body = (
        f'<p class="note"><a href="{org_url(org, "invoices")}">← Invoices and bills</a></p>'
        f"<h1>{esc(title_of(data))} {status_badge(data, 'invoice-status')}</h1>"
        f'<div class="grid"><section>{facts}</section><section>{totals}</section></div>'
        '<h2>Lines</h2><table data-testid="invoice-lines"><thead><tr><th>Description</th><th class="num">Qty</th>'
        '<th class="num">Unit price</th><th>Account</th><th>Tax rate</th><th>Tracking</th><th class="num">Amount</th>'
        "</tr></thead>"
        f"<tbody>{lines}</tbody></table>"
        + (
            '<h2>Payments</h2><table data-testid="invoice-payments"><thead><tr><th>Date</th><th>Reference</th>'
            f'<th class="num">Amount</th></tr></thead><tbody>{payments}</tbody></table>'
            if payments
            else ""
        )
        + _attachments(store, org, record)
        + _actions(store, org, record)
    )
    return html(title_of(data), body, req=req, org=org, section="invoices")


def _attachments(store: Store, org: Org, record: Record) -> str:
    """The files attached to the document, each with a link that downloads it."""
    found = attachments.of_document(store, org.tenant_id, INVOICE, record.id)
    if not found:
        return ""
    link = org_url(org, "invoices", record.id)
    rows = "".join(
        f'<tr data-attachment-id="{esc(a.id)}"><td><a href="{link}/attachments/{esc(a.id)}" download '
        f'data-testid="attachment-link">{esc(a.file_name)}</a></td><td>{esc(a.mime)}</td>'
        f"<td class='num'>{a.size:,} bytes</td></tr>"
        for a in found
    )
    return (
        '<h2>Files</h2><table data-testid="invoice-attachments"><thead><tr><th>File</th><th>Type</th>'
        f'<th class="num">Size</th></tr></thead><tbody>{rows}</tbody></table>'
    )


def attachment(store: Store, req: Req) -> Response:
    """One attached file, downloaded."""
    org = org_of(store, req.path["tenant"])
    record = invoice_of(store, org, req.path["invoice"])
    found = attachments.content_of(store, org.tenant_id, INVOICE, record.id, req.path["attachment"])
    if found is None:
        raise NotFound("There is no such file on this invoice or bill.")
    file, content = found
    headers = {"Content-Disposition": attachments.disposition(file.file_name)}
    return Response(content, media_type=file.mime, headers=headers)


def add_payment(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    record = invoice_of(store, org, req.path["invoice"])
    target, handler = org_url(org, "invoices", record.id), getattr(actions, "invoice_payment", None)
    if handler is None:
        return back(target, error=f"Adding payments {UNAVAILABLE}.")
    try:
        amount = round(float(req.form.get("amount", "")), 2)
    except ValueError:
        return back(target, error="Enter the amount paid as a number, such as 120.50.")
    body: dict[str, Any] = {"amount": amount}
    body.update({k: v for k, v in (("accountCode", req.form.get("accountCode")), ("date", req.form.get("date"))) if v})
    try:
        handler(store, body, {"tenant": org.tenant_id, "invoice": record.id})
    except actions.ControlError as exc:
        return back(target, error=str(exc))
    return back(target, flash=f"Payment of {money(amount, str(record.data.get('CurrencyCode') or ''))} recorded.")


def void(store: Store, req: Req) -> Response:
    org = org_of(store, req.path["tenant"])
    record = invoice_of(store, org, req.path["invoice"])
    target, handler = org_url(org, "invoices", record.id), getattr(actions, "void_invoice", None)
    if handler is None:
        return back(target, error=f"Voiding {UNAVAILABLE}.")
    if req.form.get("confirm") != "yes":
        return confirm_page(
            req,
            org,
            "invoices",
            question=f"Void {title_of(record.data)}?",
            detail="A voided document stays on record but no longer counts towards any balance. This cannot be undone.",
            action=f"{target}/void",
            button="Void",
            cancel=target,
        )
    try:
        handler(store, {}, {"tenant": org.tenant_id, "invoice": record.id})
    except actions.ControlError as exc:
        return back(target, error=str(exc))
    return back(target, flash=f"{'Bill' if is_bill(record.data) else 'Invoice'} voided.")
