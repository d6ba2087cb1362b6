"""DEMO step 9 (disconnect vs remove, with an edit in between) and step 8's reconnect banner, in a real browser."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from core.demo.seed import DEMO_PASSWORD
from tests.e2e.conftest import settle
from tests.e2e.flows import (
    Platform,
    connect_through_xero,
    end_connection,
    main,
    open_connections,
    shows_after_sync,
    xero_contact_page,
)
from tests.e2e.test_sign_in import open_hub, sign_in
from tests.stack import Stack

pytestmark = pytest.mark.e2e

HARBOUR = "Harbour Bakery Ltd"
TUI = "Tui Garden Supplies Ltd"


def test_disconnect_keeps_an_edit_for_later_and_remove_discards_it(page: Page, stack: Stack) -> None:
    platform = Platform(stack)
    open_hub(page, stack)
    sign_in(page, "fiona@harbourbakery.example", DEMO_PASSWORD)
    open_connections(page)
    connect_through_xero(page, "fiona@harbourbakery.example", HARBOUR)

    # A supplier the platform creates reaches Xero within seconds.
    made = platform.event(HARBOUR, "e2e-fen-1", "supplier.changed", {"supplier_id": "SUP-FEN", "name": "Fenland Mill"})
    assert made["result"]["sync"] == "queued"
    xero_contact_page(page, stack, HARBOUR, "Fenland Mill")
    expect(page.get_by_test_id("contact-status")).to_have_text("Active")

    # Disconnect, edit, reconnect: the edit waits, then syncs.
    open_hub(page, stack)
    open_connections(page)
    end_connection(page, "Disconnect")
    expect(main(page).get_by_text("Disconnected · Harbour Bakery Ltd")).to_be_visible()
    held = platform.event(
        HARBOUR, "e2e-fen-2", "supplier.changed", {"supplier_id": "SUP-FEN", "email": "orders@fenland.example"}
    )
    assert held["result"]["sync"] == "held"
    connect_through_xero(page, "fiona@harbourbakery.example", HARBOUR, button="Reconnect to Xero")
    xero_contact_page(page, stack, HARBOUR, "Fenland Mill")
    shows_after_sync(page, "orders@fenland.example")

    # Remove, edit, reconnect: the edit is never sent, and it is listed as discarded.
    open_hub(page, stack)
    open_connections(page)
    main(page).get_by_role("button", name="Remove…").click()
    expect(page.get_by_role("dialog").get_by_text("discarded")).to_be_visible()
    expect(page.get_by_role("button", name="Download links, mappings and open errors (JSON)")).to_be_visible()
    page.get_by_role("dialog").get_by_role("button", name="Remove", exact=True).click()
    settle(page)
    expect(main(page).get_by_text("Removed · Harbour Bakery Ltd")).to_be_visible()
    gone = platform.event(
        HARBOUR, "e2e-fen-3", "supplier.changed", {"supplier_id": "SUP-FEN", "email": "billing@fenland.example"}
    )
    assert gone["result"]["sync"] == "discarded"
    connect_through_xero(page, "fiona@harbourbakery.example", HARBOUR, button="Reconnect to Xero")
    main(page).get_by_text("Discarded changes (1)").click()
    expect(main(page).get_by_text("Fenland Mill")).to_be_visible()
    time.sleep(5)  # more than two push intervals: had the change been queued, it would be in Xero by now
    xero_contact_page(page, stack, HARBOUR, "Fenland Mill")
    expect(page.get_by_text("orders@fenland.example")).to_be_visible()
    expect(page.get_by_text("billing@fenland.example")).to_have_count(0)

    # The company stays pinned: reconnecting to another organisation is refused, and explained.
    open_hub(page, stack)
    open_connections(page)
    end_connection(page, "Disconnect")
    connect_through_xero(
        page,
        "fiona@harbourbakery.example",
        "Harbour Bakery Events Ltd",
        button="Reconnect to Xero",
        also_grant=(HARBOUR,),
        refused="is tied to another Xero organisation",
    )
    expect(main(page).get_by_text("so it cannot connect to Harbour Bakery Events Ltd")).to_be_visible()


def test_access_revoked_in_xero_puts_the_reconnect_banner_on_every_page(page: Page, stack: Stack) -> None:
    open_hub(page, stack)
    sign_in(page, "mere@tuigarden.example", DEMO_PASSWORD)
    open_connections(page)
    connect_through_xero(page, "mere@tuigarden.example", TUI)

    # In Xero (the simulator's screens): Settings → Connected apps → Disconnect the hub.
    page.goto(stack.sandbox_url + "/")
    page.get_by_role("link", name=TUI).first.click()
    page.get_by_test_id("nav-apps").click()
    page.get_by_test_id("disconnect").first.click()
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("flash")).to_be_visible()

    # Support's view: the sidecar notices within its check interval; the banner follows the company page to page.
    page.context.clear_cookies()
    open_hub(page, stack)
    sign_in(page, "sam@hub.example", DEMO_PASSWORD)
    page.get_by_test_id("stSidebar").get_by_label("Company").click()
    page.get_by_role("option", name=TUI).click()
    settle(page)
    # The banner is the first warning of every page (the overview also lists the company under "Needs attention").
    banner = main(page).get_by_test_id("stAlertContentWarning").get_by_text(f"{TUI} needs reconnecting to Xero").first
    deadline = time.monotonic() + 60
    while not banner.is_visible() and time.monotonic() < deadline:
        time.sleep(2)
        # A rerun in the same session keeps the company picked (a reload would not).
        page.get_by_test_id("stSidebarNav").get_by_role("link", name="Overview").click()
        settle(page)
    expect(banner).to_be_visible()
    for link in ("Company settings", "Email outbox", "Overview"):
        page.get_by_test_id("stSidebarNav").get_by_role("link", name=link).click()
        settle(page)
        expect(banner).to_be_visible()
    # Support may not connect Xero for a company: the banner says who can, and offers no reconnect link.
    expect(
        main(page).get_by_text("Only this company's admins (and hub admins) can reconnect it.").first
    ).to_be_visible()
    expect(main(page).get_by_role("link", name="Open Xero connections to reconnect")).to_have_count(0)
    open_connections(page)
    # Shown in the company's header and in the connections table alike.
    expect(main(page).get_by_text("Needs reconnect · Tui Garden Supplies Ltd").first).to_be_visible()
