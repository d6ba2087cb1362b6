"""Fault switches: make the next N matching calls fail the ways Xero and networks fail."""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass

KINDS = ("status", "latency", "timeout", "drop")


@dataclass
class Fault:
    """One switch. kind: status (answer 429/500/503), latency (delay, then answer), timeout (do the work, answer
    only after `seconds` so the caller gives up with the outcome uncertain), drop (do the work, cut the reply)."""

    kind: str
    count: int = 1
    status: int = 503
    seconds: float = 0.0
    retry_after: int = 60
    tenant_id: str | None = None
    path: str | None = None
    method: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        if self.kind == "status" and self.status not in (429, 500, 503):
            raise ValueError("status faults answer 429, 500 or 503")
        if self.count < 1 or self.seconds < 0:
            raise ValueError("count must be at least 1 and seconds not negative")

    def matches(self, path: str, method: str, tenant_id: str | None) -> bool:
        return (
            (self.path is None or path.startswith(self.path))
            and (self.method is None or self.method.upper() == method)
            and (self.tenant_id is None or (tenant_id or "").lower() == self.tenant_id.lower())
        )


class Faults:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._armed: list[Fault] = []

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._armed.append(fault)

    def take(self, path: str, method: str, tenant_id: str | None) -> Fault | None:
        """The first armed fault matching this call, used up by one."""
        with self._lock:
            for fault in self._armed:
                if fault.matches(path, method, tenant_id):
                    fault.count -= 1
                    if fault.count == 0:
                        self._armed.remove(fault)
                    return fault
        return None

    def armed(self) -> list[dict[str, object]]:
        with self._lock:
            return [asdict(f) for f in self._armed]

    def clear(self) -> None:
        with self._lock:
            self._armed.clear()
