"""Steps the browser tests share: connecting through Xero's consent page, and the platform's own edits."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from typing import Any

import httpx
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import select

import launcher
from core.db import Database
from core.models.base import Company
from core.settings import PROJECT_ROOT
from tests.e2e.browser import settle
from tests.stack import Stack


def main(page: Page) -> Locator:
    return page.locator('[data-testid="stMain"]')


def open_connections(page: Page) -> None:
    page.get_by_test_id("stSidebarNav").get_by_role("link", name="Xero connections").click()
    settle(page)


def connect_through_xero(
    page: Page,
    xero_email: str,
    organisation: str,
    *,
    button: str = "Connect to Xero",
    also_grant: tuple[str, ...] = (),
    refused: str | None = None,
) -> None:
    """From the Connections page: consent in the simulator's Xero page (ticking `organisation` and `also_grant`),
    then the second pick of `organisation` and confirm; connected, or refused with the words `refused`."""
    area = main(page)
    area.get_by_role("button", name=button).click()
    page.wait_for_url("**/identity/connect/authorize**")  # one click, the same tab
    page.wait_for_selector("h1")
    if page.get_by_role("heading", name="Log in to connect Xero integration hub").count():  # not signed in to Xero yet
        page.get_by_label("Email address").fill(xero_email)
        page.get_by_label("Password").fill("xero-demo")
        page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text(f"({xero_email})")).to_be_visible()
    for ticked in (organisation, *also_grant):
        page.get_by_label(ticked, exact=True).check()
    page.get_by_role("button", name="Allow access").click()
    page.wait_for_url("**/connections?confirm=*")
    settle(page)
    expect(area.get_by_text("stays tied to the organisation you confirm")).to_be_visible()
    if also_grant:  # the second pick: choose again among what was granted
        area.get_by_label("Organisation you granted in Xero").click()
        page.get_by_role("option", name=organisation, exact=True).click()
        settle(page)
    area.get_by_role("button", name="Confirm and connect").click()
    settle(page)
    if refused is not None:
        expect(area.get_by_text(refused)).to_be_visible()
        return
    # Exactly "Connected": "Disconnected · …" contains the same words, and a refusal would show beside it.
    expect(area.get_by_text(f"Xero: Connected · {organisation}", exact=True)).to_be_visible()


def end_connection(page: Page, action: str) -> None:
    """Disconnect or Remove, through the confirmation dialog."""
    main(page).get_by_role("button", name=f"{action}…").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name=action, exact=True).click()
    settle(page)
    expect(dialog).to_be_hidden()


class Platform:
    """The platform as it talks to the hub: its events over the /api routes with an API key."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        made = subprocess.run(
            [sys.executable, "manage.py", "api-keys", "create", "Browser tests", "--all-companies"],
            cwd=PROJECT_ROOT,
            env={**stack.env, **launcher.demo_keys(stack.data_dir)},  # the keys the launcher made for its data
            capture_output=True,
            text=True,
            check=True,
        )
        found = re.search(r"\(shown once\): (\S+)", made.stdout)
        assert found, made.stdout + made.stderr
        self.key = found.group(1)
        database = Database(f"sqlite:///{stack.data_dir / 'hub.db'}")
        with database.read() as session:
            self.companies = {c.name: c.id for c in session.scalars(select(Company))}
        database.dispose()

    def event(self, company: str, event_id: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        answer = httpx.post(
            f"{self.stack.url}/api/v1/companies/{self.companies[company]}/events",
            json={"event_id": event_id, "type": kind, "data": data},
            headers={"Authorization": f"Bearer {self.key}"},
            timeout=30,
        )
        assert answer.status_code in (200, 201), answer.text
        return answer.json()


def xero_contact_page(page: Page, stack: Stack, organisation: str, search: str, *, wait: float = 30) -> None:
    """Open the simulator's Xero screen of the contact found by name or email, waiting for the sidecar to send it."""
    page.goto(stack.sandbox_url + "/")
    page.get_by_role("link", name=organisation).first.click()
    page.get_by_test_id("nav-contacts").click()
    page.get_by_test_id("contact-search").fill(search)
    page.get_by_test_id("contact-search-submit").click()
    found = page.get_by_test_id("contact-link")
    deadline = time.monotonic() + wait
    while found.count() == 0 and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    found.first.click()


def shows_after_sync(page: Page, text: str, *, wait: float = 30) -> None:
    """Reload a simulator screen until the sidecar's push shows on it."""
    deadline = time.monotonic() + wait
    while page.get_by_text(text).count() == 0 and time.monotonic() < deadline:
        time.sleep(1)
        page.reload()
    expect(page.get_by_text(text)).to_be_visible()


def advance_clock(stack: Stack, minutes: int) -> None:
    """Move the demo's shared clock forward for every process and the simulator (`manage.py clock`, as a presenter
    does), with the settings the launcher gives its children."""
    env = {**stack.env, **launcher.demo_keys(stack.data_dir), "HUB_DEMO": "1", "XERO_API_URL": stack.sandbox_url}
    moved = subprocess.run(
        [sys.executable, "manage.py", "clock", "--minutes", str(minutes)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert moved.returncode == 0, moved.stdout + moved.stderr
