"""The Contacts & suppliers page with seeded state: empty states, the import's progress, a filtered list, the review
lists, the policy preview and the demo's supplier edit."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select
from streamlit.testing.v1 import AppTest

from core import clock
from core.companies import settings_of
from core.hub import Hub
from core.models.base import Company
from core.models.contacts import MatchReview, ReviewStatus, XeroContactSeen
from core.models.platform import Origin, PlatformContact, PlatformEvent, SupplierProposal
from core.models.sync import ConnectionState, OutboxEntry, RunState, SyncRun
from core.platform_api import events as platform
from tests.ui.conftest import page_text
from tests.ui.test_connections_page import company_id, seed_connection
from tests.ui.test_pages import FIONA, AppFactory, run_ok

PAGE = "web/pages/contacts.py"
HARBOUR = "Harbour Bakery Ltd"


def open_page(app_as: AppFactory, who: str = FIONA) -> AppTest:
    at = run_ok(app_as(who))
    return run_ok(at.switch_page(PAGE))


def add(hub: Hub, name: str, **values: Any) -> int:
    cid = company_id(hub, HARBOUR)
    now = clock.now()
    with hub.db.write() as session:
        contact = PlatformContact(
            company_id=cid,
            origin=values.pop("origin", Origin.XERO),
            name=name,
            phones=[],
            addresses=[],
            version=1,
            created_at=now,
            changed_at=now,
            **values,
        )
        session.add(contact)
        session.flush()
        return contact.id


def table(at: AppTest, column: str) -> Any:
    """The first st.table with this column, as a DataFrame."""
    return next(t.value for t in at.table if column in t.value.columns)


def test_not_connected_says_so_and_sync_now_waits_for_a_connection(app_as: AppFactory) -> None:
    at = open_page(app_as)
    text = page_text(at)
    assert "Harbour Bakery Ltd is not connected to Xero yet" in text
    assert "contacts match" in text  # the demo's platform contacts are listed meanwhile
    sync = next(b for b in at.button if b.label == "Sync now")
    assert sync.disabled and "Connect this company to Xero first" in text


def test_no_contacts_at_all_and_none_matching_are_told_apart(app_as: AppFactory, ui_hub: Hub) -> None:
    at = open_page(app_as)
    at.text_input(key=f"contacts-{company_id(ui_hub, HARBOUR)}-text").set_value("no-such-contact")
    assert "No contacts match the filter" in page_text(run_ok(at))
    with ui_hub.db.write() as session:
        session.execute(delete(PlatformContact).where(PlatformContact.company_id == company_id(ui_hub, HARBOUR)))
    assert "No contacts yet" in page_text(open_page(app_as))


def test_the_import_shows_queued_then_progress_then_done(app_as: AppFactory, ui_hub: Hub) -> None:
    cid = seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    now = clock.now()
    with ui_hub.db.write() as session:
        run = SyncRun(company_id=cid, job="contacts_import", state=RunState.QUEUED, requested_at=now, not_before=now)
        session.add(run)
        session.flush()
        run_id = run.id
    at = open_page(app_as)
    (bar,) = at.get("progress")  # the bar shows from the moment the import is asked for
    assert bar.proto.value == 0 and "initial import of contacts and suppliers is queued" in page_text(at)
    with ui_hub.db.write() as session:
        row = session.get(SyncRun, run_id)
        assert row is not None
        row.state, row.progress = RunState.RUNNING, {"pages": 2, "contacts": 1500, "done": {"create": 1400}}
    at = open_page(app_as)
    (bar,) = at.get("progress")
    assert "page 2, 1,500 contacts so far" in str(bar.proto.text) and "1,400 imported as new" in page_text(at)
    with ui_hub.db.write() as session:
        row = session.get(SyncRun, run_id)
        assert row is not None
        row.state, row.finished_at = RunState.DONE, now
    at = open_page(app_as)
    assert "Initial import done" in page_text(at) and not next(b for b in at.button if b.label == "Sync now").disabled


def test_a_filter_narrows_the_seeded_list(app_as: AppFactory, ui_hub: Hub) -> None:
    cid = seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    add(ui_hub, "Archived Ale Co", is_supplier=True, xero_contact_id="x-1", xero_status="ARCHIVED")
    add(ui_hub, "Drifting Dairy", is_supplier=True, xero_contact_id="x-2", drift={"email": "old@dairy.example"})
    at = open_page(app_as)
    at.selectbox(key=f"contacts-{cid}-status").set_value("linked_archived")
    run_ok(at)
    frame = at.dataframe[0].value
    assert list(frame["Name"]) == ["Archived Ale Co"] and frame["Xero status"].iloc[0] == "Archived in Xero"
    assert frame["Xero"].iloc[0].endswith(f"/screens/orgs/4e8c5b9f-aaaa-4f1e-9b1a-0000000000{cid:02d}/contacts/x-1")
    at.selectbox(key=f"contacts-{cid}-status").set_value(None)
    at.checkbox(key=f"contacts-{cid}-drift").check()
    run_ok(at)
    frame = at.dataframe[0].value
    assert list(frame["Name"]) == ["Drifting Dairy"] and frame["Xero has instead"].iloc[0] == "email: old@dairy.example"


def test_an_ambiguous_match_is_linked_from_the_review_list(app_as: AppFactory, ui_hub: Hub) -> None:
    first = add(ui_hub, "Fenland Flour", origin=Origin.PLATFORM, email="orders@fenland.example", is_supplier=True)
    second = add(ui_hub, "Fenland Flour Mill", origin=Origin.PLATFORM, email="orders@fenland.example")
    with ui_hub.db.write() as session:
        session.add(
            MatchReview(
                company_id=company_id(ui_hub, HARBOUR),
                xero_contact_id="x-fen",
                xero_name="Fenland Flour Mill Ltd",
                xero_contact={"name": "Fenland Flour Mill Ltd", "email": "orders@fenland.example", "is_supplier": True},
                candidate_ids=[first, second],
                reason="2 platform contacts share this email or phone",
                created_at=clock.now(),
            )
        )
        session.flush()
        review_id = session.scalar(select(MatchReview.id))
    at = open_page(app_as)
    assert any(tab.label == "Needs review" for tab in at.tabs) and "1 match waits for a person to decide" in page_text(
        at
    )
    assert list(table(at, "Platform contact")["Platform contact"]) == ["Fenland Flour", "Fenland Flour Mill"]
    assert table(at, "Xero contact")["Xero contact"].iloc[0] == "Fenland Flour Mill Ltd"
    at.selectbox(key=f"review-{review_id}-pick").set_value(second)
    at.button(key=f"review-{review_id}-link").click()
    run_ok(at)
    assert "Linked Fenland Flour Mill Ltd in Xero to Fenland Flour Mill Ltd" in page_text(at)
    with ui_hub.db.read() as session:
        review = session.get(MatchReview, review_id)
        assert review is not None and review.status is ReviewStatus.LINKED and review.contact_id == second
    assert "No ambiguous matches are waiting" in page_text(at)


def test_a_proposed_update_is_reviewed_as_a_diff_and_accepted(app_as: AppFactory, ui_hub: Hub) -> None:
    cid = seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    with ui_hub.db.write() as session:
        for event_id, kind, data in [
            ("s1", "supplier.changed", {"supplier_id": "sup-1", "name": "Fenland Flour", "bank_account": "11-11"}),
            (
                "p1",
                "supplier.proposed_update",
                {"proposal_id": "prop-1", "supplier_id": "sup-1", "changes": {"bank_account": "22-22"}},
            ),
        ]:
            platform.handle(session, company_id=cid, event_id=event_id, kind=kind, data=data)
        proposal_id = session.scalar(select(SupplierProposal.id))
    at = open_page(app_as)
    diff = table(at, "Proposed")
    assert list(diff.itertuples(index=False, name=None)) == [("Bank account", "11-11", "22-22")]
    at.button(key=f"proposal-{proposal_id}-accept").click()
    run_ok(at)
    assert "Accepted Fenland Flour's update. Xero gets the new details within seconds." in page_text(at)
    with ui_hub.db.read() as session:
        (entry,) = session.scalars(select(OutboxEntry))
        assert entry.payload["bank_account"] == "22-22"


def test_the_policy_preview_shows_before_saving(app_as: AppFactory, ui_hub: Hub) -> None:
    cid = company_id(ui_hub, HARBOUR)
    add(ui_hub, "Customer Only Cafe", is_customer=True, xero_contact_id="x-c")
    add(ui_hub, "Supplier Sacks", is_supplier=True, xero_contact_id="x-s")
    with ui_hub.db.write() as session:  # what the pulls saw in Xero
        for xero_id, name, customer in (("x-c", "Customer Only Cafe", True), ("x-s", "Supplier Sacks", False)):
            session.add(
                XeroContactSeen(
                    company_id=cid,
                    xero_contact_id=xero_id,
                    name=name,
                    is_supplier=not customer,
                    is_customer=customer,
                    archived=False,
                    groups=[],
                    seen_at=clock.now(),
                )
            )
    at = open_page(app_as)
    assert "Before you save" not in page_text(at)
    at.radio(key=f"policy-{cid}-policy").set_value("customers_only")
    run_ok(at)
    assert "this policy takes 1" in page_text(at) and "1 already-imported contacts would fall outside" in page_text(at)
    assert table(at, "Contacts")["Contacts"].tolist() == ["Customer Only Cafe", "Supplier Sacks"]
    at.button(key=f"policy-{cid}-save").click()
    run_ok(at)
    assert "Saved. It applies once the company is connected to Xero." in page_text(at)
    with ui_hub.db.read() as session:
        company = session.get(Company, cid)
        assert company is not None and settings_of(company).contact_import_policy == "customers_only"


def test_the_demo_edit_sends_a_supplier_change(app_as: AppFactory, ui_hub: Hub) -> None:
    cid = seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    at = open_page(app_as)
    at.text_input(key=f"edit-{cid}-search").set_value("Cotswold")  # a demo supplier only the platform has
    run_ok(at)
    next(t for t in at.text_input if t.label == "Bank account").set_value("20-00-00 99990000")
    next(b for b in at.button if b.label == "Send the change").click()
    run_ok(at)
    assert "Cotswold Oat Co: bank account changed. Xero gets the new details within seconds." in page_text(at)
    with ui_hub.db.read() as session:
        event = session.scalar(select(PlatformEvent).where(PlatformEvent.kind == "supplier.changed"))
        assert event is not None and event.result["changed"] == ["bank_account"]
        (entry,) = session.scalars(select(OutboxEntry))
        assert entry.payload["bank_account"] == "20-00-00 99990000" and entry.operation == "create"


def test_a_viewer_reads_but_changes_nothing(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    at = open_page(app_as, "vic@hub.example")
    assert next(b for b in at.button if b.label == "Sync now").disabled
    assert next(b for b in at.button if b.label == "Send the change").disabled
    assert "changing it needs a finance manager" in page_text(at)


def test_a_removed_connection_says_plainly_that_changes_are_not_sent(app_as: AppFactory, ui_hub: Hub) -> None:
    """Removed is not paused: the page must not promise that nothing waiting is lost."""
    seed_connection(ui_hub, HARBOUR, ConnectionState.REMOVED)
    text = page_text(open_page(app_as))
    assert "the connection was removed" in text and "not sent to Xero" in text
    assert "nothing waiting is lost" not in text
    seed_connection(ui_hub, "Kookaburra Plumbing Pty Ltd", ConnectionState.DISCONNECTED)
    olivia = page_text(open_page(app_as, "olivia@kookaburraplumbing.example"))
    assert "paused" in olivia and "nothing waiting is lost" in olivia
