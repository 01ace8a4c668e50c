"""Splitting long lists for SQL: bound parameters per IN (...) and rows per multi-row insert."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

# Far below SQLite's 32,766 bound parameters and asyncpg's 32,767, even for rows of many columns.
CHUNK = 500


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """`values` in consecutive slices of at most `size`."""
    for start in range(0, len(values), size):
        yield values[start : start + size]
