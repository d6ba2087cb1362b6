"""API keys (admins): the keys platforms use for the /api routes. A key is shown once, when it is created."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

from core import clock, companies
from core.platform_api import keys as api_keys
from web.ui import context, exceptions, tables
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
    names = {c.id: c.name for c in companies.list_visible(session, actor)}

if keys:
    tables.show(
        pd.DataFrame(
            [
                {
                    "Name": k.name,
                    "Key starts": f"{k.prefix}…",
                    "Reaches": api_keys.reach_words(k, names),
                    "Expires (UTC)": k.expires_at.strftime("%Y-%m-%d") if k.expires_at else "never",
                    "Created (UTC)": k.created_at.strftime("%Y-%m-%d %H:%M"),
                    "Last used (UTC)": k.last_used_at.strftime("%Y-%m-%d %H:%M") if k.last_used_at else "never",
                    "Status": "Revoked" if k.revoked_at else "Active",
                }
                for k in keys
            ]
        ),
    )
else:
    st.info("No API keys yet. Create one for each platform that sends events to the hub.", icon=":material/info:")

EVERY = 0  # the "every company" choice in the company list
with st.form("new-key", clear_on_submit=True):
    name = st.text_input("Platform name", placeholder="e.g. Platform production")
    reach = st.selectbox(
        "Company it reaches",
        [*names, EVERY],
        format_func=lambda cid: "Every company (a platform serving them all)" if cid == EVERY else names[cid],
        help="A key for one company is refused for every other. Choose every company only for a platform that "
        "serves them all.",
    )
    access_words = {"write": "Send events and read the feed", "read": "Read the feed only"}
    access = st.radio("Access", list(access_words), horizontal=True, format_func=access_words.get)
    expires = st.date_input("Expires on (optional)", value=None, min_value=clock.now().date() + timedelta(days=1))
    if st.form_submit_button("Create key", type="primary"):
        try:
            with hub.db.write() as session:
                _row, key = api_keys.create(
                    session,
                    actor,
                    name,
                    company_id=None if reach == EVERY else int(reach),
                    write=access == "write",
                    expires_at=datetime.combine(expires, time.min, UTC) if expires else None,
                )
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
