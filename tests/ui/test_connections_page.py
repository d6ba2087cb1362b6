"""The Connections page with seeded connections: the table, the details, the dialogs and the reconnect banner."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.hub import Hub
from core.models.base import Company
from core.models.sync import Connection, ConnectionState, Grant, RunState, SyncRun
from core.sync import outbox
from core.sync.errors import EntityRef, record
from core.xero.client import Budget
from core.xero_access import budget
from tests.ui.conftest import page_text
from tests.ui.test_pages import FIONA, AppFactory, run_ok

SUPPORT = "sam@hub.example"
TENANT = "4e8c5b9f-aaaa-4f1e-9b1a-000000000001"


def company_id(hub: Hub, name: str) -> int:
    with hub.db.read() as session:
        found = session.scalar(select(Company.id).where(Company.name == name))
        assert found is not None
        return found


def seed_connection(hub: Hub, name: str, state: ConnectionState, *, reason: str | None = None) -> int:
    """A company connected (or not) without going through Xero, as the page would find it."""
    cid = company_id(hub, name)
    now = clock.now()
    with hub.db.write() as session:
        grant = Grant(scopes="", access_token="", access_expires_at=now, created_at=now, updated_at=now)
        session.add(grant)
        session.flush()
        session.add(
            Connection(
                company_id=cid,
                grant_id=grant.id,
                state=state,
                state_reason=reason,
                tenant_id=f"{TENANT[:-2]}{cid:02d}",
                tenant_name=f"{name} (Xero)",
                xero_connection_id=f"conn-{cid}",
                pinned_tenant_id=f"{TENANT[:-2]}{cid:02d}",
                connected_at=now - timedelta(days=3),
                last_activity_at=now - timedelta(days=10),
                last_sync_at=now - timedelta(minutes=4),
                state_changed_at=now,
            )
        )
    return cid


def test_support_sees_every_connection_with_those_needing_attention_first(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, "Harbour Bakery Ltd", ConnectionState.CONNECTED)
    seed_connection(ui_hub, "Tui Garden Supplies Ltd", ConnectionState.NEEDS_RECONNECT, reason="Access revoked.")
    at = run_ok(app_as(SUPPORT))
    run_ok(at.switch_page("web/pages/connections.py"))
    table = at.dataframe[0].value
    assert table["Company"].iloc[0] == "Tui Garden Supplies Ltd" and "Needs reconnect" in table["State"].iloc[0]
    harbour = table[table["Company"] == "Harbour Bakery Ltd"].iloc[0]
    assert harbour["Days to inactivity disconnect"] == 50 and harbour["Organisation"] == "Harbour Bakery Ltd (Xero)"
    with ui_hub.db.read() as session:
        every = set(session.scalars(select(Company.name)))
    assert set(table["Company"]) == every  # every company, connected or not


def test_company_admin_sees_health_budget_and_what_a_disconnect_does(app_as: AppFactory, ui_hub: Hub) -> None:
    cid = seed_connection(ui_hub, "Harbour Bakery Ltd", ConnectionState.CONNECTED)
    tenant = f"{TENANT[:-2]}{cid:02d}"
    slot = budget.acquire(ui_hub.db, tenant)
    assert isinstance(slot, budget.Slot)
    budget.release(ui_hub.db, slot, Budget(minute=57, day=4870, app_minute=9990))
    with ui_hub.db.write() as session:
        record(session, company_id=cid, code="contact_archived", entity=EntityRef("contact", "7"), detail="x")
        outbox.enqueue(
            session,
            company_id=cid,
            entity_type="contact",
            entity_id="7",
            version=2,
            operation="update",
            payload={"email": "a@b.example"},
        )
    at = run_ok(app_as(FIONA))
    run_ok(at.switch_page("web/pages/connections.py"))
    text = page_text(at)
    assert "Connected · Harbour Bakery Ltd (Xero)" in text
    assert "Calls left today\n4,870" in text and "Days until inactivity disconnect\n50" in text
    assert "Open sync errors\n1" in text and "Contact archived in Xero" in text
    next(b for b in at.button if b.label == "Disconnect…").click()
    run_ok(at)
    text = page_text(at)  # the dialog (the disconnect itself is clicked through in the browser tests)
    assert "1 change is waiting to be sent" in text and "sent after you reconnect" in text


def test_a_spent_daily_budget_is_said_plainly(app_as: AppFactory, ui_hub: Hub) -> None:
    cid = seed_connection(ui_hub, "Harbour Bakery Ltd", ConnectionState.CONNECTED)
    budget.pause(ui_hub.db, f"{TENANT[:-2]}{cid:02d}", 3600, "day")
    at = run_ok(app_as(FIONA))
    run_ok(at.switch_page("web/pages/connections.py"))
    assert "today's 5,000 Xero calls are used" in page_text(at)


def test_the_reconnect_banner_names_the_problem_and_the_page_offers_reconnect(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, "Harbour Bakery Ltd", ConnectionState.NEEDS_RECONNECT, reason="Access was revoked in Xero.")
    at = run_ok(app_as(FIONA))  # every page of the company: the browser tests follow it from page to page
    text = page_text(at).replace("*", "")
    assert "Harbour Bakery Ltd needs reconnecting to Xero" in text and "Access was revoked" in text
    run_ok(at.switch_page("web/pages/connections.py"))
    assert any(b.label == "Reconnect to Xero" for b in at.button)


def test_no_connection_yet_offers_connect_to_admins_only(app_as: AppFactory) -> None:
    at = run_ok(app_as(FIONA))
    run_ok(at.switch_page("web/pages/connections.py"))
    assert "Not connected" in page_text(at) and any(b.label == "Connect to Xero" for b in at.button)
    colin = run_ok(app_as("colin@harbourbakery.example"))
    run_ok(colin.switch_page("web/pages/connections.py"))
    assert "Only this company's admins" in page_text(colin)


def test_a_disconnected_company_can_still_be_removed(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, "Harbour Bakery Ltd", ConnectionState.DISCONNECTED, reason="Disconnected after 60 days.")
    at = run_ok(app_as(FIONA))
    run_ok(at.switch_page("web/pages/connections.py"))
    labels = {b.label for b in at.button}
    assert {"Reconnect to Xero", "Remove…"} <= labels and "Disconnect…" not in labels
    assert "Disconnected after 60 days." in page_text(at)


def test_words_from_xero_are_shown_as_text_never_as_markdown(app_as: AppFactory, ui_hub: Hub) -> None:
    evil = "**Loud** [click](http://evil.example) ![x](http://evil.example/t.png)"
    cid = seed_connection(ui_hub, "Harbour Bakery Ltd", ConnectionState.CONNECTED)
    with ui_hub.db.write() as session:
        found = session.scalar(select(Connection).where(Connection.company_id == cid))
        assert found is not None
        found.tenant_name = evil
        record(session, company_id=cid, code="xero_outage", entity=EntityRef("contact", "7"), detail=evil)
    at = run_ok(app_as(FIONA))
    run_ok(at.switch_page("web/pages/connections.py"))
    next(b for b in at.button if b.label == "Disconnect…").click()
    run_ok(at)
    shown = [m.value for m in [*at.markdown, *at.caption, *at.info, *at.toast]]
    assert any("Loud" in value for value in shown)
    assert not [value for value in shown if "[click](http" in value or "**Loud**" in value]


def test_the_cap_on_xero_connections_is_shown_and_explained(
    app_as: AppFactory, ui_hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Support hears when the app's places run short; a finance manager only when their company cannot connect."""
    monkeypatch.setenv("XERO_CONNECTION_CAP", "2")
    seed_connection(ui_hub, "Kookaburra Plumbing Pty Ltd", ConnectionState.CONNECTED)
    seed_connection(ui_hub, "Tui Garden Supplies Ltd", ConnectionState.CONNECTED)
    overview = page_text(run_ok(app_as(SUPPORT)))
    assert "2 of 2 Xero connections in use (Xero's cap for an app not yet certified)" in overview
    assert "no other company can connect" in overview
    support = app_as(SUPPORT)
    run_ok(support)
    assert "2 of 2 Xero connections in use. The hub's Xero app" in page_text(
        run_ok(support.switch_page("web/pages/connections.py"))
    )
    fiona = app_as(FIONA)
    run_ok(fiona)
    fm_page = page_text(run_ok(fiona.switch_page("web/pages/connections.py")))
    assert "the most Xero allows an app that has not completed its certification" in fm_page


def test_the_import_shows_its_bar_here_from_queued_to_done_and_counts_as_a_sync(
    app_as: AppFactory, ui_hub: Hub
) -> None:
    cid = seed_connection(ui_hub, "Harbour Bakery Ltd", ConnectionState.CONNECTED)
    now = clock.now()
    with ui_hub.db.write() as session:
        row = session.scalar(select(Connection).where(Connection.company_id == cid))
        assert row is not None
        row.last_sync_at = None  # nothing sent yet: only the import has talked to Xero
        run = SyncRun(company_id=cid, job="contacts_import", state=RunState.QUEUED, requested_at=now, not_before=now)
        session.add(run)
        session.flush()
        run_id = run.id

    def bar() -> tuple[float, str]:
        at = run_ok(app_as(FIONA))
        run_ok(at.switch_page("web/pages/connections.py"))
        (found,) = at.get("progress")
        return found.proto.value, page_text(at)

    value, text = bar()
    assert value == 0 and "initial import of contacts and suppliers is queued" in text
    assert "Not yet" in text
    with ui_hub.db.write() as session:
        stored = session.get(SyncRun, run_id)
        connection = session.scalar(select(Connection).where(Connection.company_id == cid))
        assert stored is not None and connection is not None
        stored.state, stored.finished_at = RunState.DONE, now
        stored.progress = {"pages": 1, "contacts": 37, "done": {"create": 37}}
        connection.contacts_polled_at = now
    value, text = bar()
    assert value == 100 and "Initial import done" in text and "37 contacts from 1 page" in text
    assert "Not yet" not in text  # the import is a successful sync
