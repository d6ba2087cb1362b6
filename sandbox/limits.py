"""Xero's rate limits: per organisation 5 in flight, 60 a minute, 5,000 a day; 10,000 a minute per app.

Windows are fixed, not rolling: each starts with the first call after the previous one ended, so every
organisation's windows reset at their own times (as Xero's do). Counters live in memory, keyed per app and
organisation, so they stay as small as the number of connections.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field

MINUTE_MS = 60_000
DAY_MS = 24 * 3600 * 1000


@dataclass
class Limits:
    concurrent: int = 5
    minute: int = 60
    day: int = 5000
    app_minute: int = 10_000

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        env = os.environ if env is None else env
        return cls(
            concurrent=int(env.get("SANDBOX_LIMIT_CONCURRENT", 5)),
            minute=int(env.get("SANDBOX_LIMIT_MINUTE", 60)),
            day=int(env.get("SANDBOX_LIMIT_DAY", 5000)),
            app_minute=int(env.get("SANDBOX_LIMIT_APP_MINUTE", 10_000)),
        )


@dataclass
class _Window:
    started_ms: int = -1
    used: int = 0

    def count(self, now_ms: int, length_ms: int) -> None:
        if self.started_ms < 0 or now_ms >= self.started_ms + length_ms:
            self.started_ms, self.used = now_ms, 0
        self.used += 1

    def remaining(self, now_ms: int, length_ms: int, limit: int) -> int:
        if self.started_ms < 0 or now_ms >= self.started_ms + length_ms:
            return limit
        return max(0, limit - self.used)

    def retry_after(self, now_ms: int, length_ms: int) -> int:
        return max(1, -(-(self.started_ms + length_ms - now_ms) // 1000))


@dataclass
class _Tenant:
    minute: _Window = field(default_factory=_Window)
    day: _Window = field(default_factory=_Window)
    in_flight: int = 0


@dataclass(frozen=True)
class Verdict:
    """Either admitted (problem None) or refused with Xero's 429 details; headers go on the response either way."""

    headers: dict[str, str]
    problem: str | None = None
    retry_after: int | None = None


class RateLimiter:
    def __init__(self, limits: Limits, now_ms: Callable[[], int]) -> None:
        self.limits = limits
        self._now = now_ms
        self._lock = threading.Lock()
        self._tenants: dict[tuple[str, str], _Tenant] = {}
        self._apps: dict[str, _Window] = {}

    def _headers(self, tenant: _Tenant, app: _Window, now: int) -> dict[str, str]:
        return {
            "X-DayLimit-Remaining": str(tenant.day.remaining(now, DAY_MS, self.limits.day)),
            "X-MinLimit-Remaining": str(tenant.minute.remaining(now, MINUTE_MS, self.limits.minute)),
            "X-AppMinLimit-Remaining": str(app.remaining(now, MINUTE_MS, self.limits.app_minute)),
        }

    def acquire(self, client_id: str, tenant_id: str) -> Verdict:
        """Count one call, or refuse it; a refused call does not count. Admitted calls must be released."""
        with self._lock:
            now = self._now()
            tenant = self._tenants.setdefault((client_id, tenant_id), _Tenant())
            app = self._apps.setdefault(client_id, _Window())
            checks = (
                ("day", tenant.day, DAY_MS, self.limits.day),
                ("minute", tenant.minute, MINUTE_MS, self.limits.minute),
                ("appminute", app, MINUTE_MS, self.limits.app_minute),
            )
            for problem, window, length, limit in checks:
                if window.remaining(now, length, limit) == 0:
                    return Verdict(self._headers(tenant, app, now), problem, window.retry_after(now, length))
            if tenant.in_flight >= self.limits.concurrent:
                return Verdict(self._headers(tenant, app, now), "concurrent", 1)
            tenant.in_flight += 1
            tenant.minute.count(now, MINUTE_MS)
            tenant.day.count(now, DAY_MS)
            app.count(now, MINUTE_MS)
            return Verdict(self._headers(tenant, app, now))

    def release(self, client_id: str, tenant_id: str) -> None:
        with self._lock:
            tenant = self._tenants.get((client_id, tenant_id))
            if tenant is not None and tenant.in_flight > 0:
                tenant.in_flight -= 1

    def configure(self, **values: int) -> Limits:
        """Change the limits (tests shrink them); counters restart."""
        with self._lock:
            for name, value in values.items():
                if not hasattr(self.limits, name) or int(value) < 1:
                    raise ValueError(f"{name} is not a limit, or is below 1")
                setattr(self.limits, name, int(value))
            self._tenants.clear()
            self._apps.clear()
            return self.limits

    def snapshot(self) -> dict[str, object]:
        return asdict(self.limits)
