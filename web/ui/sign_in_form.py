"""The sign-in form: a plain HTML form posted to /auth/sign-in, so the password never passes through the page. It is
the sign-in page, and app.py shows it at any page's address opened by nobody signed in (signing in then lands there)."""

from __future__ import annotations

import re
from html import escape

import pandas as pd
import streamlit as st

from core.demo import seed as demo
from core.staff import signin
from web import destination
from web.runtime import get_hub
from web.ui.identity import sso_configured
from web.ui.messages import md


def show() -> None:
    """The form, any refusal or notice, and in the demo the demo accounts."""
    st.title("Xero integration hub")
    st.caption("Sign in with your staff account.")

    settings = get_hub().settings
    code = st.query_params.get("signin", "")
    if code == "signed_out":
        st.success("You are signed out.")
    elif code in signin.REFUSALS:
        wait = st.query_params.get("wait", "")
        st.error(signin.refusal_message(code, wait_seconds=int(wait) if re.fullmatch(r"\d{1,5}", wait) else 0))
    elif st.session_state.get("session_ended"):
        st.info(
            f"Your session has ended: sessions close after {settings.session_idle_hours:g} idle hours, when you sign "
            "out elsewhere, or when an admin changes your account. Sign in again to carry on.",
            icon=":material/schedule:",
        )

    if st.session_state.get("sso_refused"):
        st.error(md(st.session_state["sso_refused"]))

    email = escape(st.query_params.get("email", ""), quote=True)
    # The page asked for (a link from an alert email, an old tab): signing in lands there.
    back_to = escape(destination.asked_for(st.context.url, dict(st.query_params)), quote=True)
    left, _ = st.columns([2, 3])
    with left:
        st.html(
            f"""
            <form method="post" action="/auth/sign-in" class="hub-sign-in" autocomplete="on">
              <label for="email">Email</label>
              <input id="email" name="email" type="email" required autocomplete="username" value="{email}"
                     {"" if email else "autofocus"}>
              <label for="password">Password</label>
              <input id="password" name="password" type="password" required autocomplete="current-password"
                     {"autofocus" if email else ""}>
              <input type="hidden" name="next" value="{back_to}">
              <button type="submit">Sign in</button>
            </form>
            <style>
              .hub-sign-in {{ display:flex; flex-direction:column; gap:0.35rem; max-width:24rem; }}
              .hub-sign-in label {{ font-size:0.875rem; margin-top:0.4rem; }}
              .hub-sign-in input {{ padding:0.5rem 0.75rem; border-radius:0.5rem; border:1px solid #d6d6d9;
                                    background:#f0f2f6; font:inherit; }}
              .hub-sign-in button {{ margin-top:0.9rem; padding:0.5rem 0.75rem; border-radius:0.5rem; border:none;
                                     background:#13b5ea; color:white; font:inherit; font-weight:600; cursor:pointer; }}
            </style>
            """
        )
        if sso_configured() and st.button("Sign in with single sign-on", icon=":material/key:"):
            st.login()

    if settings.demo:
        st.divider()
        st.subheader("Demo accounts")
        st.caption(f"Every demo account's password is `{demo.DEMO_PASSWORD}`.")
        st.dataframe(
            pd.DataFrame([{"Email": a.email, "Who": a.name, "Role": a.description} for a in demo.ACCOUNTS]),
            hide_index=True,
        )
