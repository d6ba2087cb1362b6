"""The Streamlit entry script: who is signed in, which pages they get, and the frame around them."""

from __future__ import annotations

import streamlit as st

from core.failures import STARTUP_ERRORS
from core.settings import PROJECT_ROOT
from web.runtime import get_hub
from web.ui import chrome, exceptions, sign_in_form
from web.ui.identity import current_actor
from web.ui.navigation import pages_for

FAVICON = PROJECT_ROOT / "web" / "static" / "favicon.png"

# The icon is served by the hub itself: a material icon would be fetched from the internet on every page.
st.set_page_config(page_title="Xero integration hub", page_icon=str(FAVICON), layout="wide")

try:
    hub = get_hub()
    hub.ensure_ready()
except STARTUP_ERRORS as problem:
    st.title("Xero integration hub")
    st.error(f"The hub cannot start: {problem}", icon=":material/database:")
    st.stop()

actor = current_actor(hub)
st.session_state["actor"] = actor
if actor is None:
    st.navigation(pages_for(None), position="hidden")
    show = sign_in_form.show  # whichever page's address was opened: signing in lands there
else:
    company = chrome.pick_company(hub, actor)
    st.session_state["company"] = company
    page = st.navigation(pages_for(actor))
    chrome.sidebar(hub, actor, company)
    chrome.reconnect_banner(hub, actor, company, link=page.url_path != "connections")
    show = page.run

try:
    show()
except Exception as exc:  # noqa: BLE001 - the last line of defence: no traceback reaches a page
    exceptions.show(exc)
