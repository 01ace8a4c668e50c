"""Following a listing in the order rows were stored: the `stored_after` tokens and their pages.

A token stands for a number of gateway.store.stored_order (one per table, for a listing that follows
several: the export reads feedback events and review decisions): the next read lists the rows stored
after it. It is base64url of the numbers and a 4-byte check personalised by listing, so a typo, a
cut-off token or another listing's token (a `next_cursor`, `/api/feedback`'s) is refused, not read from 0.
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
_NUMBER = rb"[0-9]{1,19}"
# The longest token of one number (19 digits and the check: 32 characters), with room to spare.
_MAX_TOKEN_CHARS = 40
_PERSON = b"feedgate-stored"


@dataclass(frozen=True, slots=True)
class FollowPage(Generic[T]):
    """Rows stored after a token, oldest stored first, and the token that reads on from them."""

    data: tuple[T, ...]
    next_stored_after: str


@dataclass(frozen=True, slots=True)
class StoredOrder:
    """The tokens of one followed listing (named by `listing`, as its path says it: "/api/interactions"), each of
    `places` numbers (one per table it follows)."""

    listing: str
    places: int = 1
    # What gives the tokens out, as a refused token's message says it (default: the listing's next_stored_after).
    given_by: str = ""

    def token(self, *numbers: int) -> str:
        """The token to pass as `stored_after` to read the rows numbered after `numbers` (one per place)."""
        assert len(numbers) == self.places
        raw = b".".join(str(number).encode() for number in numbers)
        return base64.urlsafe_b64encode(raw + self._check(raw)).decode("ascii").rstrip("=")

    def number(self, token: str) -> int | None:
        """The number a token of one place stands for; None for START (0) or NOW (the caller reads its horizon)."""
        numbers = self.numbers(token)
        return None if numbers is None else numbers[0]

    def numbers(self, token: str, name: str = "'stored_after'") -> tuple[int, ...] | None:
        """The numbers a token stands for; None for NOW (the caller reads its horizons); InvalidQuery, the parameter
        called `name`, for a token this listing did not give out."""
        if token == START:
            return (0,) * self.places
        if token == NOW:
            return None
        if not 0 < len(token) <= _MAX_TOKEN_CHARS * self.places or not token.isascii():
            raise self.refusal(name)
        try:
            decoded = base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True)
        except binascii.Error:
            raise self.refusal(name) from None
        raw, check = decoded[:-_CHECK_BYTES], decoded[-_CHECK_BYTES:]
        if not re.fullmatch(rb"\.".join([_NUMBER] * self.places), raw) or self._check(raw) != check:
            raise self.refusal(name)
        return tuple(int(number) for number in raw.split(b"."))

    def refusal(self, name: str = "'stored_after'") -> InvalidQuery:
        """The answer to a token this listing did not give out, as the parameter called `name`."""
        given_by = self.given_by or f"the next_stored_after of a previous {self.listing} answer"
        return InvalidQuery("stored_after", f"{name} must be '{START}', '{NOW}' or {given_by}")

    def _check(self, raw: bytes) -> bytes:
        return hashlib.blake2b(raw, digest_size=_CHECK_BYTES, key=self.listing.encode(), person=_PERSON).digest()


def refuse_filters(reads: str, given: Mapping[str, Any], name: str = "'stored_after'") -> None:
    """InvalidQuery naming the filters in `given` that are set: a follow (its parameter called `name`) reads only
    `reads` ("app, model and limit")."""
    extra = [field for field, value in given.items() if value is not None]
    if extra:
        raise InvalidQuery("stored_after", f"{name} reads {reads} only: leave out {', '.join(extra)}")


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
