"""Per-app indexes of recent end-user messages: loaded lazily, refreshed incrementally, embedded through the cache."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from gateway.discovery.items import last_user_message
from gateway.review.neighbours import RecentVectors
from gateway.store.recent_traffic import RecentTrafficStore

logger = logging.getLogger("feedgate.review")

# Turns texts into unit rows (the product's embedder behind the embedding cache; the model runs in a thread).
Embed = Callable[[Sequence[str]], Awaitable[np.ndarray]]
# A streamed answer's row is written when the stream ends but carries the time it started, so a
# refresh looks this far behind the newest row it knows; ids already indexed are not fetched again.
REFRESH_OVERLAP = timedelta(minutes=15)
# Requests are read and embedded this many at a time on a first load, so memory stays flat.
LOAD_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class NewTraffic:
    """Interactions a refresh added to an app's index (what the anomalous rule judges), with their vectors."""

    app: str
    ids: list[str]
    vectors: np.ndarray
    # The app's first load: everything is "new", and none of it is news.
    first_load: bool


@dataclass
class _AppIndex:
    vectors: RecentVectors | None = None
    newest: datetime | None = None
    refreshed_at: datetime | None = None
    # Interactions without a user message: not indexed, and not fetched again while they are in the overlap.
    skipped: set[str] = field(default_factory=set)


class TrafficIndex:
    """Each app's recent end-user messages (within `window`, the newest `cap`) as unit vectors, kept in memory."""

    def __init__(
        self,
        store: RecentTrafficStore,
        embed: Embed,
        *,
        window: timedelta,
        cap: int,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._embed = embed
        self.window = window
        self.cap = cap
        self._clock = clock
        self._apps: dict[str, _AppIndex] = {}

    def loaded_apps(self) -> list[str]:
        """Apps whose index is in memory."""
        return list(self._apps)

    def vectors(self, app: str) -> RecentVectors | None:
        """`app`'s index as loaded (None before its first load or while it holds nothing)."""
        state = self._apps.get(app)
        return state.vectors if state else None

    def adopt(self, app: str, vectors: RecentVectors, newest: datetime) -> None:
        """Use vectors built elsewhere as `app`'s loaded index, caught up to `newest` (benchmarks, warm starts)."""
        self._apps[app] = _AppIndex(vectors=vectors, newest=newest, refreshed_at=self._clock())

    def cutoff(self) -> float:
        """The window's start as epoch seconds: older interactions are not neighbours."""
        return (self._clock() - self.window).timestamp()

    def refreshed_at(self, app: str) -> datetime | None:
        """When `app`'s index last caught up with the store (None: never loaded)."""
        state = self._apps.get(app)
        return state.refreshed_at if state else None

    async def recent_count(self, app: str) -> int:
        """How many conversational interactions `app` had within the window (from the store)."""
        return await self._store.count(app, self._clock() - self.window)

    async def refresh(self, app: str) -> NewTraffic:
        """Load `app`'s index on first use, else add the interactions stored since the last refresh."""
        state = self._apps.setdefault(app, _AppIndex())
        first_load = state.refreshed_at is None
        now = self._clock()
        since = now - self.window
        if state.newest is not None:
            since = max(since, state.newest - REFRESH_OVERLAP)
        listed = await self._store.newest_ids(app, since, self.cap)
        known = state.vectors
        unseen = [(i, at) for i, at in listed if i not in state.skipped and (known is None or i not in known)]
        ids: list[str] = []
        parts: list[np.ndarray] = []
        for start in range(0, len(unseen), LOAD_BATCH):
            batch = unseen[start : start + LOAD_BATCH]
            added, vectors = await self._index_batch(state, batch)
            ids.extend(added)
            if len(added):
                parts.append(vectors)
        if listed:
            newest = max(at for _, at in listed)
            state.newest = newest if state.newest is None else max(state.newest, newest)
        if state.vectors is not None:
            state.vectors.expire((now - self.window).timestamp())
        if len(state.skipped) > self.cap:
            # Old skipped ids have left the overlap; forgetting them costs at most one re-read.
            state.skipped.clear()
        state.refreshed_at = now
        stacked = np.concatenate(parts) if parts else np.zeros((0, 0), dtype=np.float32)
        return NewTraffic(app, ids, stacked, first_load)

    async def _index_batch(self, state: _AppIndex, batch: list[tuple[str, datetime]]) -> tuple[list[str], np.ndarray]:
        requests = await self._store.requests([i for i, _ in batch])
        messages = await asyncio.to_thread(_messages, batch, requests)
        for interaction_id, _, text in messages:
            if not text:
                state.skipped.add(interaction_id)
        kept = [(i, at, text) for i, at, text in messages if text]
        if not kept:
            return [], np.zeros((0, 0), dtype=np.float32)
        vectors = await self._embed([text for _, _, text in kept])
        if state.vectors is None:
            state.vectors = RecentVectors(vectors.shape[1], self.cap)
        created = np.array([at.timestamp() for _, at, _ in kept], dtype=np.float64)
        state.vectors.add([i for i, _, _ in kept], created, vectors)
        return [i for i, _, _ in kept], vectors

    async def vector_for(self, app: str, interaction_id: str) -> np.ndarray | None:
        """The unit vector of an interaction's last user message: from the index, else read and embed (cached)."""
        indexed = self.vectors(app)
        found = indexed.vector_of(interaction_id) if indexed is not None else None
        if found is not None:
            return found
        row = await self._store.interaction(interaction_id)
        if row is None or row["app"] != app:
            return None
        text = last_user_message(row["request"])
        if not text:
            return None
        return await self.message_vector(text)

    async def message_vector(self, text: str) -> np.ndarray:
        """The unit vector of one text (through the cache)."""
        vector: np.ndarray = (await self._embed([text]))[0]
        return vector


def _messages(batch: list[tuple[str, datetime]], requests: dict[str, Any]) -> list[tuple[str, datetime, str]]:
    """(id, created_at, last user message) per interaction; parsing many requests is CPU work, done in a thread."""
    return [(i, at, last_user_message(requests.get(i)).strip()) for i, at in batch]
