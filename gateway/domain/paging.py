"""Pages of a listing: the records shown and where the next page starts, fetched one row past the page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

T = TypeVar("T")
# What a store returns for one item: a row, or a record it already built.
R = TypeVar("R")
# How a listing pages: by keyset (the last id shown; stable while rows arrive) or by offset.
Paging = Literal["cursor", "offset"]


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; the next page's cursor or offset is None on the last page."""

    data: tuple[T, ...]
    paging: Paging
    # With cursor paging: the id to pass as `cursor` for the next, older page.
    next_cursor: str | None = None
    # With offset paging: the `offset` of the next page.
    next_offset: int | None = None


async def keyset_page(
    fetch: Callable[[int], Awaitable[Sequence[R]]],
    limit: int,
    build: Callable[[R], T],
    cursor_of: Callable[[R], str] = lambda row: row["id"],  # type: ignore[index]  # the default is for mapping rows
) -> Page[T]:
    """A page of a newest-first listing whose rows `fetch(n)` returns after the cursor (by default a row's id)."""
    # One row more than asked tells whether another page follows.
    rows = await fetch(limit + 1)
    shown = rows[:limit]
    next_cursor = cursor_of(shown[-1]) if len(rows) > limit else None
    return Page(tuple(build(row) for row in shown), "cursor", next_cursor=next_cursor)


async def offset_page(
    fetch: Callable[[int, int], Awaitable[Sequence[R]]], limit: int, offset: int, build: Callable[[R], T]
) -> Page[T]:
    """A page of a listing whose rows `fetch(n, offset)` returns."""
    rows = await fetch(limit + 1, offset)
    next_offset = offset + limit if len(rows) > limit else None
    return Page(tuple(build(row) for row in rows[:limit]), "offset", next_offset=next_offset)
