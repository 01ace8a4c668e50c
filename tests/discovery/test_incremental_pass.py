"""Incremental passes: between full passes, new complaints join the existing issue they belong to, nothing else moves."""

from __future__ import annotations

import pytest
from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints, thumbs_up
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from test_discovery_passes import issue_with_keyword

from clustering import DiscoveryParams, ReductionParams
from clustering.issue_status import IssueStatus
from gateway.cli_discovery import summary_table
from gateway.config import Settings, load_settings
from gateway.config_checks import ConfigError
from gateway.discovery.job import AppRunSummary, RunSummary, run_clustering_pass
from gateway.review.service import review_service
from gateway.store.feedback_map_points import FeedbackMapStore
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issues import IssueFilter, IssueStore
from gateway.store.reviews import ReviewFilter
from gateway.store.tables import cluster_runs, issues

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap

APP = "support-bot"
# Like REFUNDS[0], in other words: plainly the same problem.
ANOTHER_REFUND = ("How do I get my refund for this order?", "my refund never arrived in my account")
UNRELATED = ("What is the capital of France?", "you said Lyon but the capital is Paris")
# UMAP on the dozen seeds (the product starts at 50 items), so that there is a kept fit to place new
# items in. Few neighbours: with UMAP's 15 (capped at 11 here) every seed neighbours every other and
# the layout is arbitrary; one library update joined the refunds and passwords that way.
WITH_UMAP = DiscoveryParams(reduction=ReductionParams(min_points_for_umap=8, n_neighbors=4))


@pytest.fixture
def incremental_settings(database_url: str) -> Settings:
    """Incremental passes while up to a fifth of the app changed: the seed sets are a dozen complaints."""
    return Settings(database_url=database_url, cluster_incremental_max_share=0.2)


async def members_by_issue(engine: AsyncEngine) -> dict[str, frozenset[str]]:
    store = IssueStore(engine)
    listed = await store.list(IssueFilter(), sort="size", limit=100)
    return {issue["id"]: frozenset((await store.get(issue["id"]))["member_ids"]) for issue in listed}


async def run_kinds(engine: AsyncEngine) -> list[str | None]:
    async with engine.connect() as connection:
        query = select(cluster_runs.c.kind).order_by(cluster_runs.c.started_at)
        return list((await connection.execute(query)).scalars())


async def first_full_pass(engine: AsyncEngine, settings: Settings, embedder) -> list[str]:
    ids = await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)
    summary = await run_clustering_pass(engine, settings, embedder, params=WITH_UMAP)
    assert (summary.apps[0].kind, summary.apps[0].clusters) == ("full", 3)
    return ids


async def test_a_new_complaint_joins_its_issue_and_no_other_member_moves(engine, incremental_settings, embedder):
    await first_full_pass(engine, incremental_settings, embedder)
    before = await members_by_issue(engine)
    refunds = await issue_with_keyword(engine, "refund")
    async with engine.connect() as connection:
        stamps = dict((await connection.execute(select(issues.c.id, issues.c.updated_at))).all())
    [new_refund] = await seed_complaints(engine, [ANOTHER_REFUND])

    summary = await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)

    app = summary.apps[0]
    assert (app.kind, app.new_items, app.assigned_items, app.new_issues, app.noise) == ("incremental", 1, 1, 0, 0)
    after = await members_by_issue(engine)
    assert after[refunds["id"]] == before[refunds["id"]] | {new_refund}
    assert {key: value for key, value in after.items() if key != refunds["id"]} == {
        key: value for key, value in before.items() if key != refunds["id"]
    }
    listed = {issue["id"]: issue for issue in await IssueStore(engine).list(IssueFilter(), sort="size", limit=100)}
    # The issue rule reads growth since the previous pass: the new member, and nothing elsewhere.
    assert (listed[refunds["id"]]["size"], listed[refunds["id"]]["growth"]) == (5, 1)
    assert listed[refunds["id"]]["negative_count"] == 5
    assert all(issue["growth"] == 0 for key, issue in listed.items() if key != refunds["id"])
    async with engine.connect() as connection:
        stamps_after = dict((await connection.execute(select(issues.c.id, issues.c.updated_at))).all())
    assert {key for key in stamps if stamps_after[key] != stamps[key]} == {refunds["id"]}
    assert new_refund in await FeedbackMapStore(engine).load(APP)
    assert await run_kinds(engine) == ["full", "incremental"]


async def test_the_issue_rule_acts_on_the_growth_of_an_incremental_pass(engine, database_url, embedder):
    settings = Settings(
        database_url=database_url, cluster_incremental_max_share=0.2, review_issue_growth=1, review_issue_min_size=50
    )
    await first_full_pass(engine, settings, embedder)
    refunds = await issue_with_keyword(engine, "refund")
    await seed_complaints(engine, [ANOTHER_REFUND])

    summary = await run_clustering_pass(engine, settings, embedder, params=WITH_UMAP)

    tasks = (await review_service(engine, settings).list(ReviewFilter(), "queue", 10)).data
    evidence = {task.issue_id: task.evidence for task in tasks}
    # Every issue grew in the first pass (from nothing); only the refunds issue grew in the second.
    assert evidence[refunds["id"]]["run_id"] == summary.apps[0].run_id
    assert (evidence[refunds["id"]]["issue"]["growth"], evidence[refunds["id"]]["issue"]["size"]) == (1, 5)
    assert all(found["run_id"] != summary.apps[0].run_id for key, found in evidence.items() if key != refunds["id"])


async def test_a_complaint_far_from_every_issue_stays_unassigned(engine, incremental_settings, embedder):
    ids = await first_full_pass(engine, incremental_settings, embedder)
    before = await members_by_issue(engine)
    [stranger] = await seed_complaints(engine, [UNRELATED])

    summary = await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)

    app = summary.apps[0]
    assert (app.kind, app.new_items, app.assigned_items) == ("incremental", 1, 0)
    assert (app.items, app.noise) == (len(ids) + 1, 1)
    assert await members_by_issue(engine) == before
    x, y = (await FeedbackMapStore(engine).load(APP))[stranger]
    assert 0.0 <= x <= 1.0 and 0.0 <= y <= 1.0


async def test_more_new_complaints_than_the_share_allows_make_a_full_pass(engine, incremental_settings, embedder):
    await first_full_pass(engine, incremental_settings, embedder)
    # Three of twelve is a quarter: more than the fifth allowed.
    await seed_complaints(engine, [ANOTHER_REFUND, UNRELATED, ("Reset my password again", "no reset email")])

    summary = await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)

    assert summary.apps[0].kind == "full"
    assert await run_kinds(engine) == ["full", "full"]


async def test_changes_add_up_over_incremental_passes_until_a_full_one(engine, incremental_settings, embedder):
    await first_full_pass(engine, incremental_settings, embedder)
    kinds = []
    for complaint in [ANOTHER_REFUND, UNRELATED, ("Reset my password again", "no reset email")]:
        await seed_complaints(engine, [complaint])
        kinds.append((await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)).apps[0].kind)

    # 1 and 2 of 12 changed are within a fifth (2.4); the third makes 3.
    assert kinds == ["incremental", "incremental", "full"]


async def test_a_withdrawn_complaint_leaves_its_issue(engine, incremental_settings, embedder):
    ids = await first_full_pass(engine, incremental_settings, embedder)
    refunds = await issue_with_keyword(engine, "refund")
    withdrawn = ids[0]
    await thumbs_up(engine, [withdrawn])

    summary = await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)

    assert (summary.apps[0].kind, summary.apps[0].items) == ("incremental", len(ids) - 1)
    after = await IssueStore(engine).get(refunds["id"])
    assert set(after["member_ids"]) == set(refunds["member_ids"]) - {withdrawn}
    assert (after["size"], after["negative_count"]) == (3, 3)
    assert withdrawn not in await FeedbackMapStore(engine).load(APP)


async def test_a_resolved_issue_that_gains_a_complaint_is_reopened_as_a_regression(
    engine, incremental_settings, embedder
):
    await first_full_pass(engine, incremental_settings, embedder)
    refunds = await issue_with_keyword(engine, "refund")
    await IssueEditStore(engine).set_status(refunds["id"], IssueStatus.RESOLVED)
    await seed_complaints(engine, [ANOTHER_REFUND])

    summary = await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)

    assert (summary.apps[0].kind, summary.apps[0].reopened_issues) == ("incremental", 1)
    after = await IssueStore(engine).get(refunds["id"])
    assert (after["status"], after["regressed"]) == ("open", True)
    assert [event["kind"] for event in after["events"]] == ["status", "reopened"]


async def test_a_complaint_about_an_answer_from_before_the_resolution_does_not_reopen_it(
    engine, incremental_settings, embedder
):
    await first_full_pass(engine, incremental_settings, embedder)
    refunds = await issue_with_keyword(engine, "refund")
    [late] = await seed_complaints(engine, [ANOTHER_REFUND])
    await IssueEditStore(engine).set_status(refunds["id"], IssueStatus.RESOLVED)

    summary = await run_clustering_pass(engine, incremental_settings, embedder, params=WITH_UMAP)

    assert (summary.apps[0].kind, summary.apps[0].reopened_issues) == ("incremental", 0)
    after = await IssueStore(engine).get(refunds["id"])
    assert late in after["member_ids"]
    assert (after["status"], after["regressed"]) == ("resolved", False)


async def test_a_changed_recipe_makes_a_full_pass(engine, incremental_settings, embedder):
    await first_full_pass(engine, incremental_settings, embedder)
    await seed_complaints(engine, [ANOTHER_REFUND])
    fewer_keywords = WITH_UMAP.__class__(reduction=WITH_UMAP.reduction, keywords_per_cluster=5)

    summary = await run_clustering_pass(engine, incremental_settings, embedder, params=fewer_keywords)

    assert summary.apps[0].kind == "full"


async def test_a_full_pass_is_due_once_the_last_is_old_enough(engine, database_url, embedder):
    settings = Settings(database_url=database_url, cluster_incremental_max_share=0.2, cluster_full_every_hours=1e-9)
    await first_full_pass(engine, settings, embedder)

    summary = await run_clustering_pass(engine, settings, embedder, params=WITH_UMAP)

    assert summary.apps[0].kind == "full"


async def test_with_the_share_at_zero_every_pass_is_full(engine, database_url, embedder):
    settings = Settings(database_url=database_url, cluster_incremental_max_share=0)
    await first_full_pass(engine, settings, embedder)

    summary = await run_clustering_pass(engine, settings, embedder, params=WITH_UMAP)

    assert summary.apps[0].kind == "full"


def test_the_incremental_settings_have_sensible_defaults_and_bounds():
    settings = load_settings()
    assert (settings.cluster_incremental_max_share, settings.cluster_full_every_hours) == (0.05, 24)
    for bad in (-0.01, 0.5):
        with pytest.raises(ConfigError, match="cluster_incremental_max_share"):
            load_settings(cluster_incremental_max_share=bad)
    with pytest.raises(ConfigError, match="cluster_full_every_hours"):
        load_settings(cluster_full_every_hours=0)


def test_the_cluster_command_says_a_pass_was_incremental():
    app = AppRunSummary(APP, "run", 120, 3, 2, reduction="reused", kind="incremental", new_items=3, assigned_items=2)

    caption = str(summary_table(RunSummary(apps=[app])).caption)

    assert "incremental: 2 of 3 new complaints joined an issue" in caption
