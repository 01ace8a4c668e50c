"""Wiring the knowledge base from the settings: its service, the per-app snapshots, and the proxy policy."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.embedder import LazyEmbedder
from gateway.fixes.snapshots import FixSnapshots
from gateway.knowledge.index import KnowledgeIndex, RetrievalSettings
from gateway.knowledge.injection import InjectionFormat
from gateway.knowledge.policy import KnowledgePolicy
from gateway.knowledge.query import QueryEmbedder
from gateway.knowledge.service import KnowledgeService
from gateway.knowledge.snapshot import SnapshotLoader
from gateway.store.embedding_cache import embed_with_database_cache
from gateway.store.knowledge import KIND, KnowledgeStore


@dataclass
class KnowledgeBase:
    """What the gateway's services hold for the knowledge base."""

    service: KnowledgeService
    snapshots: FixSnapshots[KnowledgeIndex]
    policy: KnowledgePolicy

    def start(self) -> None:
        """Load every app's snapshot now and whenever its entries change."""
        self.snapshots.start()

    async def close(self) -> None:
        """Stop refreshing the snapshots."""
        await self.snapshots.close()


def knowledge_base(settings: Settings, engine: AsyncEngine, embedder: LazyEmbedder) -> KnowledgeBase:
    """The knowledge base for `settings`; entries and questions are embedded by the gateway's shared embedder."""
    store = KnowledgeStore(engine)

    async def embed_entries(texts: Sequence[str]) -> np.ndarray:
        # Through the database's embedding cache: a reload embeds only entries whose text changed.
        return await embed_with_database_cache(engine, await embedder(), texts)

    snapshots = FixSnapshots(engine, KIND, SnapshotLoader(store, embed_entries), settings.knowledge_refresh_seconds)
    retrieval = RetrievalSettings(
        threshold=settings.knowledge_threshold,
        top_k=settings.knowledge_top_k,
        margin=settings.knowledge_margin,
        lexical_weight=settings.knowledge_lexical_weight,
    )
    injection = InjectionFormat(settings.knowledge_message_header, settings.knowledge_entry_template)
    policy = KnowledgePolicy(
        snapshots.get, QueryEmbedder(embedder, settings.knowledge_query_cache_size), retrieval, injection
    )
    return KnowledgeBase(KnowledgeService(store), snapshots, policy)
