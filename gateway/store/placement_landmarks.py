"""Each app's landmarks: the kept fit's points that incremental passes place new complaints among.

A landmark is a row of `reduction_points` whose `content_hash` is set: the key of its vector in
the embedding cache. Keeping the hash, not the vector, means erasing or pruning an interaction
(which deletes its fit row and its cache rows) leaves no copy of its embedding behind.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from sqlalchemy import and_, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.store.chunks import chunks
from gateway.store.tables import embeddings, reduction_points
from gateway.store.tables.discovery import feedback_map_points


@dataclass(frozen=True, slots=True)
class Landmarks:
    """An app's landmarks with their embeddings and map points, and how many points the kept fit holds."""

    fingerprint: str
    ids: list[str]
    vectors: np.ndarray
    map_points: np.ndarray
    fitted: int


class LandmarkStore:
    """Reads the landmarks among one app's `reduction_points` (a full pass marks them: `mark_landmarks`)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def load(self, app: str, model: str) -> Landmarks | None:
        """`app`'s landmarks whose vector under `model` and map point are still kept; None when there are none."""
        rp, e, m = reduction_points.c, embeddings.c, feedback_map_points.c
        joined = reduction_points.join(embeddings, and_(e.content_hash == rp.content_hash, e.model == model)).join(
            feedback_map_points, and_(m.app == rp.app, m.interaction_id == rp.interaction_id)
        )
        query = (
            select(rp.interaction_id, rp.fingerprint, e.vector, m.x, m.y)
            .select_from(joined)
            .where(rp.app == app, rp.content_hash.is_not(None))
            .order_by(rp.interaction_id)
        )
        count = select(func.count()).select_from(reduction_points).where(rp.app == app)
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
            fitted = int((await connection.execute(count)).scalar_one())
        if not rows:
            return None
        return Landmarks(
            fingerprint=rows[0][1],
            ids=[row[0] for row in rows],
            vectors=np.stack([np.frombuffer(row[2], dtype="<f4") for row in rows]),
            map_points=np.array([(row[3], row[4]) for row in rows], dtype=np.float32),
            fitted=fitted,
        )


async def mark_landmarks(connection: AsyncConnection, app: str, hashes: Mapping[str, str]) -> None:
    """Make the fitted points in `hashes` (interaction id -> content hash) `app`'s landmarks, and only those,
    inside the caller's transaction."""
    rp = reduction_points.c
    mark = (
        update(reduction_points)
        .where(rp.app == bindparam("b_app"), rp.interaction_id == bindparam("b_id"))
        .values(content_hash=bindparam("b_hash"))
    )
    rows = [{"b_app": app, "b_id": key, "b_hash": digest} for key, digest in hashes.items()]
    await connection.execute(
        update(reduction_points).where(rp.app == app, rp.content_hash.is_not(None)).values(content_hash=None)
    )
    for chunk in chunks(rows):
        await connection.execute(mark, list(chunk))
