"""The overview, the Sync runs page and the diagnostics button, with seeded state."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.hub import Hub
from core.models.base import AuditEvent
from core.models.sync import ConnectionState, OutboxEntry, OutboxState
from core.sync import run_history, runs
from core.sync.errors import EntityRef, record
from tests.ui.conftest import page_text
from tests.ui.test_connections_page import SUPPORT, company_id, seed_connection
from tests.ui.test_pages import FIONA, AppFactory, run_ok

HARBOUR, KOOKABURRA, TUI = "Harbour Bakery Ltd", "Kookaburra Plumbing Pty Ltd", "Tui Garden Supplies Ltd"


def seed_trouble(hub: Hub) -> dict[str, int]:
    """Harbour healthy and busy, Tui needing a reconnect, Kookaburra with an open error."""
    ids = {
        HARBOUR: seed_connection(hub, HARBOUR, ConnectionState.CONNECTED),
        TUI: seed_connection(hub, TUI, ConnectionState.NEEDS_RECONNECT, reason="Access was revoked in Xero."),
        KOOKABURRA: seed_connection(hub, KOOKABURRA, ConnectionState.CONNECTED),
    }
    now = clock.now()
    with hub.db.write() as session:
        record(
            session, company_id=ids[KOOKABURRA], code="contact_archived", entity=EntityRef("contact", "1", "Archway")
        )
        for n in range(4):
            session.add(
                OutboxEntry(
                    company_id=ids[HARBOUR],
                    entity_type="contact",
                    entity_id=str(n),
                    entity_version=1,
                    operation="update",
                    payload={},
                    idempotency_key=f"ui-{n}",
                    state=OutboxState.DONE,
                    not_before=now,
                    created_at=now - timedelta(seconds=3 + n),
                    updated_at=now,
                    done_at=now,
                )
            )
            run_history.record_finished(
                session,
                company_id=ids[HARBOUR],
                job="push" if n % 2 else "contacts_poll",
                started_at=now - timedelta(minutes=4 - n),
                records=n + 1,
                api_calls=1,
                outcome=f"batch {n}",
            )
    return ids


def test_support_sees_companies_needing_attention_first_with_the_way_to_fix_each(
    app_as: AppFactory, ui_hub: Hub
) -> None:
    ids = seed_trouble(ui_hub)
    at = run_ok(app_as(SUPPORT))
    text = page_text(at)
    assert "Needs attention (2)" in text
    boxes = [m.value for m in at.markdown if m.value.startswith("**")]
    assert boxes[0].startswith(f"**{TUI}** · Needs reconnect") and boxes[1].startswith(f"**{KOOKABURRA}**")
    today = clock.now()
    assert f"Needs reconnecting to Xero since {today.day} {today:%B %Y}: Access was revoked in Xero." in text
    assert "1 open sync error (latest: Contact archived in Xero)" in text
    assert "Connections by state: Connected 2 · Needs reconnect 1" in text
    assert (
        "4 received from Xero · 6 sent to Xero" in text
        and "1 new sync error" in text
        and "1 new sync errors" not in text
    )  # the charts' captions
    assert "Push latency p50\n4.0 s" in text and "Push latency p95\n6.0 s" in text  # of 3, 4, 5 and 6 s
    companies = at.dataframe[-1].value
    assert list(companies["Company"])[:2] == [TUI, KOOKABURRA]

    fix = next(b for b in at.button if b.label == "Open Xero connections")
    fix.click()
    run_ok(at)
    assert at.title[0].value == "Xero connections"
    assert at.session_state["company_id"] == ids[TUI]  # the sidebar's company picker shows it from now on


def test_overview_explains_an_empty_day(app_as: AppFactory) -> None:
    at = run_ok(app_as(SUPPORT))
    text = page_text(at)
    assert "No records synced in the last 24 hours" in text and "No new sync errors in the last 24 hours" in text
    assert "No organisation is connected" in text
    assert "No company needs attention" in text


def test_finance_manager_sees_their_company_card_enriched_and_nobody_else(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_trouble(ui_hub)
    at = run_ok(app_as(FIONA))
    text = page_text(at)
    assert at.subheader[0].value == HARBOUR
    assert "Connected to Xero" in text and "Open sync errors" in text and "Push latency p95" in text
    assert TUI not in text and KOOKABURRA not in text
    assert "Everything is syncing" in text


def test_sync_runs_page_lists_newest_first_and_filters_by_job(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_trouble(ui_hub)
    at = run_ok(app_as(FIONA))
    run_ok(at.switch_page("web/pages/sync_runs.py"))
    frame = at.dataframe[0].value
    assert list(frame["Outcome"]) == ["batch 3", "batch 2", "batch 1", "batch 0"]
    assert list(frame["API calls"]) == [1, 1, 1, 1] and "Last run:" in page_text(at)
    at.selectbox(key=f"runs-job-{company_id(ui_hub, HARBOUR)}").set_value("push")
    run_ok(at)
    assert list(at.dataframe[0].value["Outcome"]) == ["batch 3", "batch 1"]
    at.selectbox(key=f"runs-job-{company_id(ui_hub, HARBOUR)}").set_value("contacts_import")
    run_ok(at)
    assert "No sync run of “Initial import of contacts and suppliers” is recorded" in page_text(at)


@pytest.mark.parametrize(
    ("email", "offered"),
    [
        ("ada@hub.example", True),
        (SUPPORT, True),
        (FIONA, True),
        ("colin@harbourbakery.example", False),
        ("vic@hub.example", False),
    ],
    ids=["admin", "support", "company-admin", "finance-manager", "viewer"],
)
def test_diagnostics_button_is_there_for_the_right_roles(
    app_as: AppFactory, ui_hub: Hub, email: str, offered: bool
) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    at = run_ok(app_as(email))
    run_ok(at.switch_page("web/pages/sync_runs.py"))
    buttons = [b for b in at.get("download_button") if b.proto.label == "Download diagnostics (JSON)"]
    assert len(buttons) == (1 if offered else 0)
    with ui_hub.db.read() as session:
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "diagnostics_downloaded")).all() == []


def test_a_viewer_sees_the_reasons_but_no_button_to_a_page_they_cannot_open(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_trouble(ui_hub)
    at = run_ok(app_as("vic@hub.example"))
    labels = {b.label for b in at.button}
    assert "Open Xero connections" in labels and "Open sync errors" not in labels
    assert "Sync errors: support and the company's finance managers act." in page_text(at)


def test_a_queued_run_is_said_to_wait_to_start(app_as: AppFactory, ui_hub: Hub) -> None:
    cid = seed_connection(ui_hub, HARBOUR, ConnectionState.CONNECTED)
    with ui_hub.db.write() as session:
        runs.request(session, company_id=cid, job="contacts_import")
    at = run_ok(app_as(FIONA))
    run_ok(at.switch_page("web/pages/sync_runs.py"))
    text = page_text(at)
    assert "**Last run:** Initial import of contacts and suppliers, asked for" in text
    assert "ago, waiting to start" in text
