"""The Sync errors page's panels: one error in full with its actions, and "retry all" with its dry run.

Text from Xero (messages, raw exchanges) is shown as code or escaped markdown, never as HTML. Each widget owns its
session_state keys, prefixed with the error's id or the panel's key.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from core.auth import Actor
from core.error_triage import actions as error_actions
from core.error_triage import detail as error_detail
from core.error_triage.actions import RetryPlan, Verdict
from core.error_triage.query import ErrorFilter
from core.hub import Hub
from core.text import plural
from web.ui import exceptions, tables
from web.ui.chrome import COMPANY_KEY
from web.ui.messages import flash, md

JUMP = "errors-jump"  # a search to open on the Contacts & suppliers page on the next run


HUB_PAGES = {
    "contacts": ("web/pages/contacts.py", "Contacts & suppliers"),
    "documents": ("web/pages/documents.py", "Documents"),
}


def jump_if_asked() -> None:
    """Open the hub page of an error's record, searched for it (asked for by a button's callback)."""
    target = st.session_state.pop(JUMP, None)
    if target in HUB_PAGES:
        st.switch_page(HUB_PAGES[target][0])


def _to_hub(page: str, company_id: int, search: str) -> None:
    # A callback runs before the sidebar's company picker is drawn, so its value may still be set here. The
    # search box's key is the one the target page gives it ("<page>-<company id>-text").
    st.session_state[COMPANY_KEY] = company_id
    st.session_state[f"{page}-{company_id}-text"] = search
    st.session_state[JUMP] = page


def _act(hub: Hub, do: Callable[[Any], str]) -> None:
    """Run one action in its own transaction; say what it did after the rerun, or why it was refused."""
    try:
        with hub.db.write() as session:
            message = do(session)
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
        return
    flash(message)
    st.rerun()


PREFLIGHT = "Not sent to Xero:"  # how the pre-flight check's refusals start (core.documents.preflight)
# The state of the change an error is tied to, in words (core.models.sync.OutboxState).
WAITING = {
    "pending": "waits to be sent again",
    "leased": "is being sent",
    "failed": "failed and waits for a retry",
    "held": "is held until the connection is reconnected",
    "done": "reached Xero",
    "discarded": "was discarded",
}


def detail_panel(hub: Hub, actor: Actor, error_id: int) -> None:
    """One error: what happened, what Xero said, the fix, who acts, the raw exchange, history, links and actions."""
    with hub.db.read() as session:
        found = error_detail.detail(session, actor, error_id, xero_api_url=hub.settings.xero_api_url)
    row, cause = found.row, found.cause
    with st.container(border=True):
        st.subheader(f"{cause.title} · {md(row.company)}")
        entity = f"{row.entity_type} {md(row.entity_number or row.entity_id or '')}" if row.entity_type else "—"
        st.markdown(f"**Record:** {entity}  \n**Status:** {row.status} · **Who acts:** {row.who}")
        st.markdown(f"**What happened:** {cause.explanation}")
        if row.detail:  # the hub's own check speaks for itself; anything else is Xero's answer
            st.markdown("**What the check found:**" if row.detail.startswith(PREFLIGHT) else "**What Xero said:**")
            st.code(row.detail, language=None, wrap_lines=True)
        st.markdown(f"**How to fix it:** {cause.fix}")
        st.caption(
            f"First seen {row.first_seen_at:%Y-%m-%d %H:%M} UTC · last seen {row.last_seen_at:%Y-%m-%d %H:%M} UTC · "
            f"{row.occurrences:,} time{'s' if row.occurrences != 1 else ''}"
            + (f" · its change {WAITING.get(found.waiting, 'is ' + found.waiting)}" if found.waiting else "")
            + (f" · closed {found.resolved_at:%Y-%m-%d %H:%M} UTC" if found.resolved_at else "")
        )
        if row.note:
            st.markdown(f"**Note:** {md(row.note)}")
        links = st.columns(2)
        if found.hub_page in HUB_PAGES and found.hub_search:
            links[0].button(
                f"Find it in {HUB_PAGES[found.hub_page][1]}",
                key=f"error-{error_id}-hub",
                icon=":material/search:",
                on_click=_to_hub,
                args=(found.hub_page, row.company_id, found.hub_search),
            )
        if found.xero_url:
            links[1].link_button("Open it in Xero", found.xero_url, icon=":material/open_in_new:")
        with st.expander("Raw exchange with Xero (secrets removed)"):
            for label, part in (("Request", found.request), ("Response", found.response)):
                if part is None:
                    st.caption(f"{label}: none was recorded.")
                    continue
                st.markdown(f"**{label}**")
                st.code(part.text, language="json", wrap_lines=True)
                if part.note:
                    st.caption(part.note)
        if found.history:
            st.markdown("**History**")
            tables.show(
                pd.DataFrame(
                    [
                        {"When (UTC)": h.at, "Who": h.who, "What": h.what, "Change": h.change, "Note": h.note or ""}
                        for h in found.history
                    ]
                ),
                config={"When (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")},
            )
        else:
            st.caption("No one has acted on this error yet.")
        _actions(hub, actor, error_id, open_=row.status in ("open", "retrying"))


def _actions(hub: Hub, actor: Actor, error_id: int, *, open_: bool) -> None:
    retry, resolve, note, ignore = st.columns([1, 1, 3, 1], vertical_alignment="bottom")
    if retry.button("Retry", key=f"error-{error_id}-retry", icon=":material/replay:", disabled=not open_):

        def _retry(session: Any) -> str:
            (check,) = error_actions.retry(session, actor, error_ids=[error_id], dry_run=False).checks
            return f"Error #{error_id}: {check.verdict.value}. {check.reason}"

        _act(hub, _retry)
    if resolve.button("Resolve", key=f"error-{error_id}-resolve", icon=":material/check:", disabled=not open_):

        def _resolve(session: Any) -> str:
            error_actions.resolve(session, actor, error_id)
            return f"Error #{error_id} resolved: it leaves the open list (it reopens if the record fails again)."

        _act(hub, _resolve)
    text = note.text_input(
        "Note (required to ignore)", key=f"error-{error_id}-note", placeholder="Why no one needs to act on it"
    )
    if ignore.button("Ignore", key=f"error-{error_id}-ignore", icon=":material/visibility_off:", disabled=not open_):
        if not text.strip():
            st.error("Write a note first: say why this error is ignored, for the next person who reads it.")
            return

        def _ignore(session: Any) -> str:
            error_actions.ignore(session, actor, error_id, note=text)
            return f"Error #{error_id} ignored with your note: it stays off the open list even if it happens again."

        _act(hub, _ignore)


def _plan_table(plan: RetryPlan) -> None:
    # Each reason whole, once, with how many errors it holds back or lets go: in the table below it is one cell
    # of many, cut to the column's width.
    reasons = Counter((c.verdict.value, c.reason) for c in plan.checks)
    lines = [
        f"- **{md(verdict.capitalize())}** ({plural(n, 'error', 'errors')}): {md(why)}"
        for (verdict, why), n in reasons.items()
    ]
    st.markdown("\n".join(lines))
    tables.show(
        pd.DataFrame(
            [
                {
                    "Error": f"#{c.error_id}",
                    "Company": c.company,
                    "Record": c.entity,
                    "Cause": c.title,
                    "Would": c.verdict.value,
                    "Why": c.reason,
                }
                for c in plan.checks
            ]
        ),
    )


def retry_all(hub: Hub, actor: Actor, flt: ErrorFilter, *, label: str, key: str) -> None:
    """Retry every open error of a group or filter: a dry run first, then a confirmation that sends."""
    stored = st.session_state.get(key)
    plan: RetryPlan | None = stored[1] if stored and stored[0] == flt else None
    if plan is None:
        if st.button(label, key=f"{key}-dry", icon=":material/replay:"):
            try:
                with hub.db.read() as session:
                    plan = error_actions.retry(session, actor, flt=flt, dry_run=True)
            except exceptions.EXPECTED as exc:
                exceptions.show(exc)
                return
            st.session_state[key] = (flt, plan)
            st.rerun()
        return
    sendable = plan.count(Verdict.GO) + plan.count(Verdict.PULL)
    then = (
        "confirm to retry those that would go now."
        if sendable
        else "none would go now; fix what holds them back (below), then run the dry run again."
    )
    st.info(f"{plan.summary} Nothing has been sent yet: {then}", icon=":material/rule:")
    if plan.checks:
        _plan_table(plan)
    go, cancel = st.columns([1, 4])
    label = f"Retry {sendable:,} now" if sendable else "Nothing to retry now"
    if go.button(label, key=f"{key}-go", type="primary", disabled=not sendable):
        st.session_state.pop(key, None)
        _act(hub, lambda session: error_actions.retry(session, actor, flt=flt, dry_run=False).summary)
    if cancel.button("Cancel", key=f"{key}-cancel"):
        st.session_state.pop(key, None)
        st.rerun()
