"""Under a long list: the page picker and the CSV download (built only when pressed, the download audited)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core.text import plural
from web.ui import tables


def table(frame: pd.DataFrame, *, when: str) -> None:
    """A list's rows, with its "Xero" column as a link and its `when` column as a UTC time."""
    tables.show(
        frame,
        config={
            "Xero": st.column_config.LinkColumn("Xero", display_text="Open in Xero"),
            when: st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm"),
        },
    )


def pager_and_download(
    page: Any,
    *,
    key: str,
    noun: tuple[str, str],
    csv: Callable[[], str],
    on_download: Callable[[], None],
    file_name: str,
) -> None:
    """The picker keeps its page in `{key}-page`; a page past the end (the list shrank) shows the last one."""
    pager, download = st.columns([1, 3], vertical_alignment="bottom")
    if page.pages > 1:
        st.session_state[f"{key}-page"] = page.page  # clamped: the list may have shrunk since the last run
        pager.number_input("Page", min_value=1, max_value=page.pages, step=1, key=f"{key}-page")
    download.download_button(
        f"Download {plural(page.total, *noun)} (CSV)",
        data=csv,
        file_name=file_name,
        mime="text/csv",
        icon=":material/download:",
        on_click=on_download,
    )
