"""No traceback ever reaches a page: expected refusals show their message, anything else a reference."""

from __future__ import annotations

import logging
import secrets

import streamlit as st

from core.failures import STARTUP_ERRORS, UNAVAILABLE_ERRORS, Refusal

log = logging.getLogger("hub.pages")

# What core refuses, and what stops the hub: each message is written for the person reading the page.
EXPECTED = (Refusal, *STARTUP_ERRORS)


def show(exc: BaseException) -> None:
    """Show an exception on the page the way its reader needs it."""
    if isinstance(exc, EXPECTED):
        st.error(str(exc), icon=":material/block:")
        return
    if isinstance(exc, UNAVAILABLE_ERRORS):
        log.warning("database unavailable on a page: %s", type(exc).__name__)
        st.error(
            "The hub cannot reach its database right now, so this page could not be shown. Nothing was changed. "
            "Try again in a minute; if it persists, tell the engineering team.",
            icon=":material/database:",
        )
        return
    reference = secrets.token_hex(4).upper()
    log.error("page error %s", reference, exc_info=exc)
    st.error(
        f"Something went wrong on this page and it was not shown in full (reference {reference}). "
        "Reload to try again; if it keeps happening, give the reference to the engineering team.",
        icon=":material/error:",
    )


def report_page_error(exc: Exception) -> bool:
    """st.App's on_script_error hook: show the error our way and suppress Streamlit's traceback."""
    show(exc)
    return True
