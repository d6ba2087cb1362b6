"""Thread pools of their own for the routes whose blocking work must not starve, or be starved by, anything else.

Starlette runs blocking work on one shared pool. Password checks (argon2: tens of milliseconds of CPU and 64 MiB
each) would fill it during a burst of sign-ins, and Xero's webhook, which must answer within five seconds, would wait
behind them. Each lane here has its own threads and a bounded queue: when the queue is full the route answers at
once (429 for sign-in, 503 for the webhook, which Xero retries) instead of piling up work.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class LaneFull(Exception):
    """Every thread of the lane is busy and its queue is full: answer now rather than wait."""


class Lane:
    def __init__(self, name: str, *, threads: int, queue: int) -> None:
        self.name = name
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix=f"lane-{name}")
        self._places = threading.BoundedSemaphore(threads + queue)

    async def run(self, work: Callable[[], T]) -> T:
        """Run blocking work on the lane's threads; LaneFull if it has no place left.

        If the caller stops waiting (a deadline), the work finishes on its thread but its answer is dropped."""
        if not self._places.acquire(blocking=False):
            raise LaneFull(self.name)
        try:
            running = self._pool.submit(work)
        except BaseException:
            self._places.release()
            raise
        running.add_done_callback(lambda _: self._places.release())  # when the thread is done, not the waiter
        return await asyncio.wrap_future(running)


# Two threads: a password check is CPU-bound, and the machine's other cores serve pages and the webhook meanwhile.
SIGN_IN = Lane("sign-in", threads=2, queue=16)
WEBHOOK = Lane("webhook", threads=4, queue=64)
