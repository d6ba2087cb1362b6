"""Mappings: how platform document lines land in Xero — line category → account per document kind, platform tax
rate → Xero tax type, currency → payment account, a line's dimension value → Xero tracking option — with the
watchdog's flags, a refresh from Xero, and CSV."""

from __future__ import annotations

import streamlit as st

from core import clock
from core.mappings import refresh as reference
from core.mappings import view as mappings_view
from core.mappings.rules import KIND_LABELS
from core.models.mappings import MappingKind
from core.models.platform import DocumentKind
from core.text import plural
from web.ui import context, exceptions, live
from web.ui.mapping_widgets import csv_panel, editor, one_row_form, payment_setting
from web.ui.messages import flash, md, show_flash

actor, hub, company = context.actor(), context.hub(), context.company()
st.title("Mappings")
if company is None:
    st.info("Pick a company in the sidebar to see its mappings.", icon=":material/info:")
    st.stop()

with hub.db.read() as session:
    view = mappings_view.page(session, actor, company.id)

st.subheader(company.name)
show_flash()


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "just now"
    return (
        f"{plural(minutes, 'minute', 'minutes')} ago"
        if minutes < 120
        else f"{plural(minutes // 60, 'hour', 'hours')} ago"
    )


left, right = st.columns([3, 1], vertical_alignment="center")
if view.fetched_at is not None:
    when = view.fetched_at.strftime("%d %b %Y %H:%M UTC")
    age = _age((clock.now() - view.fetched_at).total_seconds())
    left.caption(
        "Accounts, tax rates, currencies and tracking categories read from Xero "
        f"({md(view.tenant_name or 'the organisation')}) on {when}, "
        f"{age}. The hub reads them again every hour and checks every mapping against them."
    )
else:
    left.caption("Xero's accounts and tax rates have not been read for this company yet.")
if view.refresh_waiting:
    right.caption("A refresh from Xero is queued or under way…")
elif right.button(
    "Refresh from Xero",
    icon=":material/refresh:",
    disabled=not view.connected,
    help="Read the chart of accounts, tax rates and currencies again now (it takes a few seconds).",
):
    try:
        with hub.db.write() as session:
            message = reference.request_refresh(session, actor, company.id)
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
    else:
        flash(message)
        st.rerun()


@live.part
def wait_for_xero(company_id: int) -> None:
    """While Xero's accounts and tax rates are being read: the whole page comes once they are in."""
    with hub.db.read() as session:
        if mappings_view.read_from_xero(session, actor, company_id):
            st.rerun(scope="app")
    st.info(
        "Reading the chart of accounts and tax rates from Xero; this takes a few seconds. The mappings, with "
        "suggestions, appear here by themselves once they are read.",
        icon=":material/hourglass_top:",
    )


if view.fetched_at is None:
    if view.connected:
        wait_for_xero(company.id)
    else:
        st.info(
            "Connect to Xero first (on the Xero connections page); mappings need the organisation's accounts and "
            "tax rates. Mappings you set are kept across disconnects and reconnects.",
            icon=":material/link_off:",
        )
    st.stop()
if not view.connected:
    st.warning(
        "This company is not connected to Xero now. The accounts and tax rates below are from the last connection; "
        "mappings you set are kept and used once the company reconnects.",
        icon=":material/link_off:",
    )
if not view.can_edit:
    st.caption("You can read these mappings; changing them needs a finance manager of this company or an admin.")

if not view.accounts and not view.taxes:
    st.info(
        "The platform has no line categories or tax rates for this company yet, so there is nothing to map but "
        "payment accounts. They appear here once the platform defines them.",
        icon=":material/info:",
    )
for row in view.flagged:
    where = f"{row.source_label} ({row.scope_label})" if row.scope_label else row.source_label
    st.error(f"**{md(where)}** → {md(row.target)}: {md(row.flag)}", icon=":material/warning:")
if view.waiting:
    waits = plural(view.waiting, "document or payment waits", "documents or payments wait")
    st.warning(
        f"{waits} on a mapping (see Sync errors). Map what they name below, then retry them there: one “Retry all "
        "with this cause” sends every one the new mapping lets through.",
        icon=":material/pending_actions:",
    )
    if st.button("Open their sync errors", icon=":material/error:", key="mappings-waiting"):
        st.switch_page("web/pages/errors.py", query_params={"company": str(company.id)})

# Keyed and rerun on change, so a save (which reruns the page) keeps the tab it was made in.
tabs = st.tabs(
    ["Line categories", "Tax rates", "Payment accounts", "Tracking", "CSV import and export"],
    key="mappings-tab",
    on_change="rerun",
)
with tabs[0]:
    st.caption(
        "Each line's category decides the Xero account it is posted to. Sales invoices and customer credit notes "
        "take revenue accounts; bills and supplier credit notes take expense accounts; archived accounts are "
        "never offered. On first connect the hub suggests an account for each category: the allowed account whose "
        "name shares most words with the category's name (else the account named Sales, or General Expenses for "
        "purchases); suggestions are marked \u201cSuggested (check it)\u201d until someone saves a choice."
    )
    for kind in DocumentKind:
        rows = [r for r in view.accounts if r.scope == kind.value]
        options = list(dict.fromkeys(label for r in rows for _, label in r.choices))
        with st.expander(KIND_LABELS[kind], expanded=kind is DocumentKind.SALES_INVOICE):
            editor(hub, actor, company.id, rows, key=f"acc-{kind.value}", options=options, editable=view.can_edit)
    if view.can_edit:
        options = list(dict.fromkeys(label for r in view.accounts for _, label in r.choices))
        one_row_form(hub, actor, company.id, view.accounts, key="acc", options=options, noun="Line category")

with tabs[1]:
    st.caption(
        "A platform tax rate can only map to a Xero tax type with the same effective rate (multi-component rates "
        "by their combined rate), usable on that side: Xero ties each tax type to the kinds of account it applies "
        "to. Any Xero tax type can be picked; a mismatch is refused with the reason."
    )
    with hub.db.read() as session:
        every_tax = [t.label for t in reference.load(session, company.id).tax_types if t.active]
    for side, title in (("sales", "Sales"), ("purchases", "Purchases")):
        rows = [r for r in view.taxes if r.scope == side]
        with st.expander(title, expanded=side == "sales"):
            editor(hub, actor, company.id, rows, key=f"tax-{side}", options=every_tax, editable=view.can_edit)
    if view.can_edit:
        one_row_form(hub, actor, company.id, view.taxes, key="tax", options=every_tax, noun="Platform tax rate")

with tabs[2]:
    st.caption(
        "Payments recorded in the platform go to the Xero account mapped for their currency. First choose which "
        "kind of account that is: a bank account, or an account with payments enabled in Xero (such as a clearing "
        "account)."
    )
    payment_setting(hub, actor, company.id, view.payment_accounts, editable=view.can_edit)
    for row in view.payments:
        if row.hint:
            st.info(f"**{md(row.source)}**: {md(row.hint)}", icon=":material/lightbulb:")
    options = list(dict.fromkeys(label for r in view.payments for _, label in r.choices))
    editor(hub, actor, company.id, view.payments, key="pay", options=options, editable=view.can_edit)

with tabs[3]:
    st.caption(
        "Lines may carry the platform's dimensions (such as department or region); each value goes to Xero as an "
        "option of one of its tracking categories, at most two per line and one option per category. Archived "
        "options are never offered. A value whose name matches an option's (ignoring case) is suggested, marked "
        "“Suggested (check it)” until someone saves a choice; a line with an unmapped value is not sent."
    )
    if not view.tracking:
        st.info(
            "No document line has carried a dimension yet. Values appear here as documents bring them; they can "
            "also be mapped ahead with a CSV file (CSV import and export).",
            icon=":material/info:",
        )
    else:
        if view.tracking[0].hint:
            st.info(md(view.tracking[0].hint), icon=":material/lightbulb:")
        options = list(dict.fromkeys(label for r in view.tracking for _, label in r.choices))
        for dimension in dict.fromkeys(r.scope for r in view.tracking):
            rows = [r for r in view.tracking if r.scope == dimension]
            with st.expander(rows[0].scope_label.capitalize(), expanded=True):
                editor(hub, actor, company.id, rows, key=f"trk-{dimension}", options=options, editable=view.can_edit)
        if view.can_edit:
            one_row_form(hub, actor, company.id, view.tracking, key="trk", options=options, noun="Dimension value")

with tabs[4]:
    st.caption(
        "One file per table. An empty target removes that mapping; rows left out stay as they are. A file with any "
        "error is not applied at all: every bad row is listed with the reason."
    )
    for kind, title in (
        (MappingKind.ACCOUNT, "Line categories"),
        (MappingKind.TAX, "Tax rates"),
        (MappingKind.PAYMENT, "Payment accounts"),
        (MappingKind.TRACKING, "Tracking"),
    ):
        csv_panel(hub, actor, company.id, kind, title, editable=view.can_edit)
        st.divider()
