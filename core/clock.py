"""The hub's clock: every rule that depends on time reads it here, never datetime.now() directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    """The current time in UTC, moved by any offset a test or the demo has applied."""
    return datetime.now(UTC) + _offset


def wall() -> datetime:
    """Real time, unmoved: only for handing to timers (APScheduler) that must fire in real seconds."""
    return datetime.now(UTC)


def advance(delta: timedelta) -> None:
    """Move this process's clock forward (tests use it to cross idle and lockout windows)."""
    global _offset
    _offset += delta


def reset() -> None:
    """Put this process's clock back to real time."""
    global _offset
    _offset = timedelta(0)
