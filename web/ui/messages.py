"""Text the pages show: Xero's and the platform's words made safe for markdown, and what an action did."""

from __future__ import annotations

import streamlit as st

FLASH = "flash"


def md(text: str | None) -> str:
    """Text from Xero or the platform, safe inside markdown (no accidental bold, links or tables)."""
    return "".join("\\" + ch if ch in "\\`*_[]<>#|~$" else ch for ch in (text or ""))


def flash(message: str, url: str | None = None) -> None:
    """Say what an action did after the rerun that follows it (with a link to the record in Xero, if given)."""
    st.session_state[FLASH] = (message, url)


def show_flash() -> None:
    """What the last action did, once."""
    found = st.session_state.pop(FLASH, None)
    if found:
        message, url = found
        st.success(message, icon=":material/check:")
        if url:
            st.link_button("Open it in Xero", url, icon=":material/open_in_new:")
