"""Embedding-cache rows of clustering documents, and landmarks that name them."""

from __future__ import annotations

import numpy as np
from privacy_seed import APP
from sqlalchemy import insert

from clustering.documents import DEFAULT_RECIPE, DocumentRecipe, FeedbackItem, build_document
from clustering.embed import content_hash
from gateway.store.tables import embeddings, reduction_points

QUESTION = "my card 4111 was charged twice"


def document_key(interaction_id: str, comments: list[str], recipe: DocumentRecipe = DEFAULT_RECIPE) -> str:
    """The cache key of the clustering document a pass made from these complaints on `QUESTION`'s answer."""
    item = FeedbackItem(interaction_id, APP, QUESTION, answer=f"Echo: {QUESTION}", comment="\n".join(comments))
    return content_hash(build_document(item, recipe))


async def cache(engine, *keys: str) -> None:
    vector = np.ones(4, dtype="<f4").tobytes()
    async with engine.begin() as connection:
        await connection.execute(
            insert(embeddings), [{"content_hash": k, "model": "m", "vector": vector, "dims": 4} for k in keys]
        )


async def landmark(engine, interaction_id: str, key: str) -> None:
    """A kept fit's landmark on the interaction, its document embedded under `key`."""
    async with engine.begin() as connection:
        await connection.execute(
            insert(reduction_points).values(
                app=APP,
                interaction_id=interaction_id,
                fingerprint="f",
                coordinates=np.zeros(2, dtype="<f4").tobytes(),
                content_hash=key,
            )
        )
