"""Overview: health at a glance. Companies needing a person first, then sync volume, errors, latency, API budget
and the sidecar. A finance manager sees their own company; support, admins and viewers see every company."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import companies
from core.auth import company_scope
from core.health import overview as dashboard
from core.models.base import Company
from core.models.sync import ConnectionState
from web.ui import context, dashboard_widgets, live, tables
from web.ui.chrome import ago
from web.ui.messages import md

actor, hub = context.actor(), context.hub()

st.title("Overview")


def _one_company(board: dashboard.Dashboard, company: Company) -> None:
    """A finance manager's view: their company's connection, what needs them, and its sync at a glance."""
    (health,) = board.companies
    view = health.view
    with st.container(border=True):
        st.subheader(company.name)
        if view.state is ConnectionState.CONNECTED:
            st.markdown(f":green-badge[:material/link: Connected to Xero · {md(view.organisation)}]")
        else:
            words = "Not connected to Xero" if view.state is None else f"Xero: {view.state_label}"
            st.markdown(f":gray-badge[:material/link_off: {words}]")
        st.caption(
            f"{companies.COUNTRIES.get(company.country, company.country)} · base currency {company.base_currency}"
            f" · alerts to {company.finance_contact_email or 'nobody yet (set a finance contact)'}"
        )
        cols = st.columns(4)
        cols[0].metric("Open sync errors", view.open_errors)
        cols[1].metric("Changes waiting", view.waiting + view.held)
        cols[2].metric("Last successful sync", ago(view.last_sync_at) if view.last_sync_at else "Not yet")
        cols[3].metric(
            "Xero calls left today",
            "—" if view.day_left is None else f"{view.day_left:,}",
            help=f"This minute: {'—' if view.minute_left is None else view.minute_left} of 60 (5,000 a day).",
        )
        if health.reasons:
            st.markdown("**Needs attention**")
            st.markdown("\n".join(f"- {md(reason.text)}" for reason in health.reasons))
            dashboard_widgets.fix_buttons(actor, health)
        elif view.state is ConnectionState.CONNECTED:
            st.success("Everything is syncing: nothing needs your attention.", icon=":material/check_circle:")
    dashboard_widgets.charts(board)
    dashboard_widgets.latency_and_backlog(board)
    st.caption(dashboard_widgets.background_sync_words(board.sidecar))


def _every_company(board: dashboard.Dashboard, visible: dict[int, Company]) -> None:
    """Support's view: every company, those needing a person first, then sync, budgets and background sync."""
    views = [c.view for c in board.companies]
    connected = sum(1 for v in views if v.state is ConnectionState.CONNECTED)
    first, second, third, fourth = st.columns(4)
    first.metric("Companies", len(views))
    second.metric("Connected to Xero", f"{connected} of {len(views)}")
    third.metric("Need attention", len(board.attention))
    fourth.metric(
        "Background sync",
        "Running" if board.sidecar.alive else "Stopped",
        help=f"The sidecar process that talks to Xero. Last heartbeat {ago(board.sidecar.last_beat_at)}.",
    )
    if board.places is not None:
        st.caption(f"{board.places.words} (Xero's cap for an app not yet certified).")
        if board.places.near:
            st.warning(board.places.advice, icon=":material/block:")

    dashboard_widgets.attention(actor, board)

    st.subheader("Sync")
    states = " · ".join(f"{label} {count}" for label, count in sorted(board.states.items()))
    st.caption(f"Connections by state: {states}")
    dashboard_widgets.charts(board)
    dashboard_widgets.latency_and_backlog(board)
    dashboard_widgets.budgets(board)

    st.subheader("Background sync")
    dashboard_widgets.sidecar_jobs(board)

    st.subheader("Companies")
    tables.show(
        pd.DataFrame(
            [
                {
                    "Company": h.view.company,
                    "Xero": h.view.state_label + (f" · {h.view.organisation}" if h.view.organisation else ""),
                    "Needs attention": "; ".join(r.text for r in h.reasons) or "—",
                    "Open errors": h.view.open_errors,
                    "Changes waiting": h.view.waiting + h.view.held,
                    "Oldest unsynced": ago(h.activity.oldest_unsynced_at) if h.activity.oldest_unsynced_at else "—",
                    "Country": companies.COUNTRIES.get(visible[h.view.company_id].country, ""),
                    "Finance contact": visible[h.view.company_id].finance_contact_email or "—",
                }
                for h in board.companies
            ]
        ),
    )


@live.part
def board_now() -> None:
    """The overview as it stands now: states, counts, charts, budgets and background sync."""
    with hub.db.read() as session:
        board = dashboard.build(
            session,
            actor,
            heartbeat_seconds=hub.settings.heartbeat_seconds,
            connection_cap=hub.settings.xero_connection_cap,
        )
        visible = {c.id: c for c in companies.list_visible(session, actor)}
    if not board.companies:
        st.info(
            "There are no companies yet, so there is nothing to show. A hub admin adds them on the Company settings "
            "page."
            if company_scope(actor) is None
            else "You are not linked to any company yet, so there is nothing to show. Ask a hub admin to link your "
            "account to your company.",
            icon=":material/info:",
        )
    elif len(board.companies) == 1:
        _one_company(board, visible[board.companies[0].view.company_id])
    else:
        _every_company(board, visible)


board_now()
