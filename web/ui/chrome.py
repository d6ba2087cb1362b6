"""The frame around every page: who is signed in, which company, sign-out, and the sidecar's pulse."""

from __future__ import annotations

from datetime import datetime
from html import escape

import streamlit as st

from core import clock, companies
from core.auth import Actor
from core.connections import banner as connection_banner
from core.health import sidecar
from core.hub import Hub
from core.models.base import Company, Role
from core.text import plural
from web.ui.messages import md

COMPANY_KEY = "company_id"
BANNER_ICONS = {
    connection_banner.Kind.NEEDS_RECONNECT: ":material/sync_problem:",
    connection_banner.Kind.DISCONNECTED: ":material/link_off:",
    connection_banner.Kind.AUTO_DISCONNECTED: ":material/link_off:",
    connection_banner.Kind.REMOVED: ":material/link_off:",
}


def ago(moment: datetime | None) -> str:
    """'12 s ago', '5 min ago', '3 h ago' or 'never'."""
    if moment is None:
        return "never"
    seconds = max(0, int((clock.now() - moment).total_seconds()))
    if seconds < 90:
        return f"{seconds} s ago"
    if seconds < 90 * 60:
        return f"{seconds // 60} min ago"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def who(actor: Actor, company: Company | None) -> str:
    if actor.role is Role.FINANCE_MANAGER:
        admin = " (company admin)" if actor.is_company_admin else ""
        return f"Finance manager{admin} · {company.name if company else 'no company'}"
    return actor.role.label


def pick_company(hub: Hub, actor: Actor) -> Company | None:
    """The company the pages show: a finance manager's own, or the one picked in the sidebar."""
    with hub.db.read() as session:
        visible = companies.list_visible(session, actor)
    if not visible:
        return None
    by_id = {company.id: company for company in visible}
    if len(visible) == 1:
        st.session_state[COMPANY_KEY] = visible[0].id
        return visible[0]
    if st.session_state.get(COMPANY_KEY) not in by_id:
        st.session_state[COMPANY_KEY] = visible[0].id
    chosen = st.sidebar.selectbox(
        "Company", options=list(by_id), format_func=lambda cid: by_id[cid].name, key=COMPANY_KEY
    )
    return by_id[chosen]


def sidecar_status(hub: Hub) -> None:
    """The background sync's pulse and each job's last run, on every page."""
    with hub.db.read() as session:
        status = sidecar.status(session, heartbeat_seconds=hub.settings.heartbeat_seconds)
    if status.alive:
        label = f":green[●] Background sync running · {ago(status.last_beat_at)}"
    elif status.last_beat_at is None:
        label = ":red[●] Background sync has never run"
    else:
        label = f":red[●] Background sync stopped · {ago(status.last_beat_at)}"
    with st.popover(label, width="stretch"):
        st.caption("The background sync (the sidecar process) sends changes to Xero and reads back what changed.")
        if not status.alive:
            st.warning(
                "Nothing is syncing while the background sync is stopped. Start it with `python -m scheduler` "
                "(the demo launcher starts it for you).",
                icon=":material/warning:",
            )
        if not status.jobs:
            st.caption("No background job has run yet.")
        for job in status.jobs:
            outcome = {"ok": "✅", "failed": "❌", "running": "⏳"}.get(job.outcome or "", "·")
            runs = plural(job.runs, "run", "runs")
            st.markdown(f"{outcome} **{job.label}** · last {ago(job.last_started_at)} · {runs}", help=job.job_id)
            if job.outcome == "failed" and job.detail:
                st.caption(job.detail)


def sign_out_button() -> None:
    """A plain form post to /auth/sign-out, which ends the session row and clears the cookie."""
    st.sidebar.html(
        """
        <form method="post" action="/auth/sign-out" style="margin:0">
          <button type="submit" data-testid="sign-out" style="width:100%;padding:0.4rem 0.75rem;
            border-radius:0.5rem;border:1px solid rgba(49,51,63,0.2);background:white;cursor:pointer;
            font:inherit">Sign out</button>
        </form>
        """
    )


def reconnect_banner(hub: Hub, actor: Actor, company: Company | None, *, link: bool = True) -> None:
    """On every page of a company whose Xero connection stopped syncing: what happened, when, what waits, and (for
    those who may connect Xero for it) the way to reconnect. `link` is off on the page the link would open."""
    if company is None:
        return
    with hub.db.read() as session:
        found = connection_banner.of_company(session, actor, company.id)
    if found is None:
        return
    st.warning(f"**{md(found.headline)}** {md(found.detail)}", icon=BANNER_ICONS[found.kind])
    if found.can_reconnect and link:
        st.page_link("web/pages/connections.py", label="Open Xero connections to reconnect", icon=":material/link:")


def sidebar(hub: Hub, actor: Actor, company: Company | None) -> None:
    """Everything the sidebar shows below the navigation."""
    st.sidebar.markdown(f"**{escape(actor.name)}**  \n{escape(actor.email)}")
    st.sidebar.caption(who(actor, company))
    # Drawn with each page, not redrawn on a timer: every timer on a page is one more redraw that can cross a click.
    # The overview's background sync section redraws by itself.
    with st.sidebar:
        sidecar_status(hub)
    if actor.session_id is None:
        if st.sidebar.button("Sign out", width="stretch"):
            st.logout()
    else:
        sign_out_button()
