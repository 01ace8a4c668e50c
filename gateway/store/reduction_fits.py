"""Each app's kept UMAP fit, so a clustering pass in any process can reuse the last one's."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from clustering.reduce import ReductionFit
from gateway.store.chunks import chunks
from gateway.store.tables import reduction_points


class ReductionFitStore:
    """Reads and replaces the `reduction_points` of one app."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def load(self, app: str) -> ReductionFit | None:
        """`app`'s kept fit, or None when no pass has fitted one yet."""
        rp = reduction_points.c
        query = select(rp.interaction_id, rp.fingerprint, rp.coordinates, rp.document_hash).where(rp.app == app)
        coordinates: dict[Hashable, np.ndarray] = {}
        documents: dict[Hashable, str] = {}
        fingerprint = ""
        async with self._engine.connect() as connection:
            for interaction_id, row_fingerprint, blob, document_hash in await connection.execute(query):
                coordinates[interaction_id] = np.frombuffer(blob, dtype="<f4")
                if document_hash is not None:
                    documents[interaction_id] = document_hash
                fingerprint = row_fingerprint  # the same on every row of one fit
        if not coordinates:
            return None
        return ReductionFit(coordinates, fingerprint, documents)

    async def replace(self, app: str, fit: ReductionFit | None) -> None:
        """Keep `fit` as `app`'s fit (None forgets it), in one transaction."""
        async with self._engine.begin() as connection:
            await replace_fit(connection, app, fit)


async def replace_fit(connection: AsyncConnection, app: str, fit: ReductionFit | None) -> None:
    """Keep `fit` as `app`'s fit (None forgets it), inside the caller's transaction."""
    fingerprint = fit.fingerprint if fit is not None else ""
    rows = [
        {
            "app": app,
            "interaction_id": str(key),
            "fingerprint": fingerprint,
            "coordinates": np.asarray(point, dtype="<f4").tobytes(),
            "document_hash": fit.documents.get(key) if fit is not None else None,
        }
        for key, point in (fit.coordinates.items() if fit is not None else ())
    ]
    await connection.execute(delete(reduction_points).where(reduction_points.c.app == app))
    for chunk in chunks(rows):
        await connection.execute(insert(reduction_points), list(chunk))
