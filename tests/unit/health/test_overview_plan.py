"""The overview's pure arithmetic: why a company needs a person, which comes first, hours and percentiles."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from core.connections.banner import Banner, Kind
from core.connections.views import ConnectionView
from core.health.overview_plan import (
    Activity,
    Reason,
    attention_order,
    bucket,
    hour_starts,
    percentile,
    reasons,
)
from core.models.sync import ConnectionState

NOW = datetime(2026, 3, 4, 10, 30, tzinfo=UTC)
HEALTHY = ConnectionView(
    company_id=1,
    company="Harbour Bakery Ltd",
    state=ConnectionState.CONNECTED,
    state_label="Connected",
    reason=None,
    organisation="Harbour Bakery Ltd",
    connected_by="Fiona Hughes",
    connected_at=NOW - timedelta(days=3),
    last_sync_at=NOW - timedelta(hours=5),
    last_error=None,
    last_error_at=None,
    open_errors=0,
    days_to_disconnect=50,
    minute_left=60,
    day_left=4900,
    paused_until=None,
    pause_reason=None,
    waiting=0,
    held=0,
    import_state="done",
)
POLLED = Activity(last_polled_at=NOW - timedelta(minutes=8))


@pytest.mark.parametrize(
    ("view", "activity", "expected"),
    [
        (HEALTHY, POLLED, []),
        (
            replace(HEALTHY, open_errors=3, last_error="Contact archived in Xero"),
            POLLED,
            [(1, "3 open sync errors (latest: Contact archived in Xero)", "errors")],
        ),
        (
            replace(HEALTHY, state=ConnectionState.DISCONNECTED, held=4),
            Activity(),
            [(2, "4 changes held until Xero is reconnected", "connections")],
        ),
        (
            replace(HEALTHY, days_to_disconnect=9),
            POLLED,
            [(3, "Disconnects automatically in 9 days without activity", "connections")],
        ),
        (HEALTHY, Activity(last_polled_at=NOW - timedelta(hours=3)), [(4, "No sync with Xero for 3 h", "sync_runs")]),
        (replace(HEALTHY, import_state="running"), Activity(last_polled_at=None), []),  # the import is the sync
        (
            HEALTHY,
            Activity(last_polled_at=NOW, oldest_unsynced_at=NOW - timedelta(minutes=75), unsynced=2),
            [(5, "A change has waited 75 min to reach Xero", "sync_runs")],
        ),
        (HEALTHY, Activity(last_polled_at=NOW, oldest_unsynced_at=NOW - timedelta(minutes=5)), []),
        (replace(HEALTHY, state=None, connected_at=None, last_sync_at=None, days_to_disconnect=None), Activity(), []),
    ],
    ids=[
        "healthy",
        "open-errors",
        "held",
        "inactivity",
        "stale",
        "importing-is-not-stale",
        "slow-change",
        "recent-change",
        "never-connected",
    ],
)
def test_reasons(view: ConnectionView, activity: Activity, expected: list[tuple[int, str, str]]) -> None:
    assert [(r.rank, r.text, r.fix) for r in reasons(view, activity, NOW)] == expected


STOPPED = Banner(
    company_id=1,
    company="Harbour Bakery Ltd",
    kind=Kind.NEEDS_RECONNECT,
    since=NOW - timedelta(days=2),
    by=None,
    reason="Access revoked.",
    waiting=0,
    discarded=0,
    can_reconnect=False,
)


@pytest.mark.parametrize(
    ("state", "banner", "expected"),
    [
        (ConnectionState.NEEDS_RECONNECT, STOPPED, "Needs reconnecting to Xero since 2 March 2026: Access revoked."),
        (
            ConnectionState.DISCONNECTED,
            replace(STOPPED, kind=Kind.DISCONNECTED, by="Fiona Hughes", reason=None),
            "Disconnected from Xero by Fiona Hughes on 2 March 2026",
        ),
        (
            ConnectionState.DISCONNECTED,
            replace(STOPPED, kind=Kind.AUTO_DISCONNECTED, reason=None),
            "Disconnected automatically on 2 March 2026 after 60 days without activity",
        ),
        (
            ConnectionState.REMOVED,
            replace(STOPPED, kind=Kind.REMOVED, by="Fiona Hughes", reason=None),
            "Xero connection removed by Fiona Hughes on 2 March 2026: nothing is sent to Xero",
        ),
    ],
    ids=["needs-reconnect", "disconnected", "auto-disconnected", "removed"],
)
def test_a_connection_that_stopped_syncing_is_listed_first_with_what_happened(
    state: ConnectionState, banner: Banner, expected: str
) -> None:
    view = replace(HEALTHY, state=state, days_to_disconnect=None)
    assert [(r.rank, r.text, r.fix) for r in reasons(view, Activity(), NOW, banner)] == [(0, expected, "connections")]


def test_most_urgent_first_then_most_reasons_then_name() -> None:
    rows = [
        ("Zeta Ltd", ()),
        ("Beta Ltd", (Reason(1, "errors", "errors"),)),
        ("alpha Ltd", (Reason(1, "errors", "errors"), Reason(4, "stale", "sync_runs"))),
        ("Omega Ltd", (Reason(0, "reconnect", "connections"),)),
        ("Acme Ltd", ()),
    ]
    assert [rows[i][0] for i in attention_order(rows)] == ["Omega Ltd", "alpha Ltd", "Beta Ltd", "Acme Ltd", "Zeta Ltd"]


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        ([], 50, None),
        ([7.0], 95, 7.0),
        ([3.0, 1.0, 2.0], 50, 2.0),
        ([float(n) for n in range(1, 101)], 50, 50.0),
        ([float(n) for n in range(1, 101)], 95, 95.0),
        ([float(n) for n in range(1, 11)], 95, 10.0),
        ([1.0, 2.0], 0, 1.0),
    ],
    ids=["empty", "one", "unsorted", "p50-of-100", "p95-of-100", "p95-of-10", "p0"],
)
def test_percentile_is_nearest_rank(values: list[float], q: float, expected: float | None) -> None:
    assert percentile(values, q) == expected


def test_hours_and_buckets() -> None:
    starts = hour_starts(NOW)
    assert len(starts) == 24 and starts[-1] == datetime(2026, 3, 4, 10, tzinfo=UTC)
    assert starts[0] == datetime(2026, 3, 3, 11, tzinfo=UTC)
    counts = [(NOW, 2), (NOW - timedelta(minutes=20), 3), (starts[0], 1), (starts[0] - timedelta(minutes=1), 50)]
    totals = bucket(starts, counts)
    assert totals[-1] == 5 and totals[0] == 1 and sum(totals) == 6
