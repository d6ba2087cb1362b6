"""Tables that fit the page: every column gets a width from its header and its values, and when together they are
wider than the narrowest page the hub is laid out for, the widest text columns give way (their cells end in "…" and
show whole on hover), so no column is ever pushed out of sight to the right."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
import streamlit as st

# The table area of a 1280-pixel-wide window with the sidebar open; wider windows have room to spare.
ROOM = 820
CHAR = 7.5  # pixels per character of the table's font, near enough
PADDING = 28
NARROWEST = 64
WIDEST = 420
DATETIME = 140
LINK = 112


def _wanted(name: str, values: pd.Series) -> int:
    """The width a column asks for: its header or nearly its longest value, within bounds."""
    if pd.api.types.is_datetime64_any_dtype(values) or any(hasattr(v, "tzinfo") for v in values.head(5)):
        return DATETIME
    texts = values.map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)).str.len()
    longest = int(texts.quantile(0.9)) if len(texts) else 0
    return max(NARROWEST, min(WIDEST, round(max(len(name), longest) * CHAR) + PADDING))


def fitted(frame: pd.DataFrame, config: Mapping[str, Any] | None = None, *, room: int = ROOM) -> dict[str, Any]:
    """Column settings with a width for every column, the given settings kept; the widths add up to `room` at most
    (unless even the narrowest widths cannot)."""
    config = dict(config or {})
    widths = {}
    for name in frame.columns:
        given = config.get(name)
        if isinstance(given, dict) and given.get("type_config", {}).get("type") == "link":
            widths[name] = LINK
        else:
            widths[name] = _wanted(str(name), frame[name])
    while sum(widths.values()) > room:
        widest = max(widths, key=lambda n: widths[n])
        if widths[widest] <= NARROWEST:
            break  # so many columns that even the narrowest widths do not fit
        over = sum(widths.values()) - room
        widths[widest] = max(NARROWEST, widths[widest] - max(4, min(over, widths[widest] // 4)))
    for name, width in widths.items():
        given = config.get(name)
        config[name] = {**given, "width": width} if isinstance(given, dict) else st.column_config.Column(width=width)
    return config


def show(frame: pd.DataFrame, config: Mapping[str, Any] | None = None, **options: Any) -> None:
    """st.dataframe without the index, as wide as the page, its columns fitted (see fitted)."""
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config=fitted(frame, config),
        **options,
    )
