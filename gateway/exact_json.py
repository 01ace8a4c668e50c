"""JSON that keeps every number as it was sent: orjson's speed, the standard library's big integers.

orjson parses an integer beyond 64 bits (a `seed`, an order number) as a float, quietly changing
it, and refuses to write one. The standard library keeps such integers exactly but parses several
times slower. So orjson does the work, and the standard library steps in only where orjson would
change the value: reading bytes that hold a run of 19 or more digits (the shortest integer orjson
loses is -2**63 - 1, 19 digits), writing a value that holds an integer orjson refuses.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import orjson

# The integers orjson reads and writes as integers: int64 and uint64.
_SMALLEST_INT = -(2**63)
_LARGEST_INT = 2**64 - 1
# Every integer orjson reads as a float is at least this far from zero (int64 goes down to -2**63).
_WIDE_FLOAT = float(2**63)
# How orjson writes the exponent of every float from 1e16 up (9.223372036854776e+18).
_POSITIVE_EXPONENT = b"e+"
# Every ASCII digit mapped to b"0" and every other byte to b".": a run of digits becomes a run of
# zeros, which a plain substring search finds (a regular expression for [0-9]{19} took ~10 times
# as long).
_DIGITS_AS_ZEROS = bytes(0x30 if 0x30 <= byte <= 0x39 else 0x2E for byte in range(256))
_WIDE_INT_DIGITS = 19
_DIGIT_RUN = b"0" * _WIDE_INT_DIGITS


def may_hold_wide_int(data: bytes | str) -> bool:
    """Whether JSON `data` may hold an integer beyond 64 bits: it has a run of 19 or more digits."""
    if len(data) < _WIDE_INT_DIGITS:
        return False
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else data
    return _DIGIT_RUN in raw.translate(_DIGITS_AS_ZEROS)


def loads_exact(data: bytes | str) -> Any:
    """`data` parsed as orjson parses it, but with integers beyond 64 bits kept exactly.

    Accepts and refuses what orjson does (raising orjson.JSONDecodeError).
    """
    value = orjson.loads(data)
    return exactly_parsed(value, data)


def exactly_parsed(parsed: Any, data: bytes | str | None) -> Any:
    """`parsed` (orjson's reading of `data`), read again exactly when `data` may hold an integer orjson changed."""
    if parsed is None or data is None or not may_hold_wide_int(data):
        return parsed
    try:
        return json.loads(data)
    except (ValueError, RecursionError):
        # Only for what orjson reads and the standard library cannot (nesting past Python's
        # recursion limit): orjson's reading is the best there is.
        return parsed


def may_have_lost_wide_int(parsed: Any, written: bytes | None = None) -> bool:
    """Whether orjson's reading `parsed` may hold an integer beyond 64 bits that it turned into a float.

    Such an integer becomes a float of magnitude 2**63 or more; a float written that large in the
    JSON looks the same and is read again unchanged. For a caller that parsed bytes with orjson,
    dropped what it needs no more (log-probabilities) and writes the rest back: `written`, orjson's
    writing of `parsed`, is checked first (such a float is written with an exponent, ``e+``), so the
    usual answer costs a substring search, not a walk.
    """
    if written is not None and _POSITIVE_EXPONENT not in written:
        return False
    if isinstance(parsed, float):
        return not -_WIDE_FLOAT < parsed < _WIDE_FLOAT
    if isinstance(parsed, dict):
        return any(may_have_lost_wide_int(item) for item in parsed.values())
    if isinstance(parsed, list):
        return any(may_have_lost_wide_int(item) for item in parsed)
    return False


# orjson reads JSON nested up to 1,024 levels deep, but writes at most this many levels of objects and arrays.
MAX_WRITTEN_DEPTH = 254
_ORJSON_TOO_DEEP = "Recursion limit reached"


class NestedTooDeep(TypeError):
    """A value nested deeper than MAX_WRITTEN_DEPTH levels, which orjson will not write."""

    def __init__(self) -> None:
        super().__init__(f"nested deeper than {MAX_WRITTEN_DEPTH} levels of objects and arrays")


def dumps_exact(value: Any, *, default: Callable[[Any], Any] | None = None, sort_keys: bool = False) -> bytes:
    """`value` as orjson writes it (UTF-8, compact), integers beyond 64 bits included.

    Raises TypeError (orjson.JSONEncodeError) for anything else orjson refuses to write: NestedTooDeep
    for a value nested past MAX_WRITTEN_DEPTH levels.
    """
    try:
        return orjson.dumps(value, default=default, option=orjson.OPT_SORT_KEYS if sort_keys else None)
    except TypeError as refused:
        if str(refused) == _ORJSON_TOO_DEEP:
            # Not retried by the standard library: past Python's recursion limit it raised RecursionError.
            raise NestedTooDeep() from None
        if not _holds_wide_int(value):
            raise
        try:
            text = json.dumps(
                _finite(value),
                ensure_ascii=False,
                separators=(",", ":"),
                sort_keys=sort_keys,
                default=lambda item: orjson.loads(orjson.dumps(item, default=default)),
            )
            return text.encode("utf-8")
        except (TypeError, ValueError):
            # Something else orjson refuses, beside the integer (e.g. a lone surrogate): its error.
            raise refused from None


def _holds_wide_int(value: Any) -> bool:
    """Whether `value` holds an integer beyond 64 bits, which orjson refuses to write."""
    if isinstance(value, int):
        return not isinstance(value, bool) and not _SMALLEST_INT <= value <= _LARGEST_INT
    if isinstance(value, dict):
        return any(_holds_wide_int(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_wide_int(item) for item in value)
    return False


def _finite(value: Any) -> Any:
    """`value` with NaN and infinities as None: orjson writes them as null, the standard library as invalid JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    return value
