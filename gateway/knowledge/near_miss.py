"""Whether a knowledge search's closest entry, below the threshold, was near it or far from it.

Near is the search's own notion: within `knowledge_margin` below the threshold, the margin a search keeps near-ties
within (DEFAULT_NEAR, the margin's default, when it is off). A note calling an entry scoring 0.10 "the closest" and
offering to revise it read as if the entry nearly answered "close my account": a far one is said to be far.
"""

from __future__ import annotations

# How far below the threshold is near when the search's margin is off: the margin's default (config_fixes).
DEFAULT_NEAR = 0.05


def closest_is_near(score: float, threshold: float, margin: float | None) -> bool:
    """Whether a closest entry scoring `score` under `threshold` lies within the search's `margin` below it."""
    return score >= threshold - (DEFAULT_NEAR if margin is None else margin)
