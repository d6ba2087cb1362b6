"""Every page as support, an admin and a finance manager see it, at 1400 by 900 in a real browser: nothing says "(s)",
no internal job id shows, and no table is cut off on the right (a table wider than its page scrolls sideways, and
its last columns are out of sight). Each page's screenshot is kept in test-artifacts/pages/ to look at.

It runs after the other browser tests in this file's folder have connected companies and made errors, so the pages
have rows to show; alone it still walks every page (empty states included)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page

from core.demo.seed import DEMO_PASSWORD
from core.health.sidecar import JOB_LABELS
from core.sync.runs import JOBS
from tests.e2e.conftest import ARTIFACTS, settle
from tests.e2e.test_sign_in import open_hub, sign_in
from tests.stack import Stack

pytestmark = pytest.mark.e2e

PEOPLE = {
    "support": "sam@hub.example",
    "admin": "ada@hub.example",
    "finance-manager": "fiona@harbourbakery.example",
}
# Internal names that must not reach a page's words: job ids and the sync runs' job keys.
INTERNAL = re.compile(r"\b(" + "|".join(sorted(j for j in {*JOB_LABELS, *JOBS} if "_" in j)) + r")\b")
CUT_OFF = """() => [...document.querySelectorAll('[data-testid="stDataFrame"]')]
    .filter((frame) => frame.offsetParent !== null && !frame.closest('[data-stale="true"]'))
    .map((frame) => {
        const scroller = frame.querySelector('.dvn-scroller');
        return scroller && scroller.scrollWidth > scroller.clientWidth + 2
            ? (frame.closest('[data-testid="stVerticalBlock"]')?.innerText || '').slice(0, 80) : null;
    })
    .filter((found) => found !== null)"""


def _pages(page: Page) -> list[str]:
    nav = page.get_by_test_id("stSidebarNav")
    nav.get_by_role("link").first.wait_for()
    return [name.strip().splitlines()[-1] for name in nav.get_by_role("link").all_inner_texts()]  # after the icon


@pytest.mark.parametrize("who", list(PEOPLE))
def test_every_page_reads_right_and_fits_at_1400_wide(browser: Browser, stack: Stack, who: str) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    try:
        open_hub(page, stack)
        sign_in(page, PEOPLE[who], DEMO_PASSWORD)
        folder = ARTIFACTS / "pages"
        folder.mkdir(parents=True, exist_ok=True)
        problems: list[str] = []
        names = _pages(page)
        assert "Overview" in names and "Documents" in names, names
        for name in names:
            page.get_by_test_id("stSidebarNav").get_by_role("link", name=name, exact=True).click()
            settle(page)
            page.wait_for_timeout(800)  # the data grids and charts draw after the script has finished
            words = page.locator('[data-testid="stMain"]').inner_text()
            sidebar = page.get_by_test_id("stSidebar").inner_text()
            if "(s)" in words:
                problems.append(f"{name}: says '(s)'")
            for found in {m.group(0) for m in INTERNAL.finditer(words + "\n" + sidebar)}:
                problems.append(f"{name}: shows the job id {found!r}")
            for table in page.evaluate(CUT_OFF):
                problems.append(f"{name}: a table is cut off on the right ({table!r})")
            # The whole page for a person to look at: the window as tall as the page (Streamlit scrolls inside).
            tall = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
            page.set_viewport_size({"width": 1400, "height": max(900, min(int(tall), 6000))})
            page.wait_for_timeout(300)
            page.screenshot(path=str(folder / f"{who}-{re.sub(r'[^a-z]+', '-', name.lower())}.png"))
            page.set_viewport_size({"width": 1400, "height": 900})
        assert not problems, "\n".join(problems)
    finally:
        context.close()
