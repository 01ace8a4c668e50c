"""The listings' cursor: a row's (created_at, id), checked, and refused as a 400 for anything a page did not give out."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta, timezone

import pytest

from gateway.domain.errors import InvalidQuery
from gateway.domain.paging import CURSOR_MESSAGE, MAX_CURSOR_CHARS, parse_position_cursor, position_cursor
from gateway.store.listing import Position


def checked(raw: bytes) -> str:
    """A cursor of any content that passes the check, as a page's would."""
    check = hashlib.blake2b(raw, digest_size=4, person=b"feedgate-time-id").digest()
    return base64.urlsafe_b64encode(raw + check).decode("ascii").rstrip("=")


@pytest.mark.parametrize(
    "position",
    [
        Position(datetime(2026, 11, 1, 10, 0, 0, 123456, tzinfo=UTC), "0192f5e0-7a1c-7d3e-8a4b-1c2d3e4f5a6b"),
        # Imported ids: any text up to 36 characters, the longest UTF-8 there is; times long past too.
        Position(datetime(1969, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), "\U0001f600" * 36),
        Position(datetime(1, 1, 1, tzinfo=UTC), "conv 17: a space"),
        Position(datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC), ""),
    ],
)
def test_a_cursor_stands_for_its_row_and_fits_the_bound(position):
    cursor = position_cursor(*position)

    assert parse_position_cursor(cursor) == position
    assert len(cursor) <= MAX_CURSOR_CHARS


def test_a_cursor_means_the_same_instant_in_any_timezone():
    at = datetime(2026, 11, 1, 12, 0, tzinfo=timezone(timedelta(hours=2)))

    assert parse_position_cursor(position_cursor(at, "a")) == Position(datetime(2026, 11, 1, 10, 0, tzinfo=UTC), "a")


@pytest.mark.parametrize(
    "raw",
    [
        b"conv-17",  # no time
        b"17x conv-17",  # not a number
        b"+17 conv-17",
        b" conv-17",
        b"999999999999999999 conv-17",  # past year 9999
        b"1700000000000000 \xff\xfe",  # not UTF-8
        b"1795168800000000 conv\x00x",  # a NUL: no row holds one (PostgreSQL refused it with a 500)
    ],
)
def test_a_checked_cursor_that_is_no_position_is_refused(raw):
    with pytest.raises(InvalidQuery) as refused:
        parse_position_cursor(checked(raw))

    assert (refused.value.field, refused.value.message) == ("cursor", CURSOR_MESSAGE)
