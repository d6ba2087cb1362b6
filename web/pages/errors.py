"""Sync errors: what did not reach Xero, grouped by cause and company or one by one, with filters from the URL
(alert emails link here with ?company=<id>), a detail panel, retry with a dry run, resolve, ignore, and CSV."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import streamlit as st

from core import clock, companies
from core.error_triage import detail as error_detail
from core.error_triage import query as error_query
from core.error_triage.query import AGE_LABELS, ENTITY_TYPES, STATUS_LABELS, WHO, ErrorFilter
from core.staff import sessions
from core.sync.causes import CAUSES
from core.sync.causes import cause as cause_of
from web.ui import context, error_tables, live
from web.ui.error_panels import detail_panel, jump_if_asked, retry_all
from web.ui.exceptions import EXPECTED, show
from web.ui.messages import md, show_flash

actor, hub = context.actor(), context.hub()
jump_if_asked()
st.title("Sync errors")
show_flash()

with hub.db.read() as session:
    names = {c.id: c.name for c in companies.list_visible(session, actor)}

# A new URL (a link from an alert email) seeds the filters; after that the widgets rule and the URL follows them.
# Coming back from another page (which drops this page's widget values), the filter saved below is restored.
url = st.query_params.to_dict()
fresh_link = bool(url) and url != st.session_state.get("errors-url")
if fresh_link or "errors-text" not in st.session_state:
    start = error_query.from_params(url if fresh_link else st.session_state.get("errors-saved", {}))
    if start.company_id is not None and start.company_id not in names:
        st.warning("That link is for a company you cannot see, so every company you can see is shown.")
        start = replace(start, company_id=None)
    seeded = {"company": start.company_id, "cause": start.cause, "entity": start.entity_type, "who": start.who}
    seeded |= {"status": list(start.statuses), "age": start.age, "text": start.text}
    for name, value in seeded.items():
        st.session_state[f"errors-{name}"] = value

with st.container(border=True):
    first, second, third = st.columns([2, 1, 1])
    text = first.text_input(
        "Search record, message or company", key="errors-text", placeholder="e.g. SUP-1001 or archived"
    )
    company_id = second.selectbox(
        "Company",
        [None, *names],
        format_func=lambda c: names.get(c, "All companies"),
        key="errors-company",
        placeholder="All companies",
    )
    cause = third.selectbox(
        "Cause",
        [None, *CAUSES],
        format_func=lambda c: CAUSES[c].title if c else "Any cause",
        key="errors-cause",
        placeholder="Any cause",
    )
    fourth, fifth, sixth, seventh = st.columns(4)
    entity = fourth.selectbox(
        "Record type",
        [None, *ENTITY_TYPES],
        format_func=lambda e: ENTITY_TYPES.get(e, "Any"),
        key="errors-entity",
        placeholder="Any",
    )
    who = fifth.selectbox(
        "Who acts", [None, *WHO], format_func=lambda w: WHO.get(w, "Anyone"), key="errors-who", placeholder="Anyone"
    )
    statuses = sixth.multiselect(
        "Status", list(STATUS_LABELS), format_func=STATUS_LABELS.get, key="errors-status", placeholder="Any status"
    )
    age = seventh.selectbox(
        "First seen",
        [None, *AGE_LABELS],
        format_func=lambda a: AGE_LABELS.get(a, "Any time"),
        key="errors-age",
        placeholder="Any time",
    )
flt = ErrorFilter(company_id, cause, entity, who, tuple(statuses), age, text)
st.query_params.from_dict(flt.params())
st.session_state["errors-url"] = st.query_params.to_dict()
st.session_state["errors-saved"] = flt.params()
if st.session_state.get("errors-filter") != flt:  # a new filter starts on its first page
    st.session_state["errors-filter"] = flt
    st.session_state["errors-group-page"] = st.session_state["errors-flat-page"] = 1

view = st.radio(
    "View",
    ["Grouped by cause and company", "Every error"],
    horizontal=True,
    key="errors-view",
    label_visibility="collapsed",
)


PAGER = {"Every error": "errors-flat-page"}


def _page(flt: ErrorFilter, view: str) -> Any:
    """The page of errors or groups the pager points at."""
    number = int(st.session_state[PAGER.get(view, "errors-group-page")])
    with hub.db.read() as session:
        if view == "Every error":
            return error_query.errors(session, actor, flt, page=number)
        return error_query.groups(session, actor, flt, page=number)


with hub.db.read() as session:
    retrying = error_query.status_counts(session, actor, flt).get("retrying", 0)


# Fast while errors are being retried (they leave as they reach Xero), slower otherwise (new ones come in).
@live.part(moving=retrying > 0)
def errors_now(flt: ErrorFilter, view: str) -> None:
    """The matching errors as they stand now: new ones appear and fixed ones leave while the page is open."""
    try:
        with hub.db.read() as session:
            counts = error_query.status_counts(session, actor, flt)
        page = _page(flt, view)
    except EXPECTED as exc:
        show(exc)
        return
    if page.total == 0:
        if flt == ErrorFilter() or flt == ErrorFilter(company_id=flt.company_id):
            where = f" for {names[flt.company_id]}" if flt.company_id else ""
            st.success(f"No open sync errors{where} — everything reached Xero.", icon=":material/task_alt:")
        else:
            st.info("No errors match the filter. Clear a filter or change the search.", icon=":material/search_off:")
        return
    summary = ", ".join(f"{counts.get(s, 0):,} {s}" for s in STATUS_LABELS)
    st.caption(f"Matching the other filters: {summary}.")
    if view != "Every error":
        error_tables.groups(page)
    else:
        error_tables.errors(page)


errors_now(flt, view)
try:  # what the pager and pickers below act on (the list above redraws itself; these follow on the next full run)
    page = _page(flt, view)
except EXPECTED:
    st.stop()  # said in the list above
if page.total == 0:
    st.stop()
if page.pages > 1:
    pager_key = PAGER.get(view, "errors-group-page")
    st.session_state[pager_key] = page.page  # clamped: the list may have shrunk since the last run
    st.number_input("Page", min_value=1, max_value=page.pages, step=1, key=pager_key)

if view != "Every error":
    groups = page.rows
    pick = st.selectbox(
        "Act on a group",
        range(len(groups)),
        format_func=lambda i: f"{groups[i].title} — {groups[i].company} ({groups[i].errors:,})",
        key="errors-group",
    )
    group = groups[min(pick or 0, len(groups) - 1)]
    fix = cause_of(group.cause)
    with st.container(border=True):
        st.markdown(f"**{group.title}** at {md(group.company)} · **Who acts:** {group.who}")
        st.markdown(f"**What happened:** {fix.explanation}  \n**How to fix it:** {fix.fix}")
        group_filter = replace(flt, company_id=group.company_id, cause=group.cause)
        retry_all(hub, actor, group_filter, label="Retry all with this cause", key="errors-retry-group")
else:
    rows = {r.id: r for r in page.rows}
    chosen = st.selectbox(
        "Open an error",
        list(rows),
        format_func=lambda i: f"#{i} · {rows[i].title} · {rows[i].company} · {rows[i].entity_number or ''}",
        key="errors-open",
    )
    if chosen is not None:
        try:
            detail_panel(hub, actor, int(chosen))
        except EXPECTED as exc:
            show(exc)
    st.markdown(f"**Every open error matching the filter** ({md(flt.text) or 'no search'})")
    retry_all(hub, actor, flt, label="Retry all matching the filter", key="errors-retry-filter")


def _csv() -> str:
    """Built only when the button is pressed, for every error matching the filter."""
    with hub.db.read() as session:
        return error_detail.export_csv(session, sessions.current(session, actor), flt)


def _audit_export() -> None:
    with hub.db.write() as session:
        error_detail.record_export(session, actor, flt)


st.download_button(
    "Download the errors matching the filter (CSV)",
    data=_csv,
    file_name=f"sync-errors-{clock.now():%Y%m%d}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click=_audit_export,
)
