"""Contacts & suppliers: the import from Xero and its progress, "sync now", the contacts list (search, filters,
paging, CSV), the two review lists, the import policy, and for the demo a supplier edit sent as the platform would."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import clock
from core.auth import Permission, allowed
from core.contacts import actions as contact_actions
from core.contacts import proposals as contact_proposals
from core.contacts import reviews as contact_reviews
from core.contacts import views as contact_views
from core.contacts.query import ROLES, STATUSES, SYNC_STATES, ContactFilter
from core.staff import sessions
from core.text import plural
from web.ui import context, exceptions, live
from web.ui.contact_forms import policy_form, supplier_editor
from web.ui.contact_panels import import_panel, proposal_list, review_list
from web.ui.listing import pager_and_download, table
from web.ui.messages import flash, show_flash

actor, hub, company = context.actor(), context.hub(), context.company()
st.title("Contacts & suppliers")
if company is None:
    st.info("Pick a company in the sidebar to see its contacts and suppliers.", icon=":material/info:")
    st.stop()

can_sync = allowed(actor, Permission.TRIAGE_ERRORS, company.id)
can_decide = allowed(actor, Permission.EDIT_MAPPINGS, company.id)
can_edit_policy = allowed(actor, Permission.EDIT_COMPANY, company.id)
with hub.db.read() as session:
    status = contact_actions.import_status(session, actor, company.id)
    reviews = contact_reviews.reviews(session, actor, company.id)
    proposals = contact_proposals.proposals(session, actor, company.id)
    groups = contact_views.group_names(session, actor, company.id)

st.subheader(company.name)
show_flash()


# Redrawn only while the import or a pull is under way: beside the forms below, a timer with no news is left off.
@live.part(moving=status.importing or status.pull_waiting, idle=False)
def import_now(company_id: int) -> None:
    """The connection and the import as they stand now: the bar moves while the import runs."""
    with hub.db.read() as session:
        now = contact_actions.import_status(session, actor, company_id)
    import_panel(now, company)


import_now(company.id)

if not status.connected:
    why = "Connect this company to Xero first; then contacts sync by themselves."
elif not can_sync:
    why = "You can read this page; asking for a sync needs a finance manager of this company, support or an admin."
else:
    why = "Pull what changed in Xero now instead of waiting for the 10-minute poll."
left, right = st.columns([1, 4], vertical_alignment="center")
if left.button("Sync now", icon=":material/sync:", disabled=not (status.connected and can_sync), help=why):
    try:
        with hub.db.write() as session:
            message = contact_actions.request_sync(session, actor, company.id)
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
    else:
        flash(message)
        st.rerun()
right.caption("A pull is queued or under way." if status.pull_waiting else why)

# Labels stay the same whatever the counts: a label that changed when the sidecar brought a new review in would make
# a new set of tabs and bounce the person back to the first one. The counts show inside.
tab_names = ["Contacts", "Needs review", "Proposed updates", "Import policy"]
if hub.settings.demo:
    tab_names.append("Edit a supplier (demo)")
# Keyed, so the chosen tab stays whatever reran the page (a redraw above it, the sidecar's news, a flash message).
tabs = st.tabs(tab_names, key=f"contacts-tabs-{company.id}")

with tabs[0]:
    key = f"contacts-{company.id}"
    first, second, third = st.columns([2, 1, 1])
    text = first.text_input("Search name or email", key=f"{key}-text", placeholder="e.g. flour or @fenland")
    role = second.selectbox("Role", [None, *ROLES], format_func=lambda r: ROLES.get(r, "Any role"), key=f"{key}-role")
    state = third.selectbox(
        "Xero status", [None, *STATUSES], format_func=lambda s: STATUSES.get(s, "Any status"), key=f"{key}-status"
    )
    fourth, fifth, sixth = st.columns([1, 1, 1], vertical_alignment="bottom")
    sync = fourth.selectbox(
        "Sync state", [None, *SYNC_STATES], format_func=lambda s: SYNC_STATES.get(s, "Any"), key=f"{key}-sync"
    )
    group = fifth.selectbox(
        "Xero contact group",
        [None, *groups],
        format_func=lambda g: "Any group" if g is None else g,
        key=f"{key}-group",
        disabled=not groups,
    )
    drift = sixth.checkbox("Only where Xero differs from ours", key=f"{key}-drift")
    flt = ContactFilter(text=text, role=role, status=state, sync=sync, drift_only=drift, group=group)
    if st.session_state.get(f"{key}-filter") != flt:  # a new filter starts on its first page
        st.session_state[f"{key}-filter"] = flt
        st.session_state[f"{key}-page"] = 1
    page_no = int(st.session_state.get(f"{key}-page", 1))
    with hub.db.read() as session:
        page = contact_views.list_contacts(
            session, actor, company.id, flt, page=page_no, xero_api_url=hub.settings.xero_api_url
        )

    if page.total == 0:
        if flt != ContactFilter():
            st.info("No contacts match the filter. Clear a filter or change the search.", icon=":material/search_off:")
        elif status.importing:
            st.info(
                "No contacts yet: the import is under way and they appear here as it runs.",
                icon=":material/hourglass_top:",
            )
        else:
            st.info(
                "No contacts yet. Platform contacts and suppliers appear here as the platform sends them, and Xero "
                "contacts once the company is connected and imported.",
                icon=":material/contacts:",
            )
    else:
        st.caption(
            f"{plural(page.total, 'contact matches', 'contacts match')} · page {page.page} of {page.pages} · by name"
        )
        frame = pd.DataFrame(
            [
                {
                    "Name": row.name,
                    "Email": row.email or "",
                    "Roles": row.roles,
                    "Xero status": row.status_label,
                    "Xero": row.xero_url,
                    "Last synced (UTC)": row.last_synced_at,
                    "Change waiting": "yes" if row.pending else "no",
                    "Sync error": row.error or "",
                    "Xero has instead": "; ".join(f"{k}: {v}" for k, v in row.drift.items()),
                    "Groups": ", ".join(row.groups),
                }
                for row in page.rows
            ]
        )
        table(frame, when="Last synced (UTC)")

        def _csv() -> str:
            """Built only when the button is pressed, for every contact matching the filter."""
            with hub.db.read() as session:
                now = sessions.current(session, actor)  # built when pressed: the person as they stand then
                return contact_views.export_csv(session, now, company.id, flt, xero_api_url=hub.settings.xero_api_url)

        def _audit_export() -> None:
            with hub.db.write() as session:
                contact_views.record_export(session, actor, company.id, flt)

        pager_and_download(
            page,
            key=key,
            noun=("contact", "contacts"),
            csv=_csv,
            on_download=_audit_export,
            file_name=f"contacts-{company.id}-{clock.now():%Y%m%d}.csv",
        )

with tabs[1]:
    if reviews:
        st.caption(f"{plural(len(reviews), 'match waits', 'matches wait')} for a person to decide.")
    review_list(hub, actor, reviews, can_decide=can_decide)

with tabs[2]:
    if proposals:
        st.caption(f"{plural(len(proposals), 'proposed update waits', 'proposed updates wait')} for a decision.")
    proposal_list(hub, actor, proposals, can_decide=can_decide)

with tabs[3]:
    policy_form(hub, actor, company, groups, can_edit=can_edit_policy)

if hub.settings.demo:
    with tabs[4]:
        supplier_editor(hub, actor, company, can_edit=can_decide)
