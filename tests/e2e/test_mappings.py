"""DEMO step 5 in a browser: a finance manager of a connected company maps invoice categories to account codes and
platform tax rates to Xero tax types, and a tax rate whose effective rate differs is refused with the reason.

It uses its own company (Harbour Bakery Events Ltd, connected through the bookkeeper's Xero login), so the other
browser tests' companies and connections are untouched."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from core import companies
from core.auth import COMMAND_LINE
from core.db import Database
from core.demo.seed import DEMO_PASSWORD
from core.mappings import catalog as platform_catalog
from core.models.base import Company, Role
from core.staff import users
from tests.e2e.conftest import settle
from tests.e2e.flows import connect_through_xero, main, open_connections
from tests.e2e.test_sign_in import open_hub, sign_in
from tests.stack import Stack

pytestmark = pytest.mark.e2e

EVENTS = "Harbour Bakery Events Ltd"
MANAGER = "events@harbourbakery.example"


def ensure_company(stack: Stack) -> None:
    """An admin has added the company and its finance manager (as with `manage.py users create`)."""
    database = Database(f"sqlite:///{stack.data_dir / 'hub.db'}")
    try:
        with database.write() as session:
            if session.query(Company).filter_by(name=EVENTS).one_or_none() is not None:
                return
            company = companies.create(session, COMMAND_LINE, name=EVENTS, country="GB", base_currency="GBP")
            session.flush()
            platform_catalog.seed(session, company)
            draft = users.UserDraft(MANAGER, "Priya Shah", Role.FINANCE_MANAGER, company.id, is_company_admin=True)
            users.create(session, COMMAND_LINE, draft, DEMO_PASSWORD)
    finally:
        database.dispose()


def choose(page: Page, scope: Locator, label: str, option: str, typed: str) -> None:
    """Pick an option in a Streamlit selectbox, typing part of it first (long lists render lazily)."""
    wanted = page.get_by_role("option", name=option, exact=True)
    # On a busy machine the list can open after the first keys were typed, or redraw while it filters: start over.
    for _ in range(3):
        scope.get_by_label(label).click()
        page.keyboard.press("ControlOrMeta+A")  # whatever an earlier try left typed is replaced
        page.keyboard.type(typed)
        try:
            wanted.click(timeout=10_000)
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
            settle(page)
    raise AssertionError(f"{option!r} could not be picked in {label!r}")


def save_one(page: Page, form: Locator, row_label: str, row: str, target: str, typed: tuple[str, str]) -> None:
    choose(page, form, row_label, row, typed[0])
    settle(page)  # the "Map to" box is drawn again for the row picked, starting at what it maps to now
    choose(page, form, "Map to", target, typed[1])
    form.get_by_role("button", name="Save this mapping").click()
    settle(page)


def test_mappings_with_a_refused_tax_rate(page: Page, stack: Stack) -> None:
    ensure_company(stack)
    open_hub(page, stack)
    sign_in(page, MANAGER, DEMO_PASSWORD)
    open_connections(page)
    connect_through_xero(page, "bookkeeper@ledgerlane.example", EVENTS)

    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Mappings").click()
    settle(page)
    deadline = time.monotonic() + 40
    while main(page).get_by_text("read from Xero").count() == 0 and time.monotonic() < deadline:
        time.sleep(1)  # the sidecar reads the chart of accounts and tax rates right after connecting
        page.reload()
        settle(page)
    expect(main(page).get_by_text("read from Xero", exact=False)).to_be_visible()

    # Invoice categories → account codes (the suggestion for "Goods sold" was 200 · Sales).
    categories = main(page).locator(".st-key-acc-one")
    save_one(
        page,
        categories,
        "Line category",
        "GOODS · Goods sold — Sales invoices",
        "260 · Other Revenue",
        ("GOODS", "260"),
    )
    expect(main(page).get_by_text("Saved 1 mapping change;")).to_be_visible()

    # A platform tax rate → a Xero tax type with another effective rate: refused, with the reason.
    main(page).get_by_role("tab", name="Tax rates").click()
    settle(page)
    taxes = main(page).locator(".st-key-tax-one")
    sales = "Sales (invoices and customer credit notes)"
    save_one(
        page,
        taxes,
        "Platform tax rate",
        f"VAT5 · Reduced VAT 5% (5%) — {sales}",
        "OUTPUT2 · 20% (VAT on Income) (20%)",
        ("VAT5", "OUTPUT2"),
    )
    expect(main(page).get_by_text("Nothing was saved: 1 row cannot be mapped.")).to_be_visible()
    expect(main(page).get_by_text("The effective rates differ: the platform's Reduced VAT 5% is 5%")).to_be_visible()

    # The same rate → a tax type with the same effective rate is accepted.
    save_one(
        page,
        taxes,
        "Platform tax rate",
        f"ZERO · Zero rated (0%) — {sales}",
        "EXEMPTOUTPUT · Exempt Income (0%)",
        ("ZERO", "EXEMPTOUTPUT"),
    )
    expect(main(page).get_by_text("Saved 1 mapping change;")).to_be_visible()
