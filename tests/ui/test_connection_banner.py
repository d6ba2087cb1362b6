"""The banner on every page of a company whose Xero connection stopped syncing: needs reconnect, disconnected,
disconnected automatically after 60 days, removed; and the way to reconnect, only for those who may connect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.runtime.pages_manager import PagesManager

from core.auth import SYSTEM
from core.connections import inactivity
from core.connections import lifecycle as connections
from core.hub import Hub
from core.models.sync import ConnectionState
from core.sync import queue
from tests.ui.test_connections_page import SUPPORT, seed_connection
from tests.ui.test_pages import FIONA, AppFactory, actor, run_ok

HARBOUR = "Harbour Bakery Ltd"
COLIN = "colin@harbourbakery.example"
LINK = "Open Xero connections to reconnect"
HEADLINES = {
    "needs_reconnect": "Harbour Bakery Ltd needs reconnecting to Xero.",
    "disconnected": "Harbour Bakery Ltd is disconnected from Xero.",
    "auto_disconnected": "Harbour Bakery Ltd was disconnected from Xero automatically.",
    "removed": "Harbour Bakery Ltd's Xero connection was removed.",
}
# What each banner says waits (or, after a remove, what happened to the changes).
WAITS = {
    "needs_reconnect": "2 changes wait to be sent once it is reconnected",
    "disconnected": "2 changes wait to be sent once it is reconnected",
    "auto_disconnected": "2 changes wait to be sent once it is reconnected",
    "removed": "2 changes discarded so far",
}


@pytest.fixture
def navigation(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Page switches run app.py's frame, as in the running app: there, st.navigation's first call turns off the
    pages-folder mode for good, while AppTest starts each run in it (so a switched page would run alone)."""
    original = PagesManager.__init__

    def init(self: PagesManager, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)
    yield
    PagesManager.uses_pages_directory = None


def seed_state(hub: Hub, kind: str) -> None:
    """Harbour Bakery in the given state, with two changes recorded (one before it stopped syncing, one after)."""
    state = ConnectionState.NEEDS_RECONNECT if kind == "needs_reconnect" else ConnectionState.CONNECTED
    cid = seed_connection(hub, HARBOUR, state, reason="Access was revoked in Xero.")
    with hub.db.write() as session:
        queue.queue(session, cid, "contact", 1, 1, "update", {"email": "one@example.com"})
        if kind == "disconnected":
            connections.disconnect(session, actor(hub, FIONA), cid)
        elif kind == "auto_disconnected":
            connections.end(session, SYSTEM, cid, remove=False, reason=inactivity.AUTO_DISCONNECT_REASON)
        elif kind == "removed":
            connections.remove(session, actor(hub, FIONA), cid)
        queue.queue(session, cid, "contact", 2, 1, "update", {"email": "two@example.com"})


def banner_text(at) -> str:  # type: ignore[no-untyped-def]
    """The warnings on the page, as a person reads them (markdown escapes and bold removed)."""
    return "\n".join(str(w.value) for w in at.warning).replace("\\", "").replace("**", "")


def links(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(link.label) for link in at.get("page_link")]


@pytest.mark.parametrize("kind", list(HEADLINES))
@pytest.mark.usefixtures("navigation")
def test_every_page_of_the_company_shows_what_happened_and_its_admin_may_reconnect(
    app_as: AppFactory, ui_hub: Hub, kind: str
) -> None:
    seed_state(ui_hub, kind)
    at = run_ok(app_as(FIONA))
    for page in ("web/pages/overview.py", "web/pages/documents.py", "web/pages/sync_runs.py"):
        run_ok(at.switch_page(page))
        text = banner_text(at)
        assert HEADLINES[kind] in text and WAITS[kind] in text, page
        assert LINK in links(at), page
        assert "Only this company's admins" not in text
    run_ok(at.switch_page("web/pages/connections.py"))  # the page the link opens offers the reconnect itself
    assert HEADLINES[kind] in banner_text(at) and LINK not in links(at)
    assert any(b.label == "Reconnect to Xero" for b in at.button)


@pytest.mark.parametrize("kind", list(HEADLINES))
@pytest.mark.parametrize("email", [COLIN, SUPPORT], ids=["finance-manager", "support"])
def test_someone_who_may_not_connect_sees_the_banner_without_the_way_to_reconnect(
    app_as: AppFactory, ui_hub: Hub, kind: str, email: str
) -> None:
    seed_state(ui_hub, kind)
    at = run_ok(app_as(email))  # support's first company is Harbour Bakery (by name)
    text = banner_text(at)
    assert HEADLINES[kind] in text and WAITS[kind] in text
    assert "Only this company's admins (and hub admins) can reconnect it." in text
    assert LINK not in links(at)


def test_a_removed_company_s_banner_says_nothing_is_sent(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_state(ui_hub, "removed")
    (text,) = [w for w in banner_text(run_ok(app_as(FIONA))).split("\n") if HEADLINES["removed"] in w]
    assert "Nothing is sent to Xero" in text and "reconnecting does not send them" in text and "wait" not in text


def test_text_from_xero_cannot_format_the_banner(app_as: AppFactory, ui_hub: Hub) -> None:
    seed_connection(ui_hub, HARBOUR, ConnectionState.NEEDS_RECONNECT, reason="**Revoked** [click](http://x.example)")
    at = run_ok(app_as(FIONA))
    shown = "\n".join(str(w.value) for w in at.warning)
    assert "\\*\\*Revoked\\*\\* \\[click\\](http://x.example)" in shown
