"""Building an app's retrieval snapshot from its active entries (in the background, never on a request)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import numpy as np

from gateway.knowledge.index import IndexedEntry, KnowledgeIndex, build_index, index_texts
from gateway.store.knowledge import KnowledgeStore

# Texts to unit vectors; the model runs in a worker thread (e.g. through the database's embedding cache).
EmbedTexts = Callable[[Sequence[str]], Awaitable[np.ndarray]]


class SnapshotLoader:
    """Loads one app's index: its active entries, embedded (cached vectors reused), or None when it has none."""

    def __init__(self, store: KnowledgeStore, embed: EmbedTexts) -> None:
        self._store = store
        self._embed = embed

    async def __call__(self, app: str) -> KnowledgeIndex | None:
        """`app`'s index, or None when it has no active entry (so the proxy does not claim its calls)."""
        rows = await self._store.active_entries(app)
        if not rows:
            return None
        entries = [
            IndexedEntry(row["id"], row["version"], row["title"], row["content"], tuple(row["example_questions"] or ()))
            for row in rows
        ]
        vectors = await self._embed(index_texts(entries))
        # Tokenising a thousand entries for lexical matching takes milliseconds: off the loop too.
        return await asyncio.to_thread(build_index, entries, vectors)
