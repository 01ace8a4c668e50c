"""Seeded "small app" draws from banking77: a few hundred complaints over 10-30 issues of long-tailed sizes (and tiny apps).

A small app's negative feedback is not a stratified sample: one or two problems account for
most complaints and many others are reported a handful of times. Each draw picks a total
size n in [300, 1000] and k in [10, 30] intents, then sizes the intents by a Zipf-like law
(size of rank r proportional to r^-exponent, exponent in [0.8, 1.2]) with a floor of 5 items,
so a draw has a few big groups, many small ones, and some of exactly 5. Queries come from
banking77's train and test files pooled (each intent has ~150-190), so the biggest group
can be as large as the data allows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SMALLEST_GROUP = 5


@dataclass(frozen=True, slots=True)
class Draw:
    """One small app: row indices into the pooled banking77 texts, and their intents."""

    seed: int
    rows: np.ndarray
    truth: list[str]

    @property
    def groups(self) -> int:
        """How many true issues the draw holds."""
        return len(set(self.truth))


def long_tailed_sizes(total: int, groups: int, exponent: float, capacity: Sequence[int]) -> list[int]:
    """Group sizes summing to about `total`, ranked by r^-exponent, each at least 5 and at most its capacity."""
    weights = np.arange(1, groups + 1, dtype=float) ** -exponent
    spare = total - SMALLEST_GROUP * groups
    sizes = SMALLEST_GROUP + np.floor(max(spare, 0) * weights / weights.sum()).astype(int)
    return [int(min(size, room)) for size, room in zip(sizes, capacity, strict=True)]


def draw_small_app(intents: Sequence[str], seed: int) -> Draw:
    """One seeded draw: n in [300, 1000], k in [10, 30], long-tailed sizes (see module docstring)."""
    rng = np.random.default_rng(seed)
    by_intent: dict[str, np.ndarray] = {}
    for row, intent in enumerate(intents):
        by_intent.setdefault(intent, []).append(row)  # type: ignore[arg-type]
    total = int(rng.integers(300, 1001))
    groups = int(rng.integers(10, 31))
    exponent = float(rng.uniform(0.8, 1.2))
    chosen = rng.choice(sorted(by_intent), size=groups, replace=False)
    pools = [np.asarray(by_intent[name]) for name in chosen]
    sizes = long_tailed_sizes(total, groups, exponent, [len(pool) for pool in pools])
    rows = np.concatenate([rng.choice(pool, size=size, replace=False) for pool, size in zip(pools, sizes, strict=True)])
    rows = rng.permutation(rows)
    return Draw(seed=seed, rows=rows, truth=[intents[row] for row in rows])


# Tiny apps: a new app's first complaints. Fewer than 3 complaints about one thing are not yet an
# issue anyone could find (the pass's smallest cluster is 3), so each drawn group has at least 3.
TINY_SMALLEST_GROUP = 3


def draw_tiny_app(intents: Sequence[str], seed: int) -> Draw:
    """One seeded tiny app: n in [15, 50] over k in [1, 6] intents, long-tailed sizes of at least 3."""
    rng = np.random.default_rng(seed)
    by_intent: dict[str, list[int]] = {}
    for row, intent in enumerate(intents):
        by_intent.setdefault(intent, []).append(row)
    total = int(rng.integers(15, 51))
    groups = min(int(rng.integers(1, 7)), total // TINY_SMALLEST_GROUP)
    exponent = float(rng.uniform(0.8, 1.2))
    chosen = rng.choice(sorted(by_intent), size=groups, replace=False)
    weights = np.arange(1, groups + 1, dtype=float) ** -exponent
    spare = total - TINY_SMALLEST_GROUP * groups
    sizes = TINY_SMALLEST_GROUP + np.floor(spare * weights / weights.sum()).astype(int)
    rows = np.concatenate(
        [rng.choice(by_intent[name], size=int(size), replace=False) for name, size in zip(chosen, sizes, strict=True)]
    )
    rows = rng.permutation(rows)
    return Draw(seed=seed, rows=rows, truth=[intents[row] for row in rows])
