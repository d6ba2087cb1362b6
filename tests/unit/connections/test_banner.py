"""The banner's words, for each way a connection stops syncing: what happened and when, what waits with its count
agreeing, what a remove means, and who may reconnect."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from core.connections.banner import Banner, Kind, kind_of
from core.connections.inactivity import AUTO_DISCONNECT_REASON
from core.models.sync import ConnectionState as State

SINCE = datetime(2026, 3, 4, 9, 5, tzinfo=UTC)
BASE = Banner(
    company_id=1,
    company="Harbour Bakery Ltd",
    kind=Kind.DISCONNECTED,
    since=SINCE,
    by="Fiona Hughes",
    reason=None,
    waiting=0,
    discarded=0,
    can_reconnect=True,
)


@pytest.mark.parametrize(
    ("state", "reason", "expected"),
    [
        (State.CONNECTED, None, None),
        (State.PENDING_CONFIRMATION, None, None),
        (State.NEEDS_RECONNECT, "Access was revoked in Xero.", Kind.NEEDS_RECONNECT),
        (State.DISCONNECTED, None, Kind.DISCONNECTED),
        (State.DISCONNECTED, AUTO_DISCONNECT_REASON, Kind.AUTO_DISCONNECTED),
        (State.REMOVED, None, Kind.REMOVED),
    ],
    ids=["connected", "pending", "needs-reconnect", "disconnected", "auto-disconnected", "removed"],
)
def test_which_banner_each_state_gets(state: State, reason: str | None, expected: Kind | None) -> None:
    assert kind_of(state, reason) is expected


@pytest.mark.parametrize(
    ("banner", "headline", "said", "summary"),
    [
        (
            replace(BASE, kind=Kind.NEEDS_RECONNECT, by=None, reason="Access was revoked in Xero.", waiting=1),
            "Harbour Bakery Ltd needs reconnecting to Xero.",
            (
                "Xero stopped accepting the connection on 4 March 2026 at 09:05 UTC. Access was revoked in Xero.",
                "1 change waits to be sent once it is reconnected",
            ),
            "Needs reconnecting to Xero since 4 March 2026: Access was revoked in Xero.",
        ),
        (
            replace(BASE, waiting=3),
            "Harbour Bakery Ltd is disconnected from Xero.",
            (
                "Fiona Hughes disconnected it on 4 March 2026 at 09:05 UTC, so nothing syncs until it is reconnected.",
                "3 changes wait to be sent once it is reconnected, with every change made meanwhile.",
            ),
            "Disconnected from Xero by Fiona Hughes on 4 March 2026",
        ),
        (
            replace(BASE, by=None),
            "Harbour Bakery Ltd is disconnected from Xero.",
            ("It was disconnected on 4 March 2026 at 09:05 UTC", "No change is waiting yet"),
            "Disconnected from Xero on 4 March 2026",
        ),
        (
            replace(BASE, kind=Kind.AUTO_DISCONNECTED, by=None, waiting=1),
            "Harbour Bakery Ltd was disconnected from Xero automatically.",
            (
                "No change reached Xero and nobody worked on the company in the hub for 60 days, so the hub "
                "disconnected it on 4 March 2026 at 09:05 UTC.",
                "1 change waits to be sent once it is reconnected",
            ),
            "Disconnected automatically on 4 March 2026 after 60 days without activity",
        ),
        (
            replace(BASE, kind=Kind.REMOVED, discarded=1),
            "Harbour Bakery Ltd's Xero connection was removed.",
            (
                "Fiona Hughes removed it on 4 March 2026 at 09:05 UTC.",
                "Nothing is sent to Xero",
                "1 change discarded so far is listed on the Xero connections page.",
            ),
            "Xero connection removed by Fiona Hughes on 4 March 2026: nothing is sent to Xero",
        ),
        (
            replace(BASE, kind=Kind.REMOVED, by=None, discarded=0),
            "Harbour Bakery Ltd's Xero connection was removed.",
            (
                "It was removed on 4 March 2026 at 09:05 UTC.",
                "Nothing is sent to Xero",
                "Nothing has been discarded so far.",
            ),
            "Xero connection removed on 4 March 2026: nothing is sent to Xero",
        ),
    ],
    ids=["needs-reconnect", "disconnected", "disconnected-by-nobody-known", "auto", "removed", "removed-empty"],
)
def test_what_the_banner_says(banner: Banner, headline: str, said: tuple[str, ...], summary: str) -> None:
    assert banner.headline == headline and banner.summary == summary
    for words in said:
        assert words in banner.detail
    assert "Only this company's admins" not in banner.detail


@pytest.mark.parametrize("kind", list(Kind), ids=[k.value for k in Kind])
def test_who_may_reconnect_is_said_to_everyone_else(kind: Kind) -> None:
    cannot = replace(BASE, kind=kind, can_reconnect=False)
    assert cannot.detail.endswith("Only this company's admins (and hub admins) can reconnect it.")


def test_a_removed_connection_never_speaks_of_changes_waiting() -> None:
    for discarded in (0, 1, 7):
        text = replace(BASE, kind=Kind.REMOVED, discarded=discarded, can_reconnect=False).detail
        assert "wait" not in text and "kept" not in text
        assert "reconnecting does not send them" in text
