"""The Documents page's panels: customers off balance (both figures), and for the demo, an invoice issued as the
platform would issue it, with what happened to it since (watch it reach Xero and come back paid)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.auth import Actor
from core.demo import invoices as demo_invoices
from core.documents import query as document_query
from core.documents import views as document_views
from core.hub import Hub
from core.models.base import Company
from web.ui import exceptions, live, tables
from web.ui.messages import flash, md

LAST_DEMO = "documents-last-demo"
SYNC_WORDS = {
    "queued": "It is queued and reaches Xero within seconds.",
    "held": "It is held: the company's Xero connection is not usable; it is sent after reconnecting.",
    "discarded": "It will not be sent: the company's connection to Xero was removed.",
    "not connected": "It stays in the platform only: the company is not connected to Xero.",
}


def off_balance_panel(hub: Hub, actor: Actor, company: Company) -> None:
    """Customers whose outstanding total differs between the platform and Xero by more than 0.01."""
    with hub.db.read() as session:
        found = document_views.off_balance(session, actor, company.id)
    if not found:
        return
    with st.container(border=True):
        st.markdown(f"**{len(found)} customer{'s' if len(found) != 1 else ''} off balance**")
        st.caption(
            "The platform and Xero disagree on what these customers still owe (more than 0.01 apart). Usually a "
            "payment or credit was recorded on one side only: record it on the other, or ask support."
        )
        frame = pd.DataFrame(
            [
                {
                    "Customer": row.name,
                    "Currency": row.currency or "",
                    "Outstanding in the platform": f"{row.platform:,.2f}",
                    "Outstanding in Xero": f"{row.xero:,.2f}",
                    "Difference": f"{row.platform - row.xero:,.2f}",
                }
                for row in found
            ]
        )
        tables.show(frame)


def demo_invoice_form(hub: Hub, actor: Actor, company: Company, *, can_issue: bool) -> None:
    """Issue an invoice as the platform does, then watch it arrive in Xero and come back paid."""
    st.caption(
        "For the demo: issue a sales invoice as the platform does. The hub records it, sends it to Xero within "
        "seconds, and shows its payment status as it comes back from Xero, by itself."
    )
    try:
        with hub.db.read() as session:
            defaults = demo_invoices.demo_defaults(session, actor, company.id)
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
        return
    if not defaults.customers:
        st.info(
            "This company has no platform customers yet, so there is no one to invoice. Customers appear once the "
            "platform sends them (or Xero's are imported and linked).",
            icon=":material/person_off:",
        )
        return
    customers = dict(defaults.customers)
    unmapped = [c.code for c in defaults.categories if not c.mapped] + [r.code for r in defaults.rates if not r.mapped]
    with st.form(f"demo-invoice-{company.id}"):
        contact = st.selectbox("Customer", list(customers), format_func=customers.get, disabled=not can_issue)
        description = st.text_input("Line description", value="Catering platter for 12", disabled=not can_issue)
        left, right = st.columns(2)
        quantity = left.text_input("Quantity", value="2", disabled=not can_issue)
        unit = right.text_input(f"Unit price ({defaults.currency}, before tax)", value="45.00", disabled=not can_issue)
        category = st.selectbox(
            "Line category",
            [c.code for c in defaults.categories],
            format_func=lambda code: next(f"{c.label} ({c.code})" for c in defaults.categories if c.code == code),
            disabled=not can_issue,
        )
        rate = st.selectbox(
            "Tax rate",
            [r.code for r in defaults.rates],
            format_func=lambda code: next(r.label for r in defaults.rates if r.code == code),
            disabled=not can_issue,
        )
        sent = st.form_submit_button("Issue the invoice", type="primary", disabled=not can_issue)
    if unmapped:
        st.caption(
            "Categories and tax rates without a mapping are listed last: an invoice using one stops before Xero with "
            "a sync error saying what to map."
        )
    if not can_issue:
        st.caption("Issuing needs a finance manager of this company or an admin.")
    if sent and can_issue:
        try:
            with hub.db.write() as session:
                result = demo_invoices.issue_demo_invoice(
                    session,
                    actor,
                    company.id,
                    contact_id=int(contact),
                    description=description,
                    quantity=quantity.strip(),
                    unit_amount=unit.strip(),
                    category=str(category),
                    tax_rate=str(rate),
                )
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
            return
        st.session_state[LAST_DEMO] = result["number"]
        flash(
            f"Invoice {result['number']} issued ({result['total']} {defaults.currency}). {SYNC_WORDS[result['sync']]}"
        )
        st.rerun()
    live.part(_watch)(hub, actor, company)


def _watch(hub: Hub, actor: Actor, company: Company) -> None:
    """The last demo invoice and where it is now (redrawn by itself): its status, Xero number and link."""
    number = st.session_state.get(LAST_DEMO)
    if not number:
        return
    with hub.db.read() as session:
        page = document_views.list_documents(
            session,
            actor,
            company.id,
            document_query.DocumentFilter(text=str(number)),
            page_size=10,
            xero_api_url=hub.settings.xero_api_url,
        )
    for listed in page.rows:
        row = listed.row
        with st.container(border=True):
            kind = "Payment on" if row.entity_type == "payment" else "Invoice"
            st.markdown(f"**{kind} {md(row.number)}** · {md(row.contact)} · {row.amount:,.2f} {row.currency}")
            st.markdown(f"Status: **{listed.status}**" + (f" · Error: {md(row.error)}" if row.error else ""))
            if row.amount_due is not None:
                st.caption(f"Amount due in Xero {row.amount_due:,.2f}, paid {row.amount_paid or 0:,.2f}")
            if listed.xero_url:
                st.link_button("Open it in Xero", listed.xero_url, icon=":material/open_in_new:")
