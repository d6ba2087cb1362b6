"""Audit log (admins): every staff action, filterable, exportable as CSV."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

from core import audit, clock, companies
from core.staff import sessions
from web.ui import context, tables

actor, hub = context.actor(), context.hub()
st.title("Audit log")

with hub.db.read() as session:
    company_names = {c.id: c.name for c in companies.list_visible(session, actor)}

today = clock.now().date()
with st.container(border=True):
    first, second, third = st.columns(3)
    actions = first.multiselect(
        "Actions", list(audit.ACTIONS), format_func=audit.ACTIONS.get, placeholder="All actions"
    )
    company_id = second.selectbox(
        "Company", [None, *company_names], format_func=lambda c: "All companies" if c is None else company_names[c]
    )
    period = third.date_input("Between", value=(today - timedelta(days=30), today), max_value=today)
    fourth, fifth = st.columns(2)
    actor_text = fourth.text_input("Who (email contains)")
    text = fifth.text_input("Search target and details")

since = until = None
days = list(period) if isinstance(period, tuple) else [period]
if days and days[0] is not None:
    # One date picked (the second not yet): that single day.
    since = datetime.combine(days[0], time.min, tzinfo=UTC)
    until = datetime.combine(days[-1], time.min, tzinfo=UTC) + timedelta(days=1)
flt = audit.AuditFilter(
    actions=tuple(actions), company_id=company_id, actor_text=actor_text, since=since, until=until, text=text
)

with hub.db.read() as session:
    total = audit.count_events(session, actor, flt)
    rows = audit.list_events(session, actor, flt, limit=500)

if not rows:
    st.info("No audit events match these filters. Widen the dates or clear a filter.", icon=":material/search_off:")
    st.stop()

st.caption(f"{total} events match" + (", showing the newest 500." if total > 500 else "."))
tables.show(
    pd.DataFrame(
        [
            {
                "When (UTC)": row.at.strftime("%Y-%m-%d %H:%M:%S"),
                "Who": row.actor,
                "What": row.action_label,
                "Company": row.company or "—",
                "Target": row.target or "",
                "Before": audit.compact(row.before),
                "After": audit.compact(row.after),
                "Detail": row.detail or "",
            }
            for row in rows
        ]
    ),
)


def _csv() -> str:
    """Built only when the button is pressed, for every event matching the filter."""
    with hub.db.read() as session:
        return audit.export_csv(session, sessions.current(session, actor), flt)


st.download_button(
    "Download CSV",
    data=_csv,
    file_name=f"audit-{today:%Y%m%d}.csv",
    mime="text/csv",
    icon=":material/download:",
)
