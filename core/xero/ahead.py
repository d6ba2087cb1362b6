"""Read pages ahead on a worker thread, so Xero's answer time overlaps the hub's work on the page before."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")
_END = object()
_POLL_SECONDS = 0.1


class ReadAhead(Generic[T]):
    """Iterate `source` on a worker thread, at most `limit` items: a turn that stops after `limit` pages never
    spends a call on a page it will not apply. What the source raises is raised where its next item would be.

    Use it as a context manager: leaving the block stops the reader and waits for a call in flight to finish,
    so nothing uses the Xero client after it is closed."""

    def __init__(self, source: Iterator[T], *, limit: int) -> None:
        self._source, self._limit = source, limit
        self._items: queue.Queue[tuple[Any, BaseException | None]] = queue.Queue(maxsize=1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name="xero-read-ahead", daemon=True)

    def __enter__(self) -> ReadAhead[T]:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._stop.set()
        while self._thread.is_alive():
            with contextlib.suppress(queue.Empty):  # unblock a reader waiting to hand over a page nobody takes
                self._items.get(timeout=_POLL_SECONDS)
        self._thread.join()

    def __iter__(self) -> Iterator[T]:
        while True:
            item, problem = self._items.get()
            if problem is not None:
                raise problem
            if item is _END:
                return
            yield item

    def _read(self) -> None:
        try:
            for count, item in enumerate(self._source, start=1):
                if not self._hand_over(item) or count >= self._limit:
                    break
        except Exception as problem:  # noqa: BLE001 - raised again on the consumer's side, where it is handled
            self._hand_over(_END, problem)
            return
        self._hand_over(_END)

    def _hand_over(self, item: Any, problem: BaseException | None = None) -> bool:
        while not self._stop.is_set():
            try:
                self._items.put((item, problem), timeout=_POLL_SECONDS)
                return True
            except queue.Full:
                continue
        return False
