"""Embedding vectors kept in the database, so each text is embedded once per model."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.embed import Embedder, InMemoryEmbeddingCache, content_hash, embed_with_cache
from gateway.store.chunks import chunks
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import embeddings


class DatabaseEmbeddingCache:
    """Reads and writes vectors in the `embeddings` table (async; the sync protocol runs in memory)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # Two passes may embed the same new text; the first writer wins, both vectors are equal.
        self._insert = insert_skipping_duplicates(engine.dialect, embeddings, ["content_hash", "model"])

    async def get_many(self, hashes: Sequence[str], model: str) -> dict[str, np.ndarray]:
        """The stored vectors for `hashes` under `model`; misses are absent."""
        found: dict[str, np.ndarray] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(list(hashes)):
                query = select(embeddings.c.content_hash, embeddings.c.vector).where(
                    embeddings.c.model == model, embeddings.c.content_hash.in_(chunk)
                )
                for digest, blob in await connection.execute(query):
                    found[digest] = np.frombuffer(blob, dtype=np.float32)
        return found

    async def put_many(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        """Store `vectors` (content hash -> vector) under `model`, keeping rows already there."""
        rows = [
            {"content_hash": digest, "model": model, "vector": _as_bytes(vector), "dims": len(vector)}
            for digest, vector in vectors.items()
        ]
        async with self._engine.begin() as connection:
            for chunk in chunks(rows):
                await connection.execute(self._insert, list(chunk))


def _as_bytes(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


class _RecordingCache(InMemoryEmbeddingCache):
    """An in-memory cache that remembers what was added, to write it back afterwards."""

    def __init__(self, model: str, known: Mapping[str, np.ndarray]) -> None:
        super().__init__()
        super().put_many(model, known)
        self.added: dict[str, np.ndarray] = {}

    def put_many(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        super().put_many(model, vectors)
        self.added.update(vectors)


async def embed_with_database_cache(engine: AsyncEngine, embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Embed `texts`, reusing vectors stored in the database and storing the new ones."""
    store = DatabaseEmbeddingCache(engine)
    hashes = list(dict.fromkeys(content_hash(text) for text in texts))
    # The database is read and written on the event loop; only the model runs in a thread,
    # against an in-memory cache filled beforehand.
    memory = _RecordingCache(embedder.model_name, await store.get_many(hashes, embedder.model_name))
    vectors = await asyncio.to_thread(embed_with_cache, embedder, memory, list(texts))
    if memory.added:
        await store.put_many(embedder.model_name, memory.added)
    return vectors
