"""The hub's clock: every rule that depends on time reads it here, never datetime.now() directly.

In demo and test mode the clock can be moved for every process at once: the offset lives in the database
(core.timeshift) and each process re-reads it at most once a second.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_offset = timedelta(0)
_shared: Callable[[], float] | None = None
_shared_seconds = 0.0
_shared_read_at = float("-inf")
# How often a process re-reads the shared offset (tests that race processes set HUB_CLOCK_REREAD_SECONDS=0).
REREAD_SECONDS = float(os.environ.get("HUB_CLOCK_REREAD_SECONDS", "1.0"))


def now() -> datetime:
    """The current time in UTC, moved by any offset a test or the demo has applied."""
    return datetime.now(UTC) + _offset + timedelta(seconds=_shared_offset())


def _shared_offset() -> float:
    global _shared_seconds, _shared_read_at
    if _shared is None:
        return 0.0
    if time.monotonic() - _shared_read_at >= REREAD_SECONDS:
        with contextlib.suppress(Exception):  # a database hiccup keeps the last known offset
            _shared_seconds = _shared()
        _shared_read_at = time.monotonic()
    return _shared_seconds


def share(source: Callable[[], float] | None) -> None:
    """Follow an offset kept elsewhere (the database), re-read at most once a second; None stops following."""
    global _shared, _shared_read_at, _shared_seconds
    _shared, _shared_read_at, _shared_seconds = source, float("-inf"), 0.0


def wall() -> datetime:
    """Real time, unmoved: only for handing to timers (APScheduler) that must fire in real seconds."""
    return datetime.now(UTC)


def advance(delta: timedelta) -> None:
    """Move this process's clock forward (tests use it to cross idle and lockout windows)."""
    global _offset
    _offset += delta


def travel(to: datetime | None) -> None:
    """Put this process's clock at `to`, earlier or later, or back to real time with None. The demo's seed writes
    its days of history this way before any other process starts; core.timeshift moves every process, forward only."""
    global _offset
    _offset = timedelta(0) if to is None else to - datetime.now(UTC) - timedelta(seconds=_shared_offset())


def reset() -> None:
    """Put this process's clock back to real time and stop following a shared offset."""
    global _offset
    _offset = timedelta(0)
    share(None)
