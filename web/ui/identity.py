"""Who is looking at the page: the session cookie set by /auth/sign-in, or single sign-on."""

from __future__ import annotations

import streamlit as st

from core.auth import Actor
from core.hub import Hub
from core.staff import sessions, users


def sso_configured() -> bool:
    """Whether Streamlit's single sign-on (an [auth] section in secrets) is set up."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _sso_email() -> str | None:
    user = st.user
    if not user.get("is_logged_in"):
        return None
    email = user.get("email")
    return str(email) if email else None


def current_actor(hub: Hub) -> Actor | None:
    """The signed-in staff member, or None; keeps the session alive while it is used."""
    cookie = st.context.cookies.get(sessions.COOKIE_NAME)
    if cookie:
        with hub.db.read() as session:
            found = sessions.lookup(session, hub.settings, cookie)
        if found is not None:
            if found.needs_touch and found.actor.session_id:
                with hub.db.write() as session:
                    sessions.touch(session, found.actor.session_id)
            return found.actor
        # A cookie that finds no live session: idle too long, signed out elsewhere, disabled, or forged.
        st.session_state["session_ended"] = True
    email = _sso_email()
    if email is None:
        return None
    with hub.db.read() as session:
        user = users.get_by_email(session, email)
        if user is None or user.is_disabled:
            st.session_state["sso_refused"] = email
            return None
        actor = Actor.of(user)
    if not st.session_state.get("sso_sign_in_recorded"):
        with hub.db.write() as session:
            sessions.record_single_sign_on(session, actor)
        st.session_state["sso_sign_in_recorded"] = True
    return actor
