"""Reading pages ahead: never more than the turn's limit, errors where the page would be, a clean stop."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from core.xero.ahead import ReadAhead
from core.xero.outcomes import RetryAfter


class Pages:
    """A source that counts what it was asked for (each item is one call to Xero)."""

    def __init__(self, count: int, *, fail_at: int | None = None) -> None:
        self.count, self.fail_at, self.drawn = count, fail_at, 0
        self.threads: set[str] = set()

    def __iter__(self) -> Iterator[int]:
        for number in range(1, self.count + 1):
            self.threads.add(threading.current_thread().name)
            self.drawn += 1
            if number == self.fail_at:
                raise RetryAfter("Xero asked the hub to wait.", seconds=30, problem="MinuteLimit")
            yield number


@pytest.mark.parametrize(
    ("pages", "limit", "expected"),
    [
        pytest.param(3, 10, [1, 2, 3], id="a short source ends by itself"),
        pytest.param(25, 10, list(range(1, 11)), id="the limit stops the reader"),
        pytest.param(10, 10, list(range(1, 11)), id="exactly the limit"),
    ],
)
def test_every_page_in_order_and_never_past_the_limit(pages: int, limit: int, expected: list[int]) -> None:
    source = Pages(pages)
    with ReadAhead(iter(source), limit=limit) as ahead:
        got = list(ahead)
    assert got == expected
    assert source.drawn == len(expected)  # no call spent on a page the turn would not apply
    assert source.threads == {"xero-read-ahead"}


def test_a_problem_is_raised_where_its_page_would_be() -> None:
    got: list[int] = []
    with pytest.raises(RetryAfter), ReadAhead(iter(Pages(10, fail_at=3)), limit=10) as ahead:
        for page in ahead:
            got.append(page)
    assert got == [1, 2]


def test_leaving_early_stops_the_reader_and_waits_for_it() -> None:
    source = Pages(100)
    with ReadAhead(iter(source), limit=100) as ahead:
        for page in ahead:
            if page == 2:
                break
        reader = ahead._thread
    assert not reader.is_alive()
    assert source.drawn <= 4  # at most a page or two ahead of the one the consumer stopped at
