"""DEMO step 8's overview in a real browser: support signs in and the overview lists the companies needing attention
first, each with the reason and a button to the page that fixes it; the Sync runs page says what the last push did.

It uses its own company and Xero organisation (Quayside Catering, added to the simulator through its control API and
to the hub as an admin would), so the other browser tests' companies and connections are untouched. The trouble is
one Xero users make: two suppliers with the same name, which Xero refuses for the second."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from core import companies
from core.auth import COMMAND_LINE
from core.db import Database
from core.demo.seed import DEMO_PASSWORD
from core.models.base import Company, Role
from core.staff import users
from tests import control
from tests.e2e.conftest import settle
from tests.e2e.flows import Platform, connect_through_xero, main, open_connections
from tests.e2e.test_sign_in import open_hub, sign_in
from tests.stack import Stack

pytestmark = pytest.mark.e2e

QUAYSIDE = "Quayside Catering Ltd"
MANAGER = "ella@quaysidecatering.example"
TWIN = "Quayside Twin Ovens Ltd"


def ensure_company(stack: Stack) -> None:
    """The organisation in Xero (the simulator) and the company with its finance manager in the hub."""
    known = control.get(f"{stack.sandbox_url}/_sandbox/orgs", timeout=30).json()
    if not any(org["name"] == QUAYSIDE for org in known):
        made = control.post(
            f"{stack.sandbox_url}/_sandbox/orgs",
            json={
                "name": QUAYSIDE,
                "country": "GB",
                "contacts": 15,
                "seed": 8,
                "users": [{"email": MANAGER, "first_name": "Ella", "last_name": "Quinn", "role": "admin"}],
            },
            timeout=60,
        )
        assert made.status_code == 200, made.text
    database = Database(f"sqlite:///{stack.data_dir / 'hub.db'}")
    try:
        with database.write() as session:
            if session.query(Company).filter_by(name=QUAYSIDE).one_or_none() is not None:
                return
            company = companies.create(session, COMMAND_LINE, name=QUAYSIDE, country="GB", base_currency="GBP")
            session.flush()
            draft = users.UserDraft(MANAGER, "Ella Quinn", Role.FINANCE_MANAGER, company.id, is_company_admin=True)
            users.create(session, COMMAND_LINE, draft, DEMO_PASSWORD)
    finally:
        database.dispose()


def nav(page: Page, name: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=name).click()
    settle(page)


def until(page: Page, text: str, where: str, *, seconds: float = 60) -> None:
    """Re-run a page (in the same session) until the sidecar's work shows on it."""
    deadline = time.monotonic() + seconds
    while main(page).get_by_text(text).count() == 0 and time.monotonic() < deadline:
        time.sleep(2)
        nav(page, where)
    expect(main(page).get_by_text(text).first).to_be_visible()


def test_support_overview_lists_companies_needing_attention_first(page: Page, stack: Stack) -> None:
    ensure_company(stack)
    open_hub(page, stack)
    sign_in(page, MANAGER, DEMO_PASSWORD)
    open_connections(page)
    connect_through_xero(page, MANAGER, QUAYSIDE)

    # The platform sends two suppliers with one name: Xero takes the first and refuses the second.
    platform = Platform(stack)
    for n in (1, 2):
        sent = platform.event(QUAYSIDE, f"e2e-quay-{n}", "supplier.changed", {"supplier_id": f"SUP-Q{n}", "name": TWIN})
        assert sent["result"]["sync"] == "queued"

    # The finance manager's Sync runs page answers "when did this last sync, and what happened?".
    nav(page, "Sync runs")
    main(page).get_by_label("Job").click()
    page.get_by_role("option", name="Sending changes to Xero").click()
    settle(page)
    until(page, "1 refused", "Sync runs")
    expect(main(page).get_by_text("Last run: Sending changes to Xero")).to_be_visible()
    expect(main(page).get_by_role("button", name="Download diagnostics (JSON)")).to_be_visible()

    # Support's overview: the companies needing attention come first, each with why and where to fix it.
    page.context.clear_cookies()
    open_hub(page, stack)
    sign_in(page, "sam@hub.example", DEMO_PASSWORD)
    expect(main(page).get_by_role("heading", name="Overview")).to_be_visible()
    box = main(page).locator(f".st-key-attention-{platform.companies[QUAYSIDE]}")
    deadline = time.monotonic() + 60
    while box.count() == 0 and time.monotonic() < deadline:
        time.sleep(2)
        nav(page, "Overview")
    expect(box).to_contain_text("1 open sync error (latest: Another Xero contact has this name)")
    attention = main(page).get_by_role("heading", name="Needs attention")
    table = main(page).get_by_role("heading", name="Companies", exact=True)
    assert (attention.bounding_box() or {})["y"] < (box.bounding_box() or {})["y"] < (table.bounding_box() or {})["y"]

    # The button opens the Sync errors page filtered to that company, where the cause and its fix are.
    box.get_by_role("button", name="Open sync errors").click()
    settle(page)
    expect(main(page).get_by_role("heading", name="Sync errors")).to_be_visible()
    expect(main(page).get_by_text(f"Another Xero contact has this name at {QUAYSIDE}").first).to_be_visible()
