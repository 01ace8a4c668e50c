"""Pages of a listing: the records shown and where the next page starts, fetched one row past the page."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Generic, Literal, TypeVar

from gateway.domain.errors import InvalidQuery
from gateway.store.listing import Position

T = TypeVar("T")
# What a store returns for one item: a row, or a record it already built.
R = TypeVar("R")
# How a listing pages: by keyset (the last row shown; stable while rows arrive) or by offset.
Paging = Literal["cursor", "offset"]

# The one answer to a cursor no page gave out, for every cursor-paged listing (API and admin pages).
CURSOR_MESSAGE = "'cursor' must be the next_cursor of a previous page"
# A listing's cursor: base64url of the last row's time (microseconds since 1970, UTC), a space and its id,
# then a 4-byte check of them, so junk, a typo or a cut-off cursor is refused instead of paging from a
# wrong place (ids, imported ones included, may be any text, so the time goes first).
CURSOR_CHECK_BYTES = 4
# The check's personalisation. The id-only cursors given out before the listings ordered by time fail it,
# and are refused like any other cursor no page gave out: such a client starts again from the first page.
_CURSOR_PERSON = b"feedgate-time-id"
# Up to 20 digits of microseconds, a space and an id of at most 36 characters (4 bytes each in UTF-8),
# plus the check, in base64 (228 characters); with room to spare.
MAX_CURSOR_CHARS = 300
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MICROSECONDS = re.compile(rb"-?[0-9]{1,20}")


def invalid_cursor() -> InvalidQuery:
    """The refusal of a cursor that is not the next_cursor of a previous page."""
    return InvalidQuery("cursor", CURSOR_MESSAGE)


def _check(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=CURSOR_CHECK_BYTES, person=_CURSOR_PERSON).digest()


def position_cursor(created_at: datetime, row_id: str) -> str:
    """The cursor that stands for a row of a newest-first listing (the next page starts after that row)."""
    raw = b"%d %s" % ((created_at - _EPOCH) // _MICROSECOND, row_id.encode())
    return base64.urlsafe_b64encode(raw + _check(raw)).decode("ascii").rstrip("=")


def parse_position_cursor(cursor: str | None) -> Position | None:
    """The row a `position_cursor` stands for (None without a cursor); InvalidQuery for anything else."""
    if cursor is None:
        return None
    if not 0 < len(cursor) <= MAX_CURSOR_CHARS or not cursor.isascii():
        raise invalid_cursor()
    try:
        decoded = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
    except binascii.Error:
        raise invalid_cursor() from None
    raw, check = decoded[:-CURSOR_CHECK_BYTES], decoded[-CURSOR_CHECK_BYTES:]
    if not raw or _check(raw) != check:
        raise invalid_cursor()
    # A check that matched by chance may leave anything: each part is read as strictly as it was written.
    micros, _, row_id = raw.partition(b" ")
    if not _MICROSECONDS.fullmatch(micros):
        raise invalid_cursor()
    # The check is a typo guard, not a secret: a forged cursor passes it, so its id must be one a row
    # can hold (PostgreSQL keeps no NUL; it would fail there as a 500).
    if b"\x00" in row_id:
        raise invalid_cursor()
    try:
        return Position(_EPOCH + int(micros) * _MICROSECOND, row_id.decode())
    except (OverflowError, UnicodeDecodeError):
        raise invalid_cursor() from None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing; the next page's cursor or offset is None on the last page."""

    data: tuple[T, ...]
    paging: Paging
    # With cursor paging: what to pass as `cursor` for the next, older page (see position_cursor).
    next_cursor: str | None = None
    # With offset paging: the `offset` of the next page.
    next_offset: int | None = None


async def keyset_page(
    fetch: Callable[[int], Awaitable[Sequence[R]]],
    limit: int,
    build: Callable[[R], T],
    cursor_of: Callable[[R], str] = lambda row: position_cursor(row["created_at"], row["id"]),  # type: ignore[index]  # the default is for mapping rows
) -> Page[T]:
    """A page of a newest-first listing whose rows `fetch(n)` returns after the cursor (by default a row's position cursor).

    The caller reads the cursor it was given with the matching parser (`parse_position_cursor` for the default).
    """
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
