"""Neighbours that are still stored: the traffic index is in memory, the store decides what still exists.

Each process's index keeps the vectors of the interactions it took in until they leave the window; a prune or an
erasure since then removed some from the store. Before a rule counts or names an indexed interaction, it asks the
store which are still there (one primary-key read), forgets the others in the index, and looks again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from gateway.review.neighbours import RecentVectors

# Which of these interactions are still stored (the store's query, or a fake).
StoredLookup = Callable[[Sequence[str]], Awaitable[set[str]]]
Found = TypeVar("Found")


async def forget_removed(vectors: RecentVectors, ids: Sequence[str], stored_among: StoredLookup) -> set[str]:
    """Forget in `vectors` those of `ids` no longer stored (pruned or erased since indexed); returns them."""
    # Ids already forgotten are not asked about again: a look that still returns one cannot keep a loop going.
    indexed = [i for i in dict.fromkeys(ids) if i in vectors]
    if not indexed:
        return set()
    gone = set(indexed) - await stored_among(indexed)
    if gone:
        vectors.forget(sorted(gone))
    return gone


async def look_among_stored(
    vectors: RecentVectors,
    stored_among: StoredLookup,
    look: Callable[[], Found],
    named: Callable[[Found], Sequence[str]],
) -> Found:
    """What `look` finds (run in a worker thread) once none of the interactions it `named` was removed from the store.

    Each round that finds removed ones forgets them and looks again; each forgets at least one, so this ends. Usually
    the first look holds none: one read, no second round.
    """
    found = await asyncio.to_thread(look)
    while await forget_removed(vectors, named(found), stored_among):
        found = await asyncio.to_thread(look)
    return found
