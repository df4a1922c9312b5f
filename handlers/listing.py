"""Pages of a long list, for screens: the public proposals, the staff table, the queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.export import Row

PAGE_SIZE = 25


class Paged:
    """The arithmetic of a page of ``total`` items, ``size`` to a page; ``number`` is 1 for the first."""

    total: int
    number: int
    size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


@dataclass(frozen=True)
class Page(Paged):
    rows: Sequence[Row]
    total: int
    number: int
    """1 for the first page."""
    size: int


def page_bounds(page: int, total: int, size: int = PAGE_SIZE) -> tuple[int, int, int]:
    """(page number, offset, size) for ``page`` of ``total`` rows; a page past the end is the last one."""
    last = max(1, -(-total // size))
    number = min(max(1, page), last)
    return number, (number - 1) * size, size
