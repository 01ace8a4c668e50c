"""Wiring the knowledge base from the settings: its service, the per-app snapshots, and the proxy policy."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.embed import Embedder, SentenceTransformerEmbedder
from gateway.config import Settings
from gateway.embedder import LazyEmbedder
from gateway.fixes.snapshots import FixSnapshots
from gateway.knowledge.index import KnowledgeIndex, RetrievalSettings
from gateway.knowledge.injection import InjectionFormat
from gateway.knowledge.policy import KnowledgePolicy
from gateway.knowledge.query import QueryEmbedder
from gateway.knowledge.query_model import QuestionModel
from gateway.knowledge.service import KnowledgeService
from gateway.knowledge.snapshot import SnapshotLoader
from gateway.store.availability import log_failed_round
from gateway.store.embedding_cache import embed_with_database_cache
from gateway.store.knowledge import KIND, KnowledgeStore

if TYPE_CHECKING:
    from clustering.embed_onnx import OnnxVariant

logger = logging.getLogger("feedgate.knowledge")


@dataclass
class KnowledgeBase:
    """What the gateway's services hold for the knowledge base."""

    service: KnowledgeService
    snapshots: FixSnapshots[KnowledgeIndex]
    policy: KnowledgePolicy
    questions: QuestionModel

    async def start(self) -> None:
        """Load every app's snapshot now (so the first requests get its entries), then whenever its entries change.

        The first load embeds the entries not in the database's embedding cache yet, loading the product's embedder
        when an app has any: a process with entries starts serving a few seconds later, where it used to serve its
        first seconds' calls without them.
        """
        try:
            await self.snapshots.refresh()
        except Exception as exc:  # noqa: BLE001 - the store may be down at start; the background refresh retries
            log_failed_round(logger, exc, "loading knowledge-base entries at start", "retrying in the background")
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

    questions = question_model(settings, embedder)
    load = SnapshotLoader(store, embed_entries)

    async def load_and_prepare(app: str) -> KnowledgeIndex | None:
        index = await load(app)
        if index is not None:
            # An app has entries, so questions will come: prepare the fast model now, in the
            # background, rather than on the first question.
            questions.prepare()
        return index

    snapshots = FixSnapshots(engine, KIND, load_and_prepare, settings.knowledge_refresh_seconds)
    retrieval = RetrievalSettings(
        threshold=settings.knowledge_threshold,
        top_k=settings.knowledge_top_k,
        margin=settings.knowledge_margin,
        lexical_weight=settings.knowledge_lexical_weight,
    )
    injection = InjectionFormat(settings.knowledge_message_header, settings.knowledge_entry_template)
    policy = KnowledgePolicy(
        snapshots.get, QueryEmbedder(questions, settings.knowledge_query_cache_size), retrieval, injection
    )
    return KnowledgeBase(KnowledgeService(store), snapshots, policy, questions)


def question_model(settings: Settings, embedder: LazyEmbedder) -> QuestionModel:
    """What embeds questions: per `knowledge_query_embedder`, an ONNX copy of the bundled model or the product's."""
    if settings.knowledge_query_embedder == "model":
        return QuestionModel(embedder, None, "")
    cache_dir = settings.model_cache_dir
    variant: OnnxVariant = "int8" if settings.knowledge_query_embedder == "onnx-int8" else "float"

    def build_fast() -> Embedder:
        # Imported here: onnxruntime and the exporter load only when the fast path is wanted.
        from clustering.embed_onnx import load_onnx_embedder

        return load_onnx_embedder(cache_dir, variant=variant)

    return QuestionModel(embedder, build_fast, SentenceTransformerEmbedder().model_name)
