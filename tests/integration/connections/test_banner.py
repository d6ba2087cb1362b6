"""Which banner a company's pages show while its Xero connection is not syncing, on SQLite and PostgreSQL: what
happened and when, who did it, what waits (or, after a remove, what was discarded), and who may reconnect."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from core import clock
from core.auth import PermissionDenied
from core.connections import banner, inactivity
from core.connections import lifecycle as connections
from core.connections.banner import Banner, Kind
from core.hub import Hub
from core.models.sync import Connection
from core.models.sync import ConnectionState as State
from core.sync import queue
from tests.integration.health.test_overview import company_id, connect_row
from tests.sync.connections.test_lifecycle import actor

HARBOUR, TUI = "Harbour Bakery Ltd", "Tui Garden Supplies Ltd"
FIONA, COLIN = "fiona@harbourbakery.example", "colin@harbourbakery.example"


def change(hub: Hub, cid: int, n: int) -> str:
    """A platform change to one supplier, recorded as the platform would; says where it went."""
    with hub.db.write() as session:
        return queue.queue(session, cid, "contact", n, 1, "update", {"email": f"buyer{n}@example.com"})


def banner_of(hub: Hub, cid: int, email: str = FIONA) -> Banner | None:
    with hub.db.read() as session:
        return banner.of_company(session, actor(hub, email), cid)


def changed_at(hub: Hub, cid: int) -> datetime:
    with hub.db.read() as session:
        found = session.scalar(select(Connection.state_changed_at).where(Connection.company_id == cid))
        assert found is not None
        return found


def on(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y} at {moment:%H:%M} UTC"


def test_a_connected_or_never_connected_company_gets_no_banner(seeded: Hub) -> None:
    harbour = connect_row(seeded, HARBOUR)
    assert banner_of(seeded, harbour) is None
    assert banner_of(seeded, company_id(seeded, TUI), "sam@hub.example") is None


def test_needs_reconnect_says_why_since_when_and_how_many_changes_wait(seeded: Hub) -> None:
    cid = connect_row(seeded, HARBOUR, State.NEEDS_RECONNECT, state_reason="Access was revoked in Xero.")
    assert [change(seeded, cid, n) for n in range(3)] == ["held"] * 3
    found = banner_of(seeded, cid)
    assert found is not None
    assert (found.kind, found.reason, found.waiting, found.by) == (
        Kind.NEEDS_RECONNECT,
        "Access was revoked in Xero.",
        3,
        None,
    )
    assert found.since == changed_at(seeded, cid) and found.can_reconnect
    assert found.headline == "Harbour Bakery Ltd needs reconnecting to Xero."
    assert f"on {on(found.since)}. Access was revoked in Xero." in found.detail
    assert "3 changes wait to be sent once it is reconnected" in found.detail


def test_a_disconnect_says_who_and_when_and_that_changes_wait(seeded: Hub) -> None:
    cid = connect_row(seeded, HARBOUR)
    assert change(seeded, cid, 1) == "queued"
    with seeded.db.write() as session:
        connections.disconnect(session, actor(seeded, FIONA), cid)
    assert change(seeded, cid, 2) == "held"
    found = banner_of(seeded, cid)
    assert found is not None
    assert (found.kind, found.by, found.waiting, found.discarded) == (Kind.DISCONNECTED, "Fiona Hughes", 2, 0)
    assert found.since == changed_at(seeded, cid)
    assert found.headline == "Harbour Bakery Ltd is disconnected from Xero."
    assert f"Fiona Hughes disconnected it on {on(found.since)}" in found.detail
    assert "2 changes wait to be sent once it is reconnected" in found.detail


def test_sixty_days_without_activity_is_an_automatic_disconnect(seeded: Hub) -> None:
    cid = connect_row(seeded, HARBOUR, last_activity_at=clock.now() - timedelta(days=61))
    assert inactivity.check(seeded) == "0 inactivity warnings, 1 automatic disconnects"
    found = banner_of(seeded, cid)
    assert found is not None
    assert (found.kind, found.by, found.waiting) == (Kind.AUTO_DISCONNECTED, None, 0)
    assert found.headline == "Harbour Bakery Ltd was disconnected from Xero automatically."
    assert "60 days" in found.detail and f"disconnected it on {on(found.since)}" in found.detail
    assert "No change is waiting yet" in found.detail
    assert change(seeded, cid, 1) == "held"
    found = banner_of(seeded, cid)
    assert found is not None and "1 change waits to be sent once it is reconnected" in found.detail


def test_a_remove_says_plainly_that_nothing_is_sent_and_counts_what_was_discarded(seeded: Hub) -> None:
    cid = connect_row(seeded, HARBOUR)
    change(seeded, cid, 1), change(seeded, cid, 2)
    with seeded.db.write() as session:
        assert len(connections.remove(session, actor(seeded, FIONA), cid)) == 2
    assert change(seeded, cid, 3) == "discarded"
    found = banner_of(seeded, cid)
    assert found is not None
    assert (found.kind, found.by, found.waiting, found.discarded) == (Kind.REMOVED, "Fiona Hughes", 0, 3)
    assert found.headline == "Harbour Bakery Ltd's Xero connection was removed."
    assert f"Fiona Hughes removed it on {on(found.since)}" in found.detail
    assert "Nothing is sent to Xero" in found.detail and "3 changes discarded so far" in found.detail
    assert "wait" not in found.detail  # nothing is kept for later: no word may suggest otherwise


def test_a_remove_after_a_disconnect_counts_only_what_it_discarded(seeded: Hub) -> None:
    cid = connect_row(seeded, HARBOUR)
    fiona = actor(seeded, FIONA)
    with seeded.db.write() as session:
        connections.disconnect(session, fiona, cid)
    change(seeded, cid, 1)
    with seeded.db.write() as session:
        connections.remove(session, fiona, cid)
    found = banner_of(seeded, cid)
    assert found is not None and (found.kind, found.discarded) == (Kind.REMOVED, 1)
    assert "1 change discarded so far" in found.detail


@pytest.mark.parametrize(
    ("email", "may"),
    [
        (FIONA, True),  # the company's admin
        ("ada@hub.example", True),  # a hub admin
        (COLIN, False),  # a finance manager without the company-admin flag
        ("sam@hub.example", False),  # support
        ("vic@hub.example", False),  # read-only
    ],
    ids=["company-admin", "hub-admin", "finance-manager", "support", "viewer"],
)
def test_only_those_allowed_to_connect_are_offered_the_reconnect(seeded: Hub, email: str, may: bool) -> None:
    cid = connect_row(seeded, HARBOUR)
    with seeded.db.write() as session:
        connections.disconnect(session, actor(seeded, FIONA), cid)
    found = banner_of(seeded, cid, email)
    assert found is not None and found.can_reconnect is may
    assert ("Only this company's admins (and hub admins) can reconnect it." in found.detail) is not may


def test_a_finance_manager_never_reads_another_company_s_banner(seeded: Hub) -> None:
    tui = connect_row(seeded, TUI, State.NEEDS_RECONNECT)
    with pytest.raises(PermissionDenied):
        banner_of(seeded, tui, FIONA)
