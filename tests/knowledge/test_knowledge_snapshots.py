"""Snapshots follow the store: an app is claimed once it has active entries, and no longer once it has none."""

from __future__ import annotations

import pytest
from kb_helpers import default_format

from gateway.fixes.snapshots import FixSnapshots
from gateway.knowledge.index import RetrievalSettings
from gateway.knowledge.policy import KnowledgePolicy
from gateway.knowledge.query import QueryEmbedder
from gateway.knowledge.service import KnowledgeService
from gateway.knowledge.snapshot import SnapshotLoader
from gateway.store.embedding_cache import embed_with_database_cache
from gateway.store.knowledge import KIND, KnowledgeStore


@pytest.fixture
def parts(engine, embedder):
    store = KnowledgeStore(engine)

    async def embed(texts):
        return await embed_with_database_cache(engine, embedder, texts)

    async def get_embedder():
        return embedder

    snapshots = FixSnapshots(engine, KIND, SnapshotLoader(store, embed), interval=60)
    policy = KnowledgePolicy(
        snapshots.get, QueryEmbedder(get_embedder, 10), RetrievalSettings(threshold=0.5, top_k=3), default_format()
    )
    return KnowledgeService(store), snapshots, policy


async def test_activate_and_deactivate_move_the_snapshot(parts):
    service, snapshots, policy = parts
    entry = await service.create(
        "bank",
        "Card delivery",
        "Cards arrive within 5 working days.",
        ["When will my card arrive?"],
        active=False,
        author="a",
    )
    await snapshots.refresh()
    assert snapshots.get("bank") is None
    assert not policy.applies_to("bank", "chat.completions")

    await service.activate(entry.id, author="a")
    await snapshots.refresh()
    index = snapshots.get("bank")
    assert [(e.id, e.version) for e in index.entries] == [(entry.id, 2)]
    assert policy.applies_to("bank", "chat.completions")

    edited = await service.edit(entry.id, author="a", content="Cards arrive within 3 working days.")
    await snapshots.refresh()
    assert snapshots.get("bank").entries[0].content == edited.content
    assert snapshots.get("bank").entries[0].version == 3

    await service.deactivate(entry.id, author="a")
    await snapshots.refresh()
    assert snapshots.get("bank") is None
    assert not policy.applies_to("bank", "chat.completions")


async def test_only_active_entries_of_the_app_are_indexed(parts):
    service, snapshots, _ = parts
    kept = await service.create("bank", "Fees", "Transfers abroad cost 1%.", author="a")
    await service.create("bank", "Old fees", "Transfers abroad cost 5%.", active=False, author="a")
    await service.create("shop", "Returns", "Returns are free for 30 days.", author="a")

    await snapshots.refresh()

    assert [e.id for e in snapshots.get("bank").entries] == [kept.id]
    assert len(snapshots.get("shop")) == 1
