"""Who a reviewer is: one rule for every place the review area compares or counts reviewers by name.

Names compare without case (Unicode case folding): "Alice", "alice" and "ALICE" are one person to a
claim, a second opinion, the queue's figures and the pages. Names are stored as each request wrote
them (the audit log keeps what was sent); the figures show a reviewer by the spelling of their
first decision in the range.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def person_key(name: str) -> str:
    """What two names of one reviewer have in common."""
    return name.casefold()


def same_person(one: str | None, other: str | None) -> bool:
    """Whether two names name one reviewer (None names nobody, and is only the same as None)."""
    if one is None or other is None:
        return one is other
    return person_key(one) == person_key(other)


def count_by_person(decisions: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Decisions per reviewer, each shown as first written (the earliest decision's spelling), by name."""
    counts: dict[str, int] = {}
    shown: dict[str, str] = {}
    for decision in sorted(decisions, key=lambda d: d["created_at"]):
        key = person_key(decision["reviewer"])
        shown.setdefault(key, decision["reviewer"])
        counts[key] = counts.get(key, 0) + 1
    return dict(sorted((shown[key], count) for key, count in counts.items()))
