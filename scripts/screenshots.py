"""Take the README's screenshots again: the overview, the sync errors page (an error's detail with its dry run), the
mappings page, and connecting to Xero (the simulator's consent page and the page after returning), at 1400 x 900 in
Debian's headless Chromium, into docs/screenshots/.

    .venv/bin/python scripts/screenshots.py                      # starts a fresh demo stack of its own, then stops it
    .venv/bin/python scripts/screenshots.py --url http://127.0.0.1:8501 --sandbox-url http://127.0.0.1:8765

A running demo is changed by the connect flow (Harbour Bakery is left half-way through connecting, which the hub
cleans up after 15 minutes), so the default is a throwaway stack with its own data folder.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import Page, expect, sync_playwright

from core.demo.seed import DEMO_PASSWORD
from demodata.orgs import DEMO_PASSWORD as XERO_PASSWORD
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, nav, open_hub, settle, sign_in
from tests.stack import Stack

OUT = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
VIEWPORT = {"width": 1400, "height": 900}
SUPPORT = "sam@hub.example"
MANAGER = "jarrah@bondibean.example"  # Bondi Bean Roasters: connected, with its mappings suggested
FIONA = "fiona@harbourbakery.example"  # Harbour Bakery: not connected, as the demo's step 2 needs
HARBOUR = "Harbour Bakery Ltd"


class Running:
    """A demo stack someone else started: only its addresses."""

    def __init__(self, url: str, sandbox_url: str) -> None:
        self.url, self.sandbox_url = url.rstrip("/"), sandbox_url.rstrip("/")


def main_area(page: Page):  # type: ignore[no-untyped-def]
    return page.get_by_test_id("stMain")


def shoot(page: Page, name: str) -> Path:
    settle(page)
    page.wait_for_timeout(500)  # charts and tables draw just after the run ends
    path = OUT / f"{name}.png"
    page.screenshot(path=str(path))
    print(f"  {path.relative_to(OUT.parent.parent)}")
    return path


def overview(page: Page, stack: Stack | Running) -> None:
    open_hub(page, stack)  # type: ignore[arg-type]
    sign_in(page, SUPPORT, DEMO_PASSWORD)
    expect(main_area(page).get_by_role("heading", name="Overview")).to_be_visible()
    expect(main_area(page).get_by_role("heading", name="Needs attention")).to_be_visible()
    shoot(page, "overview")
    charts = main_area(page).get_by_test_id("stVegaLiteChart").first
    charts.scroll_into_view_if_needed()
    charts.evaluate("element => element.scrollIntoView({block: 'center'})")
    shoot(page, "overview-charts")


def errors(page: Page, stack: Stack | Running) -> None:
    """Support's Sync errors page on one cause across companies: the newest error open, and retry-all's dry run."""
    open_hub(page, stack, "/errors?cause=missing_account_mapping")  # type: ignore[arg-type]
    main_area(page).get_by_text("Every error", exact=True).click()
    settle(page)
    main_area(page).get_by_role("button", name="Retry all matching the filter").click()
    settle(page)
    dry_run = main_area(page).get_by_text(re.compile(r"^Dry run:")).first
    expect(dry_run).to_be_visible()
    # As much of the error's detail as fits above the dry run, which ends the page.
    main_area(page).get_by_role("button", name=re.compile(r"^(Retry \d+ now|Nothing to retry now)$")).evaluate(
        "element => element.scrollIntoView({block: 'end'})"
    )
    shoot(page, "sync-errors")


def mappings(page: Page, stack: Stack | Running) -> None:
    page.context.clear_cookies()
    open_hub(page, stack)  # type: ignore[arg-type]
    sign_in(page, MANAGER, DEMO_PASSWORD)
    nav(page, "Mappings")
    expect(main_area(page).get_by_role("heading", name="Mappings")).to_be_visible()
    shoot(page, "mappings")


def connect(page: Page, stack: Stack | Running) -> None:
    """Fiona connects Harbour Bakery: Xero's consent page in the simulator, then the second pick back in the hub."""
    page.context.clear_cookies()
    open_hub(page, stack)  # type: ignore[arg-type]
    sign_in(page, FIONA, DEMO_PASSWORD)
    nav(page, "Xero connections")
    main_area(page).get_by_role("button", name="Connect to Xero").click()
    page.wait_for_url("**/identity/connect/authorize**")
    page.wait_for_selector("h1")
    if page.get_by_label("Email address").count():
        page.get_by_label("Email address").fill(FIONA)
        page.get_by_label("Password").fill(XERO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
    page.get_by_label(HARBOUR, exact=True).check()
    page.wait_for_load_state()
    page.wait_for_timeout(300)
    path = OUT / "connect-consent.png"
    page.screenshot(path=str(path))
    print(f"  {path.relative_to(OUT.parent.parent)}")
    page.get_by_role("button", name="Allow access").click()
    page.wait_for_url("**/connections?confirm=*")
    settle(page)
    expect(main_area(page).get_by_text("stays tied to the organisation you confirm")).to_be_visible()
    shoot(page, "connect-confirm")


def take(stack: Stack | Running) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
        expect.set_options(timeout=30_000)
        page = context.new_page()
        for step in (overview, errors, mappings, connect):
            step(page, stack)
        browser.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", help="a running demo's web address (default: start a fresh demo stack)")
    parser.add_argument("--sandbox-url", default="http://127.0.0.1:8765", help="that demo's simulator address")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium package (./run-tests does).", file=sys.stderr)
        return 2
    print(f"Screenshots into {OUT}:")
    if args.url:
        take(Running(args.url, args.sandbox_url))
        return 0
    with tempfile.TemporaryDirectory() as folder:
        stack = Stack(Path(folder) / "data").start(timeout=300)
        try:
            take(stack)
        finally:
            stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
