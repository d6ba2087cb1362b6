"""API keys (admins): the keys platforms use for the /api routes. A key is shown once, when it is created."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.platform_api import keys as api_keys
from web.ui import context, exceptions
from web.ui.messages import md

actor, hub = context.actor(), context.hub()
st.title("API keys")
st.caption(
    "Platforms send their events to `/api/v1/companies/{company_id}/events` with `Authorization: Bearer <key>`. "
    "See the README's platform API reference."
)

if "new_api_key" in st.session_state:
    name, key = st.session_state.pop("new_api_key")
    st.success(f"Key for {md(name)}: copy it now; it is not shown again.", icon=":material/key:")
    st.code(key, language=None)

with hub.db.read() as session:
    keys = api_keys.list_keys(session, actor)

if keys:
    st.dataframe(
        pd.DataFrame(
            [
                {
                    "Name": k.name,
                    "Key starts": f"{k.prefix}…",
                    "Created (UTC)": k.created_at.strftime("%Y-%m-%d %H:%M"),
                    "Last used (UTC)": k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "never",
                    "Status": "Revoked" if k.revoked_at else "Active",
                }
                for k in keys
            ]
        ),
        hide_index=True,
        width="stretch",
    )
else:
    st.info("No API keys yet. Create one for each platform that sends events to the hub.", icon=":material/info:")

with st.form("new-key", clear_on_submit=True):
    name = st.text_input("Platform name", placeholder="e.g. Platform production")
    if st.form_submit_button("Create key", type="primary"):
        try:
            with hub.db.write() as session:
                _row, key = api_keys.create(session, actor, name)
        except exceptions.EXPECTED as exc:
            exceptions.show(exc)
        else:
            st.session_state["new_api_key"] = (name.strip(), key)
            st.rerun()

live = [k for k in keys if k.revoked_at is None]
if live:
    with st.expander("Revoke a key", icon=":material/block:"):
        chosen = st.selectbox("Key", live, format_func=lambda k: f"{k.name} ({k.prefix}…)")
        sure = st.checkbox("Yes: the platform using this key is refused from now on.")
        if st.button("Revoke", disabled=not sure):
            with hub.db.write() as session:
                api_keys.revoke(session, actor, chosen.id)
            st.toast("Key revoked.", icon=":material/check:")
            st.rerun()
