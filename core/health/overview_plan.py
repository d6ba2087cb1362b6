"""The overview's pure arithmetic: which companies need a person and why, per-hour buckets, and percentiles.

Pure functions of what core.health.overview gathered, so the thresholds are tested without a database."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.connections.banner import Banner
from core.connections.views import ConnectionView
from core.models.sync import ConnectionState

# A connected company with no poll, push or import for this long has stopped syncing (polls run every 10 minutes).
STALE_AFTER = timedelta(hours=1)
# A change waiting this long to reach Xero is worth a look even without an error.
SLOW_CHANGE_AFTER = timedelta(hours=1)
# The inactivity warnings start at 45 days: from then the company is listed with its days left.
INACTIVITY_DAYS_LEFT = 15
HOURS = 24

# Where a person fixes each kind of problem (the page's path under /, as navigation names it).
CONNECTIONS, ERRORS, RUNS = "connections", "errors", "sync_runs"


@dataclass(frozen=True)
class Reason:
    """Why a company needs a person: its rank (lower first), what is wrong, and the page that fixes it."""

    rank: int
    text: str
    fix: str


@dataclass(frozen=True)
class Activity:
    """What the overview knows about a company's sync beyond its connection view."""

    last_polled_at: datetime | None = None
    oldest_unsynced_at: datetime | None = None
    unsynced: int = 0


def _count(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else plural or word + 's'}"


def _age(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 90:
        return f"{minutes} min"
    if minutes < 48 * 60:
        return f"{minutes // 60} h"
    return f"{minutes // 1440} days"


def reasons(
    view: ConnectionView, activity: Activity, now: datetime, banner: Banner | None = None
) -> tuple[Reason, ...]:
    """Everything about one company a person should act on, most urgent first (empty: all is well).

    banner: the company's connection banner (core.connections.banner) when it stopped syncing: needs reconnect,
    disconnected (by a person or after inactivity) or removed, with when it happened."""
    found: list[Reason] = []
    if banner is not None:
        found.append(Reason(0, banner.summary, CONNECTIONS))
    if view.open_errors:
        last = f" (latest: {view.last_error})" if view.last_error else ""
        found.append(Reason(1, f"{_count(view.open_errors, 'open sync error')}{last}", ERRORS))
    if view.held:
        found.append(Reason(2, f"{_count(view.held, 'change')} held until Xero is reconnected", CONNECTIONS))
    connected = view.state is ConnectionState.CONNECTED
    if connected and view.days_to_disconnect is not None and view.days_to_disconnect <= INACTIVITY_DAYS_LEFT:
        found.append(
            Reason(
                3,
                f"Disconnects automatically in {_count(view.days_to_disconnect, 'day')} without activity",
                CONNECTIONS,
            )
        )
    importing = view.import_state in ("queued", "running")
    newest = max((t for t in (activity.last_polled_at, view.last_sync_at, view.connected_at) if t), default=None)
    if connected and not importing and newest is not None and now - newest > STALE_AFTER:
        found.append(Reason(4, f"No sync with Xero for {_age(now - newest)}", RUNS))
    if connected and activity.oldest_unsynced_at is not None and now - activity.oldest_unsynced_at > SLOW_CHANGE_AFTER:
        found.append(Reason(5, f"A change has waited {_age(now - activity.oldest_unsynced_at)} to reach Xero", RUNS))
    return tuple(found)


def attention_order(rows: Sequence[tuple[str, tuple[Reason, ...]]]) -> list[int]:
    """Indexes of (company name, reasons) rows: those needing a person first (most urgent, then most reasons)."""
    return sorted(
        range(len(rows)),
        key=lambda i: (
            min((r.rank for r in rows[i][1]), default=99),
            -len(rows[i][1]),
            rows[i][0].lower(),
        ),
    )


def hour_starts(now: datetime, hours: int = HOURS) -> list[datetime]:
    """The start of each of the last `hours` hours, oldest first; the last is the current (partial) hour."""
    current = now.replace(minute=0, second=0, microsecond=0)
    return [current - timedelta(hours=hours - 1 - i) for i in range(hours)]


def bucket(starts: Sequence[datetime], counts: Iterable[tuple[datetime, int]]) -> list[int]:
    """Totals per hour for the given hour starts; counts outside the window are ignored."""
    index = {start: i for i, start in enumerate(starts)}
    totals = [0] * len(starts)
    for hour, count in counts:
        i = index.get(hour.replace(minute=0, second=0, microsecond=0))
        if i is not None:
            totals[i] += int(count or 0)
    return totals


def percentile(values: Sequence[float], q: float) -> float | None:
    """The nearest-rank percentile (q in 0..100) of the values; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
