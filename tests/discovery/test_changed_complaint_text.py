"""A complaint whose words changed since the last pass is clustered by its new words, not where the kept fit put the old."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
import uuid_utils
from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints
from test_incremental_pass import WITH_UMAP

from clustering.documents import DocumentRecipe
from clustering.pipeline import DiscoveryParams
from gateway.config import Settings
from gateway.discovery.feedback_map import map_update, project_2d
from gateway.discovery.job import run_clustering_pass
from gateway.store.feedback import FeedbackStore
from gateway.store.issues import IssueStore

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap

# Only what users said is embedded: a new comment is a wholly new document.
COMMENTS_ONLY = DiscoveryParams(reduction=WITH_UMAP.reduction, recipe=DocumentRecipe(include_user_message=False))


async def issue_of(store: IssueStore, interaction_id: str) -> str | None:
    return next((issue.id for issue in await store.tracked("support-bot") if interaction_id in issue.member_ids), None)


async def test_a_complaint_whose_comment_changed_moves_to_the_issue_of_its_new_words(engine, database_url, embedder):
    settings = Settings(database_url=database_url, cluster_incremental_max_share=0)
    ids = await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)
    await run_clustering_pass(engine, settings, embedder, params=COMMENTS_ONLY)
    store = IssueStore(engine)
    passwords = await issue_of(store, ids[len(REFUNDS)])
    assert passwords is not None and await issue_of(store, ids[0]) != passwords
    # The user who complained about a refund answer votes again: now it is about their password.
    await FeedbackStore(engine).append(
        {
            "id": str(uuid_utils.uuid7()),
            "interaction_id": ids[0],
            "created_at": datetime.now(UTC),
            "app": "support-bot",
            "user_id": "user-1",
            "thumbs": "down",
            "comment": PASSWORDS[0][1],
            "negative": True,
            "submitted_via": "app",
        }
    )

    summary = await run_clustering_pass(engine, settings, embedder, params=COMMENTS_ONLY)

    assert summary.apps[0].kind == "full"
    assert await issue_of(store, ids[0]) == passwords


def test_a_complaint_placed_anew_gets_a_new_map_point():
    coordinates = np.random.default_rng(3).normal(size=(40, 5))
    ids = [f"i{n}" for n in range(40)]
    projected = project_2d(coordinates)
    kept = {key: (float(x), float(y)) for key, (x, y) in zip(ids, projected, strict=True)}
    # Its words changed: the pass placed it elsewhere, and its old point says where its old words were.
    kept["i0"] = (0.0, 0.0)

    update = map_update(ids, coordinates, kept, refitted=False, moved={"i0"})

    assert set(update.added) == {"i0"}
    assert np.allclose(update.added["i0"], np.clip(projected[0], 0, 1), atol=1e-6)
