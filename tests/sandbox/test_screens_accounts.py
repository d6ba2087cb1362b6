"""The chart of accounts screen over real HTTP: a Xero user archives an account (after confirming) and restores it,
and a connected app sees the new status through the API."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from tests.sandbox.conftest import HARBOUR, Simulator

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
