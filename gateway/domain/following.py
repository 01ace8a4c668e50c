"""Following a listing in the order rows were stored: the `stored_after` tokens and their pages.

A token stands for a number of gateway.store.stored_order: the next read lists the rows stored after
it. It is base64url of the number and a 4-byte check personalised by listing, so a typo, a cut-off
token or another listing's token (a `next_cursor`, `/api/feedback`'s) is refused, not read from 0.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from gateway.domain.errors import InvalidQuery

T = TypeVar("T")
R = TypeVar("R")

# Where a follower begins: every row stored so far, or only the rows stored from now on.
START = "start"
NOW = "now"
_CHECK_BYTES = 4
_NUMBER = re.compile(rb"[0-9]{1,19}")
_MAX_TOKEN_CHARS = 40
_PERSON = b"feedgate-stored"


@dataclass(frozen=True, slots=True)
class FollowPage(Generic[T]):
    """Rows stored after a token, oldest stored first, and the token that reads on from them."""

    data: tuple[T, ...]
    next_stored_after: str


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """The tokens of one followed listing (named by `listing`, as its path says it: "/api/interactions")."""

    listing: str

    def token(self, number: int) -> str:
        """The token to pass as `stored_after` to read the rows numbered after `number`."""
        raw = str(number).encode()
        return base64.urlsafe_b64encode(raw + self._check(raw)).decode("ascii").rstrip("=")

    def number(self, token: str) -> int | None:
        """The number a token stands for; None for START (0) or NOW (the caller reads its horizon)."""
        if token == START:
            return 0
        if token == NOW:
            return None
        if not 0 < len(token) <= _MAX_TOKEN_CHARS or not token.isascii():
            raise self.refusal()
        try:
            decoded = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        except binascii.Error:
            raise self.refusal() from None
        raw, check = decoded[:-_CHECK_BYTES], decoded[-_CHECK_BYTES:]
        if not _NUMBER.fullmatch(raw) or self._check(raw) != check:
            raise self.refusal()
        return int(raw)

    def refusal(self) -> InvalidQuery:
        """The answer to a token this listing did not give out."""
        return InvalidQuery(
            "stored_after",
            f"'stored_after' must be '{START}', '{NOW}' or the next_stored_after of a previous {self.listing} answer",
        )

    def _check(self, raw: bytes) -> bytes:
        return hashlib.blake2b(raw, digest_size=_CHECK_BYTES, key=self.listing.encode(), person=_PERSON).digest()


def refuse_filters(reads: str, given: Mapping[str, Any]) -> None:
    """InvalidQuery naming the filters in `given` that are set: a follow reads only `reads` ("app, model and limit")."""
    extra = [name for name, value in given.items() if value is not None]
    if extra:
        raise InvalidQuery("stored_after", f"'stored_after' reads {reads} only: leave out {', '.join(extra)}")


async def follow_page(
    order: StoredOrder,
    token: str,
    horizon: Callable[[], Awaitable[int]],
    read: Callable[[int], Awaitable[tuple[Sequence[R], int]]],
    build: Callable[[R], T],
) -> FollowPage[T]:
    """The page after `token` (InvalidQuery for one `order` did not give): `read(after)` returns the rows and the
    number the next read starts after; "now" starts at `horizon()`."""
    after = order.number(token)
    if after is None:
        after = await horizon()
    rows, upto = await read(after)
    return FollowPage(tuple(build(row) for row in rows), order.token(upto))
