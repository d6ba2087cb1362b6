"""Documents: invoices, bills, credit notes and payments with their Xero status, number, link, last attempt and
error; filters, search, paging and CSV; "send again"; "check Xero now"; customers off balance; and for the demo, an
invoice issued as the platform would, to watch it reach Xero and come back paid."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import clock
from core.auth import Permission, allowed
from core.documents import actions as document_actions
from core.documents import views as document_views
from core.documents.query import DocumentFilter
from core.staff import sessions
from web.ui import context, exceptions, live
from web.ui.document_forms import demo_invoice_form, off_balance_panel
from web.ui.listing import pager_and_download, table
from web.ui.messages import flash, show_flash

actor, hub, company = context.actor(), context.hub(), context.company()
st.title("Documents")
if company is None:
    st.info(
        "Pick a company in the sidebar to see its invoices, bills, credit notes and payments.", icon=":material/info:"
    )
    st.stop()

can_act = allowed(actor, Permission.TRIAGE_ERRORS, company.id)
can_issue = allowed(actor, Permission.EDIT_MAPPINGS, company.id)
st.subheader(company.name)
show_flash()

left, right = st.columns([1, 4], vertical_alignment="center")
why = (
    "Ask Xero for payment status now instead of waiting for the next poll."
    if can_act
    else "Asking Xero needs a finance manager of this company, support or an admin."
)
if left.button("Check Xero now", icon=":material/sync:", disabled=not can_act, help=why):
    try:
        with hub.db.write() as session:
            message = document_actions.request_poll(session, actor, company.id)
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
    else:
        flash(message)
        st.rerun()
right.caption(
    "Payment status comes back from Xero within seconds of a change there, and is checked every "
    f"{hub.settings.documents_poll_seconds} s besides."
)

live.part(off_balance_panel, moving=False)(hub, actor, company)


@live.part
def documents_now(flt: DocumentFilter, key: str) -> None:
    """The documents matching the filter as they stand now: Xero's status and amounts change as Xero reports them."""
    with hub.db.read() as session:
        page = document_views.list_documents(
            session,
            actor,
            company.id,
            flt,
            page=int(st.session_state.get(f"{key}-page", 1)),
            xero_api_url=hub.settings.xero_api_url,
        )
    if page.total == 0:
        if flt != DocumentFilter():
            st.info("Nothing matches the filter. Clear a filter or change the search.", icon=":material/search_off:")
        else:
            st.info(
                "No documents yet. Invoices, bills, credit notes and payments appear here as the platform issues "
                "them, and go to Xero by themselves once the company is connected and its mappings are set.",
                icon=":material/receipt_long:",
            )
    else:
        st.caption(f"{page.total:,} match · page {page.page} of {page.pages} · newest first")
        frame = pd.DataFrame(
            [
                {
                    "Kind": item.kind_label,
                    "Number": item.row.number,
                    "Contact": item.row.contact,
                    "Date": item.row.day,
                    "Amount": f"{item.row.amount:,.2f} {item.row.currency}",
                    "Status": item.status,
                    "Due in Xero": "" if item.row.amount_due is None else f"{item.row.amount_due:,.2f}",
                    "Paid in Xero": "" if item.row.amount_paid is None else f"{item.row.amount_paid:,.2f}",
                    "Xero": item.xero_url,
                    "PDF in Xero": item.pdf,
                    "Last attempt (UTC)": item.row.last_attempt,
                    "Sync error": item.row.error or "",
                }
                for item in page.rows
            ]
        )
        table(frame, when="Last attempt (UTC)")

        def _csv() -> str:
            with hub.db.read() as session:
                now = sessions.current(session, actor)  # built when pressed: the person as they stand then
                return document_views.to_csv(session, now, company.id, flt, xero_api_url=hub.settings.xero_api_url)

        def _audit_export() -> None:
            with hub.db.write() as session:
                document_views.record_export(session, actor, company.id, flt)

        pager_and_download(
            page,
            key=key,
            noun=("document", "documents"),
            csv=_csv,
            on_download=_audit_export,
            file_name=f"documents-{company.id}-{clock.now():%Y%m%d}.csv",
        )
        again = {f"{i.row.entity_type}:{i.row.id}": i for i in page.rows if i.row.error or not i.row.xero_id}
        if again and can_act:
            with st.container(border=True):
                st.markdown("**Send to Xero again**")
                picked = st.selectbox(
                    "Document or payment",
                    list(again),
                    format_func=lambda k: f"{again[k].kind_label} {again[k].row.number} · {again[k].status}",
                    key=f"{key}-again",
                )
                if st.button("Export again", icon=":material/replay:", key=f"{key}-again-go"):
                    entity_type, entity_id = str(picked).split(":")
                    try:
                        with hub.db.write() as session:
                            message = document_actions.reexport(
                                session, actor, company.id, entity_type=entity_type, entity_id=int(entity_id)
                            )
                    except exceptions.EXPECTED as exc:
                        exceptions.show(exc)
                    else:
                        flash(message)
                        st.rerun()


tab_names = ["Documents and payments"] + (["Issue a demo invoice"] if hub.settings.demo else [])
# A key keeps the chosen tab across reruns (a flash message above it would otherwise reset it to the first).
tabs = st.tabs(tab_names, key=f"documents-tabs-{company.id}")

with tabs[0]:
    key = f"documents-{company.id}"
    kinds, statuses = document_views.kind_options(), document_views.status_options()
    first, second, third = st.columns([2, 1, 1])
    text = first.text_input("Search number, contact or reference", key=f"{key}-text", placeholder="e.g. INV-0042")
    kind = second.selectbox("Kind", list(kinds), format_func=kinds.get, key=f"{key}-kind")
    status = third.selectbox("Status", list(statuses), format_func=statuses.get, key=f"{key}-status")
    errors_only = st.checkbox("Only with a sync error", key=f"{key}-errors")
    flt = DocumentFilter(kind=kind, status=status, errors_only=errors_only, text=text)
    if st.session_state.get(f"{key}-filter") != flt:  # a new filter starts on its first page
        st.session_state[f"{key}-filter"] = flt
        st.session_state[f"{key}-page"] = 1
    documents_now(flt, key)

if hub.settings.demo:
    with tabs[1]:
        demo_invoice_form(hub, actor, company, can_issue=can_issue)
