"""Sync runs: when did this company last sync with Xero, and what happened? Every import, poll and push batch,
newest first, and the diagnostics download support attaches to an escalation."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from core import clock
from core.health import diagnostics
from core.models.sync import RunState
from core.sync import run_history, runs
from web.ui import context, exceptions, tables
from web.ui.chrome import ago
from web.ui.dashboard_widgets import duration
from web.ui.messages import md

actor, hub, company = context.actor(), context.hub(), context.company()
st.title("Sync runs")
if company is None:
    st.info("Pick a company in the sidebar to see its sync runs.", icon=":material/info:")
    st.stop()

st.caption(
    f"{company.name}: every import, poll and push batch, newest first. Runs older than {run_history.KEEP.days} days "
    "are cleared out by themselves."
)
left, right = st.columns([3, 1])
job = left.selectbox(
    "Job",
    options=["", *runs.JOBS],
    format_func=lambda j: "Every job" if not j else runs.JOBS[j],
    key=f"runs-job-{company.id}",
)
page = right.number_input("Page", min_value=1, value=1, step=1, key=f"runs-page-{company.id}-{job}")

with hub.db.read() as session:
    found = run_history.list_runs(session, actor, company_id=company.id, job=job or None, page=int(page))

if not found.rows:
    which = f" of “{runs.JOBS[job]}”" if job else ""
    st.info(
        f"No sync run{which} is recorded for {company.name} yet. Runs appear once the company is connected to Xero "
        "and the hub imports, checks or sends changes.",
        icon=":material/info:",
    )
else:
    newest = found.rows[0] if found.page == 1 else None
    if newest is not None:
        when = {
            RunState.QUEUED: f"asked for {ago(newest.requested_at)}, waiting to start",
            RunState.RUNNING: f"started {ago(newest.started_at)}, still running",
        }.get(newest.state, f"{newest.state.value} {ago(newest.finished_at)}")
        st.markdown(
            f"**Last run:** {newest.job_label}, {when}" + (f" — {md(newest.outcome)}" if newest.outcome else "")
        )
    tables.show(
        pd.DataFrame(
            [
                {
                    "Job": r.job_label,
                    "State": r.state.value,
                    "Started (UTC)": r.started_at,
                    "Finished (UTC)": r.finished_at,
                    "Duration": duration(r.seconds),
                    "Records": r.records,
                    "API calls": r.api_calls,
                    "Outcome": r.outcome or "",
                }
                for r in found.rows
            ]
        ),
        config={
            "Job": st.column_config.TextColumn(width="medium"),
            "Outcome": st.column_config.TextColumn(width="large"),
            "Started (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
            "Finished (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss"),
        },
    )
    st.caption(f"Page {found.page} of {found.pages} · {found.total:,} runs")

if diagnostics.may_download(actor, company.id):
    st.subheader("Diagnostics")
    st.caption(
        "One JSON file with this company's connection, settings, mappings, recent runs and errors (with Xero's raw "
        "answers), outbox, API budget and the sidecar's state, with every secret removed. Attach it to an escalation."
    )
    try:
        with hub.db.read() as session:
            bundle = diagnostics.build(session, actor, company.id, settings=hub.settings)
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
    else:

        def _audit_download() -> None:
            with hub.db.write() as session:
                diagnostics.record_download(session, actor, company.id)

        st.download_button(
            "Download diagnostics (JSON)",
            json.dumps(bundle, indent=2, default=str),
            file_name=f"xero-diagnostics-{company.id}-{clock.now():%Y%m%d-%H%M}.json",
            mime="application/json",
            icon=":material/download:",
            on_click=_audit_download,
        )
