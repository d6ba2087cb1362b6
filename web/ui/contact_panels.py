"""The Contacts & suppliers page's panels: where the import stands, and the two review lists (ambiguous matches,
suppliers' proposed updates). Each widget owns its session_state keys (prefixed with the record's id)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import streamlit as st

from core import clock
from core.auth import Actor
from core.contacts import actions as contact_actions
from core.contacts import proposals as contact_proposals
from core.contacts import reviews as contact_reviews
from core.hub import Hub
from core.models.base import Company
from core.models.sync import ConnectionState, RunState
from web.ui import exceptions
from web.ui.chrome import ago
from web.ui.messages import flash, md

# A finished import keeps its full bar this long, so whoever was watching sees it complete.
JUST_DONE = timedelta(minutes=10)
# What the pull did with each contact, in words (core.contacts.pull_plan's action kinds).
DONE_WORDS = {
    "create": "imported as new",
    "claim": "found in Xero after a lost answer (the platform's values kept)",
    "link": "linked to platform contacts",
    "review": "waiting for review",
    "refresh": "refreshed",
    "drift": "kept ours where Xero differs",
    "same": "already the same in Xero",
    "outside": "outside the policy now",
    "relink": "followed a merge",
    "skip": "left out by the policy",
}


def _summary(done: dict[str, int]) -> str:
    parts = [f"{count:,} {DONE_WORDS.get(kind, kind)}" for kind, count in sorted(done.items()) if count]
    return "; ".join(parts)


def import_progress(status: contact_actions.ImportStatus) -> None:
    """Where the initial import stands: a bar from the moment it is asked for until it is done, then what it did."""
    where = f" · {status.organisation}" if status.organisation else ""
    if status.state is RunState.QUEUED:
        st.progress(
            0.0,
            text=f"The initial import of contacts and suppliers is queued{where}. It starts within seconds; "
            "contacts appear as it runs.",
        )
    elif status.state is RunState.RUNNING:
        so_far = f"{status.contacts:,} contacts so far"
        if status.fraction is not None:
            text = f"Importing from Xero{where}: page {status.pages}, {so_far} of about {status.estimate:,}"
            st.progress(status.fraction, text=text)
        else:  # Xero did not say how many there are: the bar moves with each page, the words carry the count
            st.progress(
                min(0.95, 1 - 0.9**status.pages), text=f"Importing from Xero{where}: page {status.pages}, {so_far}"
            )
        if status.done:
            st.caption(_summary(status.done))
    elif status.state is RunState.DONE:
        when = f" {status.finished_at:%Y-%m-%d %H:%M} UTC" if status.finished_at else ""
        words = (
            f"Initial import done{when}{where}: {status.contacts:,} contacts from {status.pages} "
            f"{'page' if status.pages == 1 else 'pages'}." + (f" {_summary(status.done)}." if status.done else "")
        )
        if status.finished_at and clock.now() - status.finished_at < JUST_DONE:
            st.progress(1.0, text=words)  # the bar that was moving completes, where the person was watching it
        else:
            st.success(words, icon=":material/task_alt:")
    elif status.state is RunState.FAILED:
        st.error(
            f"The initial import stopped: {status.outcome or 'no reason was recorded'}. Once the connection is "
            "healthy, press Sync now; it picks up every contact.",
            icon=":material/error:",
        )


def import_panel(status: contact_actions.ImportStatus, company: Company) -> None:
    """The connection and the initial import at a glance, with a progress bar while it runs."""
    if status.connection in (None, ConnectionState.PENDING_CONFIRMATION):
        st.info(
            f"{company.name} is not connected to Xero yet, so nothing has been imported. A company admin connects it "
            "on the Xero connections page; the initial import then starts by itself. Platform contacts are listed "
            "below meanwhile.",
            icon=":material/link_off:",
        )
        st.page_link("web/pages/connections.py", label="Open Xero connections", icon=":material/link:")
        return
    if status.connection is ConnectionState.REMOVED:
        st.warning(
            "Syncing with Xero stopped: the connection was removed. Changes the platform makes now are not sent to "
            "Xero (they are listed as discarded); connecting again starts afresh.",
            icon=":material/sync_disabled:",
        )
    elif not status.connected:
        st.warning(
            f"Syncing with Xero is paused: the connection is {status.connection.label.lower()}. Contacts are "
            "neither pulled nor pushed until it is reconnected; nothing waiting is lost.",
            icon=":material/sync_disabled:",
        )
    import_progress(status)
    st.caption(
        f"Last pull from Xero: {ago(status.last_pull_at)} · new and changed Xero contacts are pulled every 10 "
        "minutes and whenever Xero reports a change."
    )


def _decide_review(
    hub: Hub, actor: Actor, review_id: int, *, link_to: int | None = None, create: bool = False, dismiss: bool = False
) -> None:
    try:
        with hub.db.write() as session:
            message = contact_reviews.decide_review(
                session, actor, review_id, link_to=link_to, create=create, dismiss=dismiss
            )
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
    else:
        flash(message)
        st.rerun()


def review_list(hub: Hub, actor: Actor, items: list[contact_reviews.ReviewView], *, can_decide: bool) -> None:
    """Xero contacts that matched several platform contacts: pick one, import as new, or dismiss."""
    if not items:
        st.info(
            "No ambiguous matches are waiting. When a Xero contact's email or phone matches several platform "
            "contacts, it waits here for you to pick the right one.",
            icon=":material/fact_check:",
        )
        return
    st.caption(
        "Each Xero contact below shares its email or phone with several platform contacts. Link it to the right one "
        "(Xero's details fill it once), import it as a new contact, or dismiss it (it stays in Xero only)."
    )
    if not can_decide:
        st.caption("You can read this list; deciding needs a finance manager of this company or an admin.")
    for item in items:
        with st.container(border=True):
            st.table(
                pd.DataFrame(
                    [{"Xero contact": item.name, "Email": item.email or "—", "Phones": item.phones, "Is": item.roles}]
                ),
                hide_index=True,
            )
            st.caption(item.reason)
            st.table(
                pd.DataFrame(
                    [
                        {
                            "Platform contact": c.name,
                            "Email": c.email or "—",
                            "Phones": c.phones,
                            "Platform id": c.platform_id or "—",
                            "Linked to Xero": "already linked" if c.linked_to else "no",
                        }
                        for c in item.candidates
                    ]
                ),
                hide_index=True,
            )
            free = {c.id: c.name for c in item.candidates if not c.linked_to}
            pick, link, create, dismiss = st.columns([3, 2, 2, 1], vertical_alignment="bottom")
            chosen = pick.selectbox(
                "Platform contact to link",
                list(free),
                format_func=free.get,
                key=f"review-{item.id}-pick",
                disabled=not can_decide or not free,
                placeholder="Every candidate is linked already",
            )
            if link.button("Link to this contact", key=f"review-{item.id}-link", disabled=not can_decide or not free):
                _decide_review(hub, actor, item.id, link_to=int(chosen) if chosen is not None else None)
            if create.button("Import as a new contact", key=f"review-{item.id}-create", disabled=not can_decide):
                _decide_review(hub, actor, item.id, create=True)
            if dismiss.button("Dismiss", key=f"review-{item.id}-dismiss", disabled=not can_decide):
                _decide_review(hub, actor, item.id, dismiss=True)


SYNC_WORDS = {
    "queued": "Xero gets the new details within seconds.",
    "held": "Xero gets them once the company is reconnected.",
    "discarded": "The connection was removed, so they are not sent to Xero.",
    "not connected": "They reach Xero once the company is connected.",
    "unchanged": "Nothing differed, so nothing is sent.",
}


def _decide_proposal(hub: Hub, actor: Actor, item: contact_proposals.ProposalView, *, accept: bool) -> None:
    try:
        with hub.db.write() as session:
            result = contact_proposals.decide_proposal(session, actor, item.id, accept=accept)
    except exceptions.EXPECTED as exc:
        exceptions.show(exc)
    else:
        if accept:
            flash(f"Accepted {item.supplier}'s update. {SYNC_WORDS.get(str(result.get('sync')), '')}")
        else:
            flash(f"Rejected {item.supplier}'s update; nothing changed.")
        st.rerun()


def proposal_list(hub: Hub, actor: Actor, items: list[contact_proposals.ProposalView], *, can_decide: bool) -> None:
    """Suppliers' proposed updates, each as the difference from the current details, to accept or reject."""
    if not items:
        st.info(
            "No proposed updates are waiting. When a supplier proposes new contact or bank details in the platform, "
            "the difference shows here for a finance user to accept or reject.",
            icon=":material/inbox:",
        )
        return
    if not can_decide:
        st.caption("You can read these; accepting or rejecting needs a finance manager of this company or an admin.")
    for item in items:
        with st.container(border=True):
            st.markdown(f"**{md(item.supplier)}** proposed new details on {item.submitted_at:%Y-%m-%d %H:%M} UTC")
            if item.changes:
                st.table(
                    pd.DataFrame([{"Field": c.label, "Now": c.current, "Proposed": c.proposed} for c in item.changes]),
                    hide_index=True,
                )
            else:
                st.caption("It proposes nothing different from the current details.")
            left, right, _ = st.columns([1, 1, 4])
            if left.button("Accept", key=f"proposal-{item.id}-accept", type="primary", disabled=not can_decide):
                _decide_proposal(hub, actor, item, accept=True)
            if right.button("Reject", key=f"proposal-{item.id}-reject", disabled=not can_decide):
                _decide_proposal(hub, actor, item, accept=False)
