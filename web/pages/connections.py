"""Xero connections: every company's connection at a glance, then the chosen company's connect (consent, then the
second pick), disconnect or remove, and reconnect."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from core import clock
from core.auth import Permission, allowed
from core.connections import consent
from core.connections import lifecycle as connections
from core.connections import views as connection_views
from core.contacts import actions as contact_actions
from core.contacts.actions import ImportStatus
from core.models.sync import ConnectionState
from core.xero_access import cap
from web.ui import context, exceptions, live, redirect
from web.ui.connection_table import connection_table
from web.ui.contact_panels import JUST_DONE, import_progress
from web.ui.messages import md

actor, hub, company = context.actor(), context.hub(), context.company()
st.title("Xero connections")

code = st.query_params.get("connect", "")
if code in consent.CALLBACK_MESSAGES:
    st.error(consent.CALLBACK_MESSAGES[code], icon=":material/link_off:")

with hub.db.read() as session:
    views = connection_views.list_views(session, actor)
if not views:
    st.info("There are no companies yet. A hub admin adds them on the Companies page.", icon=":material/info:")
    st.stop()


def _company_panel(view: connection_views.ConnectionView, imported: ImportStatus) -> None:
    with st.container(border=True):
        st.subheader(view.company)
        st.markdown(f"**Xero:** {view.state_label}" + (f" · {md(view.organisation)}" if view.organisation else ""))
        if view.connected_at:
            by = f" by {view.connected_by}" if view.connected_by else ""
            st.caption(
                f"Connected {view.connected_at:%Y-%m-%d %H:%M} UTC{by} · tied to the organisation it first confirmed"
            )
        if view.state is ConnectionState.NEEDS_RECONNECT:
            st.warning(
                f"{md(view.reason) or 'Xero no longer accepts the connection.'} Reconnect below; nothing waiting is "
                "lost.",
                icon=":material/sync_problem:",
            )
        elif view.state is ConnectionState.DISCONNECTED and view.reason:
            st.info(md(view.reason), icon=":material/link_off:")
        if view.state is ConnectionState.CONNECTED:
            cols = st.columns(4)
            last = f"{view.last_sync_at:%d %b %H:%M}" if view.last_sync_at else "Not yet"
            cols[0].metric("Last successful sync", last)
            cols[1].metric("Open sync errors", view.open_errors)
            cols[2].metric("Calls left today", "—" if view.day_left is None else f"{view.day_left:,}")
            cols[3].metric("Days until inactivity disconnect", view.days_to_disconnect)
            if view.paused_until is not None:
                why = "today's 5,000 Xero calls are used" if view.pause_reason == "day" else "Xero asked to wait"
                st.warning(
                    f"Syncing with Xero is paused until {view.paused_until:%H:%M} UTC: {why}. Nothing is lost; it "
                    "carries on by itself.",
                    icon=":material/hourglass_top:",
                )
            # The import's bar, from the moment it is asked for until a while after it is done.
            if imported.importing or (imported.finished_at and clock.now() - imported.finished_at < JUST_DONE):
                import_progress(imported)
        if view.last_error:
            st.caption(f"Last error: {md(view.last_error)} ({view.last_error_at:%Y-%m-%d %H:%M} UTC)")
        if view.held:
            st.caption(f"{view.held:,} {'change waits' if view.held == 1 else 'changes wait'} for the reconnection.")


# Redrawn while an import is under way (beside the connect and confirm forms, a timer with no news is left off).
@live.part(moving=any(v.import_state in ("queued", "running") for v in views), idle=False)
def overview_of_connections(company_id: int | None) -> None:
    """Every company's connection (when there are several) and the chosen company's, as they stand now."""
    with hub.db.read() as session:
        now = connection_views.list_views(session, actor)
        imported = contact_actions.import_status(session, actor, company_id) if company_id else None
    if len(now) > 1:
        connection_table(now)
    chosen = next((v for v in now if v.company_id == company_id), None)
    if chosen is not None and imported is not None:
        _company_panel(chosen, imported)


with hub.db.read() as session:
    places = cap.warning(session, actor, company.id if company else None, hub.settings.xero_connection_cap)
if places is not None:
    st.warning(f"{places.words}. {places.advice}", icon=":material/block:")
overview_of_connections(company.id if company else None)
if company is None:
    st.info("Pick a company in the sidebar to connect or manage it.", icon=":material/info:")
    st.stop()

can_manage = allowed(actor, Permission.MANAGE_CONNECTION, company.id)
view = next(v for v in views if v.company_id == company.id)
with hub.db.read() as session:
    row = connections.of_company(session, actor, company.id)
    waiting = consent.pending(session, actor, company.id) if can_manage else None
    discarded = connection_views.discarded(session, actor, company.id)

if waiting is not None and waiting.offered:
    st.subheader("Confirm the organisation")
    st.warning(
        f"{company.name} stays tied to the organisation you confirm. To use a different one later, create a "
        "new company in the hub.",
        icon=":material/push_pin:",
    )
    offered = waiting.offered
    choice = st.selectbox("Organisation you granted in Xero", offered, format_func=lambda o: o["tenantName"])
    if st.button("Confirm and connect", type="primary"):
        try:
            connections.confirm(hub, actor, company.id, waiting.id, choice["tenantId"])
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
        else:
            st.query_params.clear()
            # A reconnect catches up on what changed meanwhile; only a first connection imports everything.
            paused = (ConnectionState.DISCONNECTED, ConnectionState.NEEDS_RECONNECT)
            after = "Changes made meanwhile sync now." if view.state in paused else "The initial import has started."
            st.toast(f"Connected to {md(choice['tenantName'])}. {after}", icon=":material/check:")
            st.rerun()
    st.stop()

if discarded:
    with st.expander(f"Discarded changes ({len(discarded)}): never sent to Xero", icon=":material/delete_sweep:"):
        st.caption("A remove discards what was waiting, and changes made while removed are never sent.")
        st.table(
            pd.DataFrame(
                [
                    {
                        "Record": d.label,
                        "Kind": d.entity_type,
                        "Fields": ", ".join(d.fields),
                        "When": f"{d.at:%Y-%m-%d %H:%M} UTC",
                    }
                    for d in discarded
                ]
            ),
            hide_index=True,
        )

connected = row is not None and row.state is ConnectionState.CONNECTED
if not can_manage:
    if not connected:
        st.info("Only this company's admins (and hub admins) can connect it to Xero.", icon=":material/info:")
    st.stop()

if not connected:
    backfill = st.checkbox(
        "Also send documents issued before today",
        help="Documents issued before connecting are not sent unless you pick a start date.",
    )
    since = st.date_input("Send documents issued from", value=clock.now().date(), disabled=not backfill)
    if st.button("Connect to Xero" if row is None else "Reconnect to Xero", type="primary", icon=":material/link:"):
        try:
            url = consent.begin(hub, actor, company.id, backfill_from=since if backfill else None)
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
        else:  # one click: on to Xero's consent page in this tab, and back here for the second pick
            redirect.go(url, fallback="Continue to Xero to choose the organisation")
# What can still be ended: a connection needing a reconnect can be disconnected or removed; a disconnected one
# removed (its waiting changes discarded), e.g. after the automatic 60-day disconnect.
can_disconnect = row is not None and row.state in (ConnectionState.CONNECTED, ConnectionState.NEEDS_RECONNECT)
can_remove = can_disconnect or (row is not None and row.state is ConnectionState.DISCONNECTED)
if not can_remove:
    st.stop()


def _waiting_words(count: int) -> str:
    if count == 0:
        return "No change is waiting to be sent."
    return f"{count:,} {'change is' if count == 1 else 'changes are'} waiting to be sent."


@st.dialog("Disconnect from Xero?")
def confirm_disconnect() -> None:
    st.write(
        f"Syncing with {md(view.organisation)} stops, and the connection is deleted in Xero. "
        f"{_waiting_words(view.waiting)} Waiting changes, and every change made while disconnected, are kept and "
        "sent after you reconnect to the same organisation. Mappings and links are kept."
    )
    if st.button("Disconnect", type="primary"):
        try:
            with hub.db.write() as session:
                connections.disconnect(session, actor, company.id)
        except exceptions.EXPECTED as exc:  # said inside the dialog, where the person is looking
            exceptions.show(exc)
        else:
            st.rerun()


@st.dialog("Remove the Xero connection?")
def confirm_remove() -> None:
    st.write(
        ("" if row.state is ConnectionState.DISCONNECTED else "Syncing stops, and the connection is deleted in Xero. ")
        + f"{_waiting_words(view.waiting + view.held)} Those are **discarded** (listed on this page, never "
        "silently), and nothing edited before a reconnection is ever sent. Mappings are kept."
    )
    st.caption("Keep a copy first: the company's links to Xero records, its mappings and its open sync errors.")
    try:
        with hub.db.read() as session:
            bundle = connection_views.export_before_remove(session, actor, company.id)
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
    else:

        def _audit_export() -> None:
            with hub.db.write() as session:
                connection_views.record_export(session, actor, company.id)

        st.download_button(
            "Download links, mappings and open errors (JSON)",
            json.dumps(bundle, indent=2, default=str),
            file_name=f"xero-connection-{company.id}-{clock.now():%Y%m%d}.json",
            mime="application/json",
            icon=":material/download:",
            on_click=_audit_export,
        )
    if st.button("Remove", type="primary"):
        try:
            with hub.db.write() as session:
                removed = connections.remove(session, actor, company.id)
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
        else:
            st.session_state["discarded"] = len(removed)
            st.rerun()


if "discarded" in st.session_state:
    st.info(f"{st.session_state.pop('discarded')} waiting changes were discarded.", icon=":material/delete:")
left, right = st.columns(2)
if can_disconnect and left.button("Disconnect…", icon=":material/link_off:"):
    confirm_disconnect()
if right.button("Remove…", icon=":material/delete:"):
    confirm_remove()
