"""The Sync errors page's two lists: errors grouped by cause and company, and every error one by one."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.text import plural
from web.ui import tables

WHEN = st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")


def groups(page: Any) -> None:
    """One row per cause and company, biggest first."""
    st.caption(f"{plural(page.total, 'group', 'groups')} · page {page.page} of {page.pages} · biggest first")
    tables.show(
        pd.DataFrame(
            [
                {
                    "Company": g.company,
                    "Cause": g.title,
                    "Who acts": g.who,
                    "Errors": g.errors,
                    "Occurrences": g.occurrences,
                    "Oldest first seen (UTC)": g.oldest,
                    "Newest (UTC)": g.newest,
                }
                for g in page.rows
            ]
        ),
        config={"Oldest first seen (UTC)": WHEN, "Newest (UTC)": WHEN},
    )


def errors(page: Any) -> None:
    """One row per error, most recently seen first; Xero's words are cut to fit and shown whole in the detail."""
    st.caption(f"{plural(page.total, 'error', 'errors')} · page {page.page} of {page.pages} · most recently seen first")
    tables.show(
        pd.DataFrame(
            [
                {
                    "Error": f"#{r.id}",
                    "Last seen (UTC)": r.last_seen_at,
                    "Company": r.company,
                    "Cause": r.title,
                    "Who acts": r.who,
                    "Record": r.entity_number or r.entity_id or "",
                    "Xero said": (r.detail or "")[:200],
                    "Status": r.status,
                    "Times": r.occurrences,
                }
                for r in page.rows
            ]
        ),
        config={
            "Last seen (UTC)": WHEN,
        },
    )
