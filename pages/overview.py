"""Overview: the companies this person can see and how each stands with Xero."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import companies, connections, sidecar
from core.models_sync import ConnectionState
from web.ui import context
from web.ui.chrome import ago

actor, hub = context.actor(), context.hub()

st.title("Overview")
with hub.db.read() as session:
    visible = companies.list_visible(session, actor)
    status = sidecar.status(session, heartbeat_seconds=hub.settings.heartbeat_seconds)
    links = connections.by_company(session, actor)

if not visible:
    st.info(
        "You are not linked to any company yet, so there is nothing to show. Ask a hub admin to link your account "
        "to your company.",
        icon=":material/info:",
    )
    st.stop()

connected = sum(1 for row in links.values() if row.state is ConnectionState.CONNECTED)


def xero_state(company_id: int) -> str:
    row = links.get(company_id)
    label = connections.state_label(row)
    return f"{label} · {row.tenant_name}" if row is not None and row.tenant_name else label


if len(visible) == 1:
    (company,) = visible
    with st.container(border=True):
        st.subheader(company.name)
        if (row := links.get(company.id)) is not None and row.state is ConnectionState.CONNECTED:
            st.markdown(f":green-badge[:material/link: Connected to Xero · {row.tenant_name}]")
        else:
            words = "Not connected to Xero" if row is None else f"Xero: {row.state.label}"
            st.markdown(f":gray-badge[:material/link_off: {words}]")
        st.caption(
            f"{companies.COUNTRIES.get(company.country, company.country)} · base currency {company.base_currency} · "
            f"alerts to {company.finance_contact_email or 'nobody yet (set a finance contact)'}"
        )
    st.caption(f"Sidecar {'running' if status.alive else 'stopped'} · last heartbeat {ago(status.last_beat_at)}")
    st.stop()

first, second, third = st.columns(3)
first.metric("Companies", len(visible))
second.metric("Connected to Xero", f"{connected} of {len(visible)}")
third.metric("Sidecar", "Running" if status.alive else "Stopped", help=f"Last heartbeat {ago(status.last_beat_at)}.")

st.subheader("Companies")
st.dataframe(
    pd.DataFrame(
        [
            {
                "Company": company.name,
                "Country": companies.COUNTRIES.get(company.country, company.country),
                "Currency": company.base_currency,
                "Xero": xero_state(company.id),
                "Finance contact": company.finance_contact_email or "—",
            }
            for company in visible
        ]
    ),
    hide_index=True,
    width="stretch",
)
