"""What app.py worked out for this run, read by the pages."""

from __future__ import annotations

import streamlit as st

from core.auth import Actor
from core.hub import Hub
from core.models.base import Company
from web.runtime import get_hub


def actor() -> Actor:
    """The signed-in actor (app.py only runs a page for a signed-in actor)."""
    found = st.session_state.get("actor")
    if found is None:
        st.warning("Your session has ended. Sign in again.", icon=":material/lock:")
        st.stop()
    return found


def company() -> Company | None:
    """The company picked in the sidebar (or a finance manager's own)."""
    return st.session_state.get("company")


def hub() -> Hub:
    return get_hub()
