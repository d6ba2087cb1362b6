"""Who is looking at the page: the session cookie set by /auth/sign-in, or single sign-on."""

from __future__ import annotations

import streamlit as st

from core.auth import Actor, PermissionDenied
from core.hub import Hub
from core.staff import sessions, single_sign_on
from web.ui import redirect

HANDOFF_ROUTE = "/auth/single-sign-on"


def sso_configured() -> bool:
    """Whether Streamlit's single sign-on (an [auth] section in secrets) is set up."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:
        return False


def _sso_identity() -> single_sign_on.Identity | None:
    user = st.user
    if not user.get("is_logged_in"):
        return None
    return single_sign_on.Identity(
        email=str(user.get("email") or ""),
        email_verified=user.get("email_verified") is True,
        issuer=str(user.get("iss") or ""),
        subject=str(user.get("sub") or ""),
    )


def current_actor(hub: Hub) -> Actor | None:
    """The signed-in staff member, or None; keeps the session alive while it is used."""
    cookie = st.context.cookies.get(sessions.cookie_name(hub.settings))
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
    identity = _sso_identity()
    if identity is None:
        return None
    if st.query_params.get("signin") == "signed_out":
        st.logout()  # end the identity provider's sign-in in this browser too, or it would sign straight back in
        return None
    return _single_sign_on(hub, identity)


def _single_sign_on(hub: Hub, identity: single_sign_on.Identity) -> Actor | None:
    """The session single sign-on opened in this browser tab (opening it the first time), while the browser trades
    the ticket for the session's cookie."""
    actor = st.session_state.get("sso_actor")
    if isinstance(actor, Actor):
        try:
            with hub.db.read() as session:
                return sessions.current(session, actor)
        except PermissionDenied:
            del st.session_state["sso_actor"]
            st.session_state["session_ended"] = True
            return None
    with hub.db.write() as session:
        outcome = single_sign_on.sign_in(session, hub.settings, identity, user_agent=_user_agent())
    if outcome.actor is None:
        st.session_state["sso_refused"] = single_sign_on.refusal_message(outcome.refusal or "", identity.email)
        return None
    st.session_state["sso_actor"] = outcome.actor
    _hand_over(outcome.ticket or "")
    return outcome.actor


def _hand_over(ticket: str) -> None:
    """Send the browser to the route that trades the ticket for the session cookie (then back to the hub)."""
    redirect.go(f"{HANDOFF_ROUTE}?ticket={ticket}", fallback="Continue to the hub")


def _user_agent() -> str:
    return str(st.context.headers.get("user-agent") or "")
