"""Tables fit the page: the columns' widths add up to the room there is, and what a page set for a column stays."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from web.ui.tables import LINK, NARROWEST, ROOM, fitted


def test_a_wide_table_gives_way_in_its_widest_text_columns() -> None:
    frame = pd.DataFrame(
        {
            "Company": ["Harbour Bakery Ltd"] * 4,
            "Needs attention": ["Two suppliers share a name in Xero; rename one and retry " * 3] * 4,
            "Last error": ["Xero refused the contact: the name is already used by another contact " * 2] * 4,
            "Open errors": [1, 2, 3, 4],
            "When": [datetime(2026, 12, 3, tzinfo=UTC)] * 4,
            "Xero": ["https://go.xero.com/x"] * 4,
        }
    )
    config = fitted(frame, {"Xero": st.column_config.LinkColumn("Xero", display_text="Open in Xero")})
    widths = {name: config[name]["width"] for name in frame.columns}
    assert sum(widths.values()) <= ROOM
    assert widths["Xero"] == LINK and config["Xero"]["type_config"]["display_text"] == "Open in Xero"
    assert widths["Company"] > len("Harbour Bakery Ltd") * 6  # short columns keep their width
    assert widths["Needs attention"] < widths["Company"] * 3 and widths["Open errors"] >= NARROWEST


def test_a_narrow_table_keeps_every_column_whole() -> None:
    frame = pd.DataFrame({"State": ["Connected"], "Organisation": ["Harbour Bakery Ltd (Xero)"]})
    widths = {name: fitted(frame)[name]["width"] for name in frame.columns}
    assert widths["Organisation"] >= len("Harbour Bakery Ltd (Xero)") * 7
    assert sum(widths.values()) < ROOM
