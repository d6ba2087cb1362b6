"""Xero connection: connect (consent, then the second pick), disconnect or remove, and reconnect."""

from __future__ import annotations

import streamlit as st

from core import clock, connections, consent
from core.auth import Permission, allowed
from core.models_sync import ConnectionState
from web.ui import context, errors

actor, hub, company = context.actor(), context.hub(), context.company()
st.title("Xero connection")
if company is None:
    st.info("You are not linked to any company yet. Ask a hub admin to link your account.", icon=":material/info:")
    st.stop()

code = st.query_params.get("connect", "")
if code in consent.CALLBACK_MESSAGES:
    st.error(consent.CALLBACK_MESSAGES[code], icon=":material/link_off:")

can_manage = allowed(actor, Permission.MANAGE_CONNECTION, company.id)
with hub.db.read() as session:
    row = connections.of_company(session, actor, company.id)
    waiting = consent.pending(session, actor, company.id) if can_manage else None

with st.container(border=True):
    st.subheader(company.name)
    st.markdown(
        f"**Xero:** {connections.state_label(row)}" + (f" · {row.tenant_name}" if row and row.tenant_name else "")
    )
    if row is not None and row.connected_at:
        st.caption(f"Connected {row.connected_at:%Y-%m-%d %H:%M} UTC · tied to the organisation it first confirmed")
    if row is not None and row.state is ConnectionState.NEEDS_RECONNECT:
        st.warning(
            f"{row.state_reason or 'Xero no longer accepts the connection.'} Reconnect below; nothing waiting is lost.",
            icon=":material/sync_problem:",
        )

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
        except connections.ConnectRefused as refused:
            st.error(str(refused), icon=":material/block:")
        except errors.EXPECTED as exc:
            errors.show(exc)
        else:
            st.query_params.clear()
            st.toast(f"Connected to {choice['tenantName']}.", icon=":material/check:")
            st.rerun()
    st.stop()

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
        st.session_state[f"consent_url:{company.id}"] = consent.begin(
            hub, actor, company.id, backfill_from=since if backfill else None
        )
    if st.session_state.get(f"consent_url:{company.id}"):
        st.link_button(
            "Continue to Xero to choose the organisation",
            st.session_state[f"consent_url:{company.id}"],
            icon=":material/open_in_new:",
        )
    st.stop()


@st.dialog("Disconnect from Xero?")
def confirm_disconnect() -> None:
    st.write(
        f"Syncing with {row.tenant_name} stops. Changes made while disconnected wait, and are sent after you "
        "reconnect to the same organisation. Mappings and links are kept."
    )
    if st.button("Disconnect", type="primary"):
        try:
            connections.disconnect(hub, actor, company.id)
        except errors.EXPECTED as exc:  # said inside the dialog, where the person is looking
            errors.show(exc)
        else:
            st.rerun()


@st.dialog("Remove the Xero connection?")
def confirm_remove() -> None:
    st.write(
        f"Syncing with {row.tenant_name} stops and every change waiting to be sent is discarded (listed, "
        "never silently). After a reconnection, nothing edited before it is sent. Mappings are kept."
    )
    if st.button("Remove", type="primary"):
        try:
            discarded = connections.remove(hub, actor, company.id)
        except errors.EXPECTED as exc:
            errors.show(exc)
        else:
            st.session_state["discarded"] = len(discarded)
            st.rerun()


if "discarded" in st.session_state:
    st.info(f"{st.session_state.pop('discarded')} waiting changes were discarded.", icon=":material/delete:")
left, right = st.columns(2)
if left.button("Disconnect…", icon=":material/link_off:"):
    confirm_disconnect()
if right.button("Remove…", icon=":material/delete:"):
    confirm_remove()
