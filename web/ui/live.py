"""Parts of a page that keep themselves up to date while it is open: import progress, connection state, document
status, counts, the sidecar's pulse. Each is a Streamlit fragment rerun every HUB_LIVE_SECONDS on its own, so the
rest of the page (filters, forms, what the person is typing) is left alone. A redraw is not activity: it never
keeps a session alive, and once the session has ended the whole page reruns, which shows the sign-in form."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec

import streamlit as st

from core.staff import sessions
from web.runtime import get_hub

P = ParamSpec("P")


def _still_signed_in() -> bool:
    """Whether the session this page was drawn for is still live (one read; the session is not touched)."""
    hub, actor = get_hub(), st.session_state.get("actor")
    if actor is None:
        return False
    with hub.db.read() as session:
        return sessions.still_live(session, hub.settings, actor)


def part(body: Callable[P, None]) -> Callable[P, None]:
    """Make `body` a part of the page that redraws itself every HUB_LIVE_SECONDS, with the arguments it was last
    drawn with. Keep what it reads small: it runs all day on a page left open."""

    @st.fragment(run_every=get_hub().settings.live_seconds)
    @functools.wraps(body)
    def redrawn(*args: P.args, **kwargs: P.kwargs) -> None:
        if not _still_signed_in():
            st.rerun(scope="app")
        body(*args, **kwargs)

    return redrawn
