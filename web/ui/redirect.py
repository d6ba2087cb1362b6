"""Sending the browser on from a page, in the same tab: to Xero's consent page, or to the route that trades a single
sign-on ticket for the session cookie. A page cannot answer with a redirect, so it draws a line of script that
navigates, and a plain link in case scripts are blocked."""

from __future__ import annotations

import json
from html import escape

import streamlit as st


def go(url: str, *, fallback: str) -> None:
    """Navigate this tab to url now; show `fallback` as a link to it meanwhile."""
    st.html(
        f'<script>window.location.assign({json.dumps(url)});</script><a href="{escape(url, quote=True)}" '
        f'target="_self">{escape(fallback)}</a>',
        unsafe_allow_javascript=True,
    )
