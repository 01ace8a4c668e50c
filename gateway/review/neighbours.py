"""One app's recent end-user messages as unit vectors, and nearest-neighbour queries over them (pure numpy)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Physical room beyond the cap, so dropping the oldest rows copies the matrix once per
# cap/4 new rows rather than on every refresh (a 100k x 384 copy is ~150 MB).
SLACK = 0.25


@dataclass(frozen=True, slots=True)
class Neighbour:
    """An indexed interaction close to a query, with its cosine similarity to it."""

    interaction_id: str
    similarity: float


class RecentVectors:
    """Unit vectors of one app's recent interactions, oldest first, at most `cap` of them live.

    Rows are appended in arrival order; the live rows are `[start, end)`. Old rows leave by moving
    `start` (the window or the cap) and are only reclaimed when the matrix must grow. Not thread
    safe for writes: one owner mutates it, queries may run in a worker thread between mutations.
    """

    def __init__(self, dims: int, cap: int) -> None:
        self.dims = dims
        self.cap = cap
        self._vectors = np.zeros((0, dims), dtype=np.float32)
        self._created = np.zeros(0, dtype=np.float64)
        self._ids: list[str] = []
        self._rows: dict[str, int] = {}
        self._start = 0
        self._end = 0

    def __len__(self) -> int:
        return self._end - self._start

    def __contains__(self, interaction_id: object) -> bool:
        row = self._rows.get(interaction_id) if isinstance(interaction_id, str) else None
        return row is not None and row >= self._start

    def vector_of(self, interaction_id: str) -> np.ndarray | None:
        """The stored vector of a live interaction, or None."""
        row = self._rows.get(interaction_id)
        if row is None or row < self._start:
            return None
        vector: np.ndarray = self._vectors[row]
        return vector

    def add(self, ids: Sequence[str], created: np.ndarray, vectors: np.ndarray) -> None:
        """Append interactions (ids, creation times in epoch seconds, unit vectors); ids already live are skipped."""
        keep = [i for i, interaction_id in enumerate(ids) if interaction_id not in self]
        if not keep:
            return
        ids = [ids[i] for i in keep]
        created = np.asarray(created, dtype=np.float64)[keep]
        vectors = np.asarray(vectors, dtype=np.float32)[keep]
        if self._end + len(ids) > len(self._vectors):
            self._make_room(len(ids))
        end = self._end + len(ids)
        self._vectors[self._end : end] = vectors
        self._created[self._end : end] = created
        for offset, interaction_id in enumerate(ids):
            self._ids.append(interaction_id)
            self._rows[interaction_id] = self._end + offset
        self._end = end
        # The cap keeps the newest rows.
        self._start = max(self._start, self._end - self.cap)

    def expire(self, cutoff: float) -> None:
        """Drop rows created before `cutoff` (epoch seconds) from the front of the live range."""
        created = self._created[self._start : self._end]
        # Rows arrive nearly in time order; a straggler older than its predecessors is masked at query time.
        self._start += int(np.searchsorted(np.maximum.accumulate(created), cutoff, side="left")) if len(created) else 0

    def forget(self, ids: Sequence[str]) -> None:
        """Leave `ids` out of every later query (interactions pruned or erased since they were added)."""
        for interaction_id in ids:
            row = self._rows.pop(interaction_id, None)
            if row is not None and row >= self._start:
                # No time is before -inf: `similarities` and `nearest_others` mask the row; `expire` passes over it.
                self._created[row] = -np.inf

    def remembered(self) -> np.ndarray:
        """Positions of the live rows not forgotten (0 = oldest live)."""
        return np.flatnonzero(self._created[self._start : self._end] != -np.inf)

    def _make_room(self, incoming: int) -> None:
        live = len(self)
        capacity = max(live + incoming, int(min(self.cap, live + incoming) * (1 + SLACK)), 64)
        vectors = np.zeros((capacity, self.dims), dtype=np.float32)
        created = np.zeros(capacity, dtype=np.float64)
        vectors[:live] = self._vectors[self._start : self._end]
        created[:live] = self._created[self._start : self._end]
        self._ids = self._ids[self._start : self._end]
        # Forgotten rows keep their place until they leave the front, but are no longer found by id.
        self._rows = {i: row for row, i in enumerate(self._ids) if created[row] != -np.inf}
        self._vectors, self._created = vectors, created
        self._start, self._end = 0, live

    def similarities(self, query: np.ndarray, cutoff: float | None = None) -> np.ndarray:
        """Cosine similarity of `query` to every live row (rows older than `cutoff` get -inf)."""
        sims = self._vectors[self._start : self._end] @ np.asarray(query, dtype=np.float32)
        created = self._created[self._start : self._end]
        sims[created < cutoff if cutoff is not None else created == -np.inf] = -np.inf
        return sims

    def nearest(
        self, query: np.ndarray, k: int, exclude: str | None = None, cutoff: float | None = None
    ) -> list[Neighbour]:
        """The `k` live rows most like `query`, most similar first; never `exclude`, nor rows older than `cutoff`.

        Rows as similar as each other (the same message asked again) are ranked newest first, then by id: which of
        them make the `k` never depends on the order the rows were added in (a first load adds the newest first, a
        refresh the oldest first), so the same traffic always gives the same neighbours and the same verdict.
        """
        sims = self.similarities(query, cutoff)
        excluded = self._rows.get(exclude) if exclude is not None else None
        if excluded is not None and excluded >= self._start:
            sims[excluded - self._start] = -np.inf
        available = int(np.isfinite(sims).sum())
        k = min(k, available)
        if k <= 0:
            return []
        # partition is O(n): the k-th best similarity; every row at least that similar (ties included) is ranked.
        kth = np.partition(-sims, k - 1)[k - 1]
        candidates = np.flatnonzero(-sims <= kth)
        created = self._created[self._start : self._end][candidates]
        ids = np.array([self._ids[self._start + int(i)] for i in candidates])
        # lexsort's last key sorts first: similarity, then the newest, then the id.
        top = candidates[np.lexsort((ids, -created, -sims[candidates]))[:k]]
        return [Neighbour(self._ids[self._start + int(i)], float(sims[i])) for i in top]

    def live_ids(self) -> list[str]:
        """The ids of the live rows, oldest first."""
        return self._ids[self._start : self._end]

    def positions(self, ids: Sequence[str]) -> np.ndarray:
        """Live row positions (0 = oldest live) of those `ids` that are live, in the order given."""
        rows = (self._rows.get(i) for i in ids)
        return np.array([row - self._start for row in rows if row is not None and row >= self._start], dtype=np.int64)

    def id_at(self, position: int) -> str:
        """The id of the live row at `position`."""
        return self._ids[self._start + position]

    def nearest_others(self, rows: np.ndarray, batch: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """For live row positions `rows`: the cosine distance to the nearest other live row, and that row's position."""
        live = self._vectors[self._start : self._end]
        forgotten = self._created[self._start : self._end] == -np.inf
        distances = np.empty(len(rows), dtype=np.float64)
        nearest = np.empty(len(rows), dtype=np.int64)
        for begin in range(0, len(rows), batch):
            chunk = np.asarray(rows[begin : begin + batch])
            sims = live[chunk] @ live.T
            # A row is not its own neighbour; an identical text elsewhere is (distance 0).
            sims[np.arange(len(chunk)), chunk] = -np.inf
            sims[:, forgotten] = -np.inf
            best = sims.argmax(axis=1)
            nearest[begin : begin + len(chunk)] = best
            distances[begin : begin + len(chunk)] = 1.0 - sims[np.arange(len(chunk)), best]
        return distances, nearest
