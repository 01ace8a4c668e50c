"""A person's edit made while a pass runs is not undone by that pass: it starts over from what they made."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

import numpy as np
import pytest
from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints
from test_incremental_pass import ANOTHER_REFUND, WITH_UMAP, first_full_pass

from clustering.embed import Embedder
from clustering.issue_status import IssueStatus
from gateway.config import Settings
from gateway.discovery.job import run_clustering_pass
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issues import IssueStore

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap


class EditsWhileEmbedding:
    """The real embedder, but the first time it embeds, a person's edit is made meanwhile (on the event loop)."""

    def __init__(self, embedder: Embedder, loop: asyncio.AbstractEventLoop) -> None:
        self._embedder = embedder
        self._loop = loop
        self.model_name = embedder.model_name
        self.meanwhile: Callable[[], Awaitable[object]] | None = None

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self.meanwhile is not None:
            edit, self.meanwhile = self.meanwhile, None
            asyncio.run_coroutine_threadsafe(edit(), self._loop).result()
        return self._embedder.embed(texts)


async def refunds_issue(store: IssueStore, refund_id: str) -> dict:
    for issue in await store.tracked("support-bot"):
        if refund_id in issue.member_ids:
            return await store.get(issue.id)
    raise AssertionError("no issue holds the refund complaints")


async def test_a_status_set_while_a_full_pass_runs_is_kept(engine, database_url, embedder):
    settings = Settings(database_url=database_url, cluster_incremental_max_share=0)
    refunds = await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)
    await run_clustering_pass(engine, settings, embedder)
    store = IssueStore(engine)
    issue = await refunds_issue(store, refunds[0])
    await seed_complaints(engine, [("Refund please, my order was cancelled", "my refund has not arrived")])
    slow = EditsWhileEmbedding(embedder, asyncio.get_running_loop())
    slow.meanwhile = lambda: IssueEditStore(engine).set_status(issue["id"], IssueStatus.RESOLVED, actor="sam")

    await run_clustering_pass(engine, settings, slow)

    assert (await store.get(issue["id"]))["status"] == IssueStatus.RESOLVED


async def test_a_title_given_while_a_full_pass_runs_is_kept(engine, database_url, embedder):
    settings = Settings(database_url=database_url, cluster_incremental_max_share=0)
    refunds = await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)
    await run_clustering_pass(engine, settings, embedder)
    store = IssueStore(engine)
    issue = await refunds_issue(store, refunds[0])
    await seed_complaints(engine, [("Refund please, my order was cancelled", "my refund has not arrived")])
    slow = EditsWhileEmbedding(embedder, asyncio.get_running_loop())
    slow.meanwhile = lambda: IssueEditStore(engine).rename(issue["id"], "Refunds never arrive", "sam")

    await run_clustering_pass(engine, settings, slow)

    assert (await store.get(issue["id"]))["title"] == "Refunds never arrive"


async def test_a_merge_made_while_a_full_pass_runs_is_kept(engine, database_url, embedder):
    settings = Settings(database_url=database_url, cluster_incremental_max_share=0)
    ids = await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)
    await run_clustering_pass(engine, settings, embedder)
    store = IssueStore(engine)
    refund_issue = await refunds_issue(store, ids[0])
    password_issue = await refunds_issue(store, ids[len(REFUNDS)])
    await seed_complaints(engine, [("Refund please, my order was cancelled", "my refund has not arrived")])
    slow = EditsWhileEmbedding(embedder, asyncio.get_running_loop())
    slow.meanwhile = lambda: IssueEditStore(engine).merge(refund_issue["id"], password_issue["id"], "sam")

    await run_clustering_pass(engine, settings, slow)

    merged = await store.get(refund_issue["id"])
    survivor = await store.get(password_issue["id"])
    assert (merged["merged_into"], merged["size"]) == (password_issue["id"], 0)
    assert set(refund_issue["member_ids"]) <= set(survivor["member_ids"])


async def test_a_status_set_while_an_incremental_pass_runs_is_kept(engine, database_url, embedder):
    settings = Settings(database_url=database_url, cluster_incremental_max_share=0.2)
    ids = await first_full_pass(engine, settings, embedder)
    store = IssueStore(engine)
    issue = await refunds_issue(store, ids[0])
    await seed_complaints(engine, [ANOTHER_REFUND])
    slow = EditsWhileEmbedding(embedder, asyncio.get_running_loop())
    slow.meanwhile = lambda: IssueEditStore(engine).set_status(issue["id"], IssueStatus.DISMISSED, actor="sam")

    summary = await run_clustering_pass(engine, settings, slow, params=WITH_UMAP)

    assert summary.apps[0].kind == "incremental"
    assert (await store.get(issue["id"]))["status"] == IssueStatus.DISMISSED


async def test_a_merge_made_while_an_incremental_pass_runs_leaves_sizes_matching_members(
    engine, database_url, embedder
):
    settings = Settings(database_url=database_url, cluster_incremental_max_share=0.2)
    ids = await first_full_pass(engine, settings, embedder)
    store = IssueStore(engine)
    refund_issue = await refunds_issue(store, ids[0])
    password_issue = await refunds_issue(store, ids[len(REFUNDS)])
    await seed_complaints(engine, [ANOTHER_REFUND])
    slow = EditsWhileEmbedding(embedder, asyncio.get_running_loop())
    slow.meanwhile = lambda: IssueEditStore(engine).merge(refund_issue["id"], password_issue["id"], "sam")

    await run_clustering_pass(engine, settings, slow, params=WITH_UMAP)

    for issue_id in (refund_issue["id"], password_issue["id"]):
        issue = await store.get(issue_id)
        assert issue["size"] == len(issue["member_ids"])
    assert (await store.get(refund_issue["id"]))["merged_into"] == password_issue["id"]
