"""An incremental pass after an erasure took most of an issue's members: an issue left below the smallest
cluster the last full pass could make is retired, as an issue whose complaints vanished, never shown live.

A real full pass over the dozen seeds (refunds, passwords, shipping: four complaints each) makes three
issues; then one end user, who asked three of the four refund questions, is erased.
"""

from __future__ import annotations

import pytest
from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from test_discovery_passes import issue_with_keyword
from test_incremental_pass import APP, WITH_UMAP

from gateway.config import Settings
from gateway.discovery.job import run_clustering_pass
from gateway.privacy.erasure import erase_end_user
from gateway.privacy.retention import recipes_of
from gateway.store.feedback_map_points import FeedbackMapStore
from gateway.store.issues import IssueFilter, IssueStore
from gateway.store.tables import interactions

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap

LEAVER = "leaver"


@pytest.fixture
def incremental_settings(database_url: str) -> Settings:
    """Incremental passes while up to a fifth of the app changed: the seed set is a dozen complaints."""
    return Settings(database_url=database_url, cluster_incremental_max_share=0.2)


async def refunds_left_with_one_member(engine: AsyncEngine, settings: Settings, embedder) -> tuple[dict, str]:
    """The full pass's refunds issue, and its one member left after LEAVER (who asked the other three) is erased."""
    ids = await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)
    summary = await run_clustering_pass(engine, settings, embedder, params=WITH_UMAP)
    assert (summary.apps[0].kind, summary.apps[0].clusters) == ("full", 3)
    refunds = await issue_with_keyword(engine, "refund")
    assert refunds["size"] == 4
    kept, *erased = refunds["member_ids"]
    async with engine.begin() as connection:
        await connection.execute(update(interactions).where(interactions.c.id.in_(erased)).values(end_user=LEAVER))
    await erase_end_user(engine, LEAVER, "dpo", recipes_of(settings), via="test")
    assert len(ids) == 12
    return refunds, kept


async def test_an_issue_an_erasure_left_below_the_smallest_cluster_is_retired_by_the_next_incremental_pass(
    engine, incremental_settings, embedder
):
    refunds, _ = await refunds_left_with_one_member(engine, incremental_settings, embedder)

    summary = await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)

    app = summary.apps[0]
    assert (app.kind, app.retired_issues, app.clusters) == ("incremental", 1, 2)
    listed = await IssueStore(engine).list(IssueFilter(), sort="size", limit=100)
    assert refunds["id"] not in [issue["id"] for issue in listed]
    assert all(issue["size"] >= 3 for issue in listed)


async def test_the_retired_issue_keeps_its_history_and_says_it_vanished(engine, incremental_settings, embedder):
    refunds, _ = await refunds_left_with_one_member(engine, incremental_settings, embedder)

    await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)

    after = await IssueStore(engine).get(refunds["id"])
    assert (after["size"], after["negative_count"], after["member_ids"]) == (0, 0, [])
    assert [(event["kind"], event["detail"]) for event in after["events"]] == [("vanished", {"previous_size": 1})]
    # The full pass's point (4), then the pass that retired it (0).
    assert [point["size"] for point in after["daily"]][-1] == 0


async def test_the_member_left_over_stays_on_the_map_as_an_unassigned_complaint(engine, incremental_settings, embedder):
    _, kept = await refunds_left_with_one_member(engine, incremental_settings, embedder)

    summary = await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)

    assert (summary.apps[0].items, summary.apps[0].noise) == (9, 1)
    assert kept in await FeedbackMapStore(engine).load(APP)
