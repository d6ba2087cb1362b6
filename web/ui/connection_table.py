"""The table of every company's Xero connection, companies needing attention first."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.connections.views import ConnectionView
from web.ui import tables


def _budget(view: ConnectionView) -> str:
    if view.paused_until is not None:
        return f"paused until {view.paused_until:%H:%M}"
    if view.minute_left is None and view.day_left is None:
        return "—"
    minute = "?" if view.minute_left is None else view.minute_left
    day = "?" if view.day_left is None else f"{view.day_left:,}"
    return f"{minute}/min · {day} today"


def connection_table(views: list[ConnectionView]) -> None:
    """One row per company: state, organisation, who connected, last sync, errors, inactivity and budget."""
    frame = pd.DataFrame(
        [
            {
                "Company": v.company,
                "State": ("⚠️ " if v.needs_attention else "") + v.state_label,
                "Organisation": v.organisation or "",
                "Connected by": v.connected_by or "",
                "Connected (UTC)": v.connected_at,
                "Last sync (UTC)": v.last_sync_at,
                "Open errors": v.open_errors,
                "Last error": v.last_error or "",
                "Days to inactivity disconnect": v.days_to_disconnect,
                "Xero calls left": _budget(v),
                "Waiting changes": v.waiting + v.held,
            }
            for v in views
        ]
    )
    tables.show(
        frame,
        config={
            "Connected (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
            "Last sync (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )
