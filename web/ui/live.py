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


# A part with nothing under way redraws this many times less often, or not at all (see part).
SLOWER = 6


def part(
    body: Callable[P, None] | None = None, *, moving: bool = True, idle: bool = True
) -> Callable[P, None] | Callable[[Callable[P, None]], Callable[P, None]]:
    """Make `body` a part of the page that redraws itself, with the arguments it was last drawn with: every
    HUB_LIVE_SECONDS while something on it is `moving` (an import, a retry, a document on its way), otherwise six
    times less often, or (`idle=False`, for parts beside forms) not until the page is drawn again. Every redraw timer
    is one more rerun that can cross a person's click, so a part only keeps a fast one while it has news to show.
    Keep what it reads small: it runs all day on a page left open."""

    def made(fn: Callable[P, None]) -> Callable[P, None]:
        seconds = get_hub().settings.live_seconds
        if not moving and not idle:
            return fn

        @st.fragment(run_every=seconds if moving else seconds * SLOWER)
        @functools.wraps(fn)
        def redrawn(*args: P.args, **kwargs: P.kwargs) -> None:
            if not _still_signed_in():
                st.rerun(scope="app")
            fn(*args, **kwargs)

        return redrawn

    return made(body) if body is not None else made
