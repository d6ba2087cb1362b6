"""The chart of accounts screen over real HTTP: a Xero user archives an account (after confirming) and restores it,
and switches payments to an account on or off; a connected app sees the change through the API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.sandbox.conftest import HARBOUR, Simulator
from tests.sandbox.test_documents_api import Org, create, ok, pay, refused, sale

ACCOUNTS = f"/screens/orgs/{HARBOUR}/accounts"


@pytest.fixture
def browser(sim: Simulator) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sim.url, follow_redirects=True, timeout=30) as client:
        yield client


def rent(api: httpx.Client) -> dict:
    return next(a for a in api.get("/Accounts").json()["Accounts"] if a["Code"] == "469")


def test_archive_after_confirming_then_restore(browser: httpx.Client, sim: Simulator) -> None:
    api = sim.api(sim.connect()["access_token"])
    listing = browser.get(ACCOUNTS).text
    assert 'data-account-code="469"' in listing and 'data-account-code="800"' not in listing  # system accounts hidden
    account_id = rent(api)["AccountID"]
    asked = browser.post(f"{ACCOUNTS}/{account_id}/archive")
    assert "Archive account 469 Rent?" in asked.text and rent(api)["Status"] == "ACTIVE"  # nothing before confirming
    done = browser.post(f"{ACCOUNTS}/{account_id}/archive", data={"confirm": "yes"})
    assert "Account 469 Rent archived." in done.text and rent(api)["Status"] == "ARCHIVED"
    assert re.search(r'data-account-code="469".*?account-restore', done.text, re.S)
    restored = browser.post(f"{ACCOUNTS}/{account_id}/restore")
    assert "Account 469 Rent restored." in restored.text and rent(api)["Status"] == "ACTIVE"
    assert browser.get(f"{ACCOUNTS}/not-an-id/archive").status_code == 404


def account(api: httpx.Client, code: str) -> dict:
    return next(a for a in api.get("/Accounts").json()["Accounts"] if a["Code"] == code)


def test_payments_to_an_account_are_switched_on_and_off_as_in_xero(browser: httpx.Client, sim: Simulator) -> None:
    """Xero takes payments into a bank account or an account with "Enable payments to this account" ticked; the
    tick is offered on other accounts only (a bank account always takes payments)."""
    api = sim.api(sim.connect()["access_token"])
    org = Org(api)
    clearing, bank = account(api, "615"), account(api, "090")
    assert clearing["EnablePaymentsToAccount"] is True
    listing = browser.get(ACCOUNTS).text
    assert re.search(r'data-account-code="615".*?account-payments-disable', listing, re.S)
    bank_row = re.search(r'data-account-code="090".*?</tr>', listing, re.S)
    assert bank_row and "Yes (bank account)" in bank_row[0] and "account-payments-" not in bank_row[0]

    done = browser.post(f"{ACCOUNTS}/{clearing['AccountID']}/payments/disable")
    assert "Payments to account 615 Stripe Clearing disabled." in done.text
    assert account(api, "615")["EnablePaymentsToAccount"] is False
    invoice = create(api, sale(org.customer))[0]
    assert any(
        "must be a BANK account or have EnablePaymentsToAccount" in m for m in refused(pay(api, invoice, 10, "615"))
    )

    rent = account(api, "469")
    assert "enabled" in browser.post(f"{ACCOUNTS}/{rent['AccountID']}/payments/enable").text
    assert account(api, "469")["EnablePaymentsToAccount"] is True
    assert ok(pay(api, invoice, 10, "469"), "Payments")[0]["Account"]["Code"] == "469"
    refused_bank = browser.post(f"{ACCOUNTS}/{bank['AccountID']}/payments/disable")
    assert "A bank account always takes payments" in refused_bank.text
    assert account(api, "090").get("EnablePaymentsToAccount") is False  # as Xero shows bank accounts
