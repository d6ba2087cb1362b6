"""One page of a long list, as the list pages show it: the rows, how many match, and where the page stands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: Sequence[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return pages(self.total, self.page_size)


def pages(total: int, page_size: int) -> int:
    """How many pages `total` rows fill (at least one, so an empty list still has a first page)."""
    return max(1, -(-total // page_size))


def clamp(total: int, page: int, page_size: int) -> tuple[int, int]:
    """(page, page_size) within range: a page past the end (the list shrank since it was asked for) is the last."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    return max(1, min(page, pages(total, page_size))), page_size
