"""Delays from answer to feedback, kept as a mergeable histogram so daily roll-ups can give medians.

A median cannot be added up across days, but a histogram can. Delays under an hour are kept to
the second (exact medians for what people look at: most feedback comes within minutes); longer
ones in buckets 1 % wide, so a median over them is within 0.5 %.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

# Below this many seconds, each bucket is one second wide.
EXACT_SECONDS = 3600
# Above it, each bucket is this much wider than the one before.
GROWTH = 1.01
_LOG_GROWTH = math.log(GROWTH)


def bucket_of(seconds: float) -> int:
    """The bucket a delay falls in (negative delays, clock skew, count as 0)."""
    if seconds < EXACT_SECONDS:
        return max(0, round(seconds))
    return EXACT_SECONDS + math.ceil(math.log(seconds / EXACT_SECONDS) / _LOG_GROWTH)


def value_of(bucket: int) -> float:
    """The delay a bucket stands for: its second, or the geometric middle of a wide bucket."""
    if bucket <= EXACT_SECONDS:
        return float(bucket)
    return EXACT_SECONDS * math.pow(GROWTH, bucket - EXACT_SECONDS - 0.5)


class DelayHistogram:
    """How many delays fell in each bucket; add delays, merge histograms, read the median.

    Buckets are kept by their JSON key (the bucket number as text), so a roll-up row's histogram
    is used as read, and merging the rows of a 90-day report stays a few plain dict updates.
    """

    __slots__ = ("_counts",)

    def __init__(self, counts: dict[str, int] | None = None) -> None:
        self._counts: dict[str, int] = counts if counts is not None else {}

    @classmethod
    def of(cls, delays: Iterable[float]) -> DelayHistogram:
        """A histogram of `delays` (seconds)."""
        histogram = cls()
        counts = histogram._counts
        for seconds in delays:
            key = str(bucket_of(seconds))
            counts[key] = counts.get(key, 0) + 1
        return histogram

    @classmethod
    def from_json(cls, stored: Mapping[str, int] | None) -> DelayHistogram:
        """A histogram as stored in a roll-up row."""
        return cls(dict(stored or {}))

    def to_json(self) -> dict[str, int]:
        """The histogram as a JSON object, for a roll-up row."""
        return dict(sorted(self._counts.items(), key=lambda item: int(item[0])))

    def merge(self, other: DelayHistogram) -> None:
        """Add `other`'s counts to this histogram."""
        counts = self._counts
        for key, count in other._counts.items():
            counts[key] = counts.get(key, 0) + count

    def __len__(self) -> int:
        return sum(self._counts.values())

    def median(self) -> float | None:
        """The median delay (the mean of the middle two for an even count); None when empty."""
        total = len(self)
        if not total:
            return None
        ordered = sorted((int(key), count) for key, count in self._counts.items())
        lower, upper = _nth(ordered, (total - 1) // 2), _nth(ordered, total // 2)
        return (value_of(lower) + value_of(upper)) / 2


def _nth(ordered: list[tuple[int, int]], index: int) -> int:
    """The bucket of the `index`-th smallest delay (0-based) in (bucket, count) pairs in bucket order."""
    seen = 0
    for bucket, count in ordered:
        seen += count
        if index < seen:
            return bucket
    raise IndexError(index)
