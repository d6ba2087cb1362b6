"""The overview's building blocks: companies needing attention (with the way to fix each), the per-hour charts,
push latency, API budgets and the sidecar's jobs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.auth import Actor
from core.health.overview import CompanyHealth, Dashboard
from core.health.overview_plan import CONNECTIONS, ERRORS, RUNS
from core.health.sidecar import SidecarStatus
from core.models.sync import ConnectionState
from core.text import plural
from web.ui import tables
from web.ui.chrome import COMPANY_KEY, ago
from web.ui.messages import md
from web.ui.navigation import page_files_for

FIXES = {
    CONNECTIONS: ("web/pages/connections.py", "Open Xero connections", ":material/link:"),
    ERRORS: ("web/pages/errors.py", "Open sync errors", ":material/error:"),
    RUNS: ("web/pages/sync_runs.py", "Open sync runs", ":material/history:"),
}
JOB_OUTCOMES = {"ok": "✅ done", "failed": "❌ failed", "running": "⏳ running"}
# The attention list shows this many companies in full; the rest are in the companies table below it.
SHOWN = 12


def duration(seconds: float | None) -> str:
    """'0.8 s', '42 s', '6 min' or '3.5 h'."""
    if seconds is None:
        return "—"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _pick(company_id: int) -> None:
    # A button callback runs before the script, so the sidebar's company picker takes the value on the next page.
    st.session_state[COMPANY_KEY] = company_id


def fix_buttons(actor: Actor, health: CompanyHealth) -> None:
    """One button per page that fixes something of this company; it opens the page with the company picked."""
    registered = {spec[0] for spec in page_files_for(actor)}
    company_id = health.view.company_id
    for fix in dict.fromkeys(r.fix for r in health.reasons):
        path, label, icon = FIXES[fix]
        if path not in registered:  # not a page this person may open (a viewer and sync errors): say who can
            st.caption(f"{label.removeprefix('Open ').capitalize()}: support and the company's finance managers act.")
            continue
        if st.button(label, key=f"fix-{company_id}-{fix}", icon=icon, on_click=_pick, args=(company_id,)):
            st.switch_page(path, query_params={"company": str(company_id)} if fix == ERRORS else None)


def attention(actor: Actor, board: Dashboard) -> None:
    """Companies needing a person, most urgent first, each with its reasons and where to fix them."""
    needing = board.attention
    st.subheader(f"Needs attention ({len(needing)})" if needing else "Needs attention")
    if not needing:
        st.success("No company needs attention: every connection is healthy.", icon=":material/check_circle:")
        return
    for health in needing[:SHOWN]:
        view = health.view
        with st.container(border=True, key=f"attention-{view.company_id}"):
            st.markdown(
                f"**{md(view.company)}** · {view.state_label}"
                + (f" · {md(view.organisation)}" if view.organisation and view.organisation != view.company else "")
            )
            st.markdown("\n".join(f"- {md(reason.text)}" for reason in health.reasons))
            fix_buttons(actor, health)
    if len(needing) > SHOWN:
        more = len(needing) - SHOWN
        st.caption(f"{plural(more, 'more company needs', 'more companies need')} attention; the table below lists all.")


def _hour_frame(board: Dashboard, columns: dict[str, tuple[int, ...]]) -> pd.DataFrame:
    # Naive UTC hours: the chart then labels them as they are, whatever the reader's time zone.
    hours = [h.replace(tzinfo=None) for h in board.hours]
    return pd.DataFrame(columns, index=pd.DatetimeIndex(hours, name="Hour (UTC)"))


def charts(board: Dashboard) -> None:
    """Records synced and new sync errors per hour over the last 24 hours (or why there is nothing to chart)."""
    left, right = st.columns(2)
    with left:
        st.markdown("**Records synced per hour** (last 24 h, UTC)")
        if sum(board.pulled) + sum(board.pushed) == 0:
            st.info("No records synced in the last 24 hours, so there is nothing to chart yet.", icon=":material/info:")
        else:
            st.bar_chart(_hour_frame(board, {"From Xero": board.pulled, "To Xero": board.pushed}), height=240)
            st.caption(f"{sum(board.pulled):,} received from Xero · {sum(board.pushed):,} sent to Xero")
    with right:
        st.markdown("**New sync errors per hour** (last 24 h, UTC)")
        if sum(board.errors) == 0:
            st.info("No new sync errors in the last 24 hours.", icon=":material/check_circle:")
        else:
            st.bar_chart(_hour_frame(board, {"New errors": board.errors}), height=240, color="#d33")
            st.caption(plural(sum(board.errors), "new sync error", "new sync errors"))


def latency_and_backlog(board: Dashboard) -> None:
    """Push latency p50/p95 and the oldest change not yet in Xero."""
    first, second, third = st.columns(3)
    if board.latency is None:
        first.metric("Push latency p50", "—", help="No change was sent to Xero in the last 24 hours.")
        second.metric("Push latency p95", "—", help="No change was sent to Xero in the last 24 hours.")
    else:
        note = f"From a change recorded to Xero accepting it, over {board.latency.sample:,} changes in the last 24 h."
        first.metric("Push latency p50", duration(board.latency.p50), help=note)
        second.metric("Push latency p95", duration(board.latency.p95), help=note)
    oldest = board.oldest_unsynced
    if oldest is None:
        third.metric("Oldest unsynced change", "None waiting", help="Every change has reached Xero.")
    else:
        third.metric(
            "Oldest unsynced change",
            ago(oldest.activity.oldest_unsynced_at),
            help=f"{oldest.view.company}: {oldest.activity.unsynced} changes waiting to reach Xero.",
        )
        st.caption(
            f"Oldest unsynced change: {oldest.view.company}, waiting since {ago(oldest.activity.oldest_unsynced_at)}"
        )


def budgets(board: Dashboard) -> None:
    """Xero calls left this minute and today, per connected organisation."""
    rows = [
        {
            "Company": c.view.company,
            "Xero organisation": "same name" if c.view.organisation == c.view.company else c.view.organisation,
            "Calls left this minute": "—" if c.view.minute_left is None else c.view.minute_left,
            "Calls left today": "—" if c.view.day_left is None else f"{c.view.day_left:,}",
            "Paused until (UTC)": f"{c.view.paused_until:%H:%M}" if c.view.paused_until else "not paused",
        }
        for c in board.companies
        if c.view.organisation and c.view.state is ConnectionState.CONNECTED
    ]
    st.markdown("**Xero API budget left per organisation** (60 a minute, 5,000 a day)")
    if not rows:
        st.info("No organisation is connected, so no Xero calls are being spent.", icon=":material/info:")
        return
    tables.show(pd.DataFrame(rows))
    st.caption("A dash: Xero has not answered a call for that organisation yet.")


def background_sync_words(status: SidecarStatus) -> str:
    """One line about the background sync (the sidecar process): running or not, and its last heartbeat."""
    if status.alive:
        return f"Background sync running · last heartbeat {ago(status.last_beat_at)}"
    if status.last_beat_at is None:
        return "Background sync has never run"
    return f"Background sync stopped · last heartbeat {ago(status.last_beat_at)}"


def sidecar_jobs(board: Dashboard) -> None:
    """The background sync's heartbeat and each of its jobs' last run."""
    status = board.sidecar
    running = f" · {plural(status.instances, 'process', 'processes')} running" if status.instances > 1 else ""
    st.markdown(background_sync_words(status) + running)
    if not status.alive:
        st.warning(
            "Nothing syncs while the background sync is stopped. Start it with `python -m scheduler` (the demo "
            "launcher starts it for you).",
            icon=":material/warning:",
        )
    if not status.jobs:
        st.caption("No background job has run yet.")
        return
    tables.show(
        pd.DataFrame(
            [
                {
                    "Job": job.label,
                    "Last started": ago(job.last_started_at),
                    "Outcome": JOB_OUTCOMES.get(job.outcome or "", "—"),
                    "Runs": job.runs,
                    "Detail": job.detail or "",
                }
                for job in status.jobs
            ]
        ),
        height="content",
    )
