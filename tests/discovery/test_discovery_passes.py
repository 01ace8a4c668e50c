"""Passes after the first: the kept UMAP fit, issues that vanish, come back, and get LLM titles."""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from chat_replies import chat_reply
from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints, thumbs_up
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.issue_status import IssueStatus
from clustering.label import LLMTitler
from clustering.pipeline import DiscoveryParams
from clustering.reduce import ReductionParams
from gateway.discovery.job import run_clustering_pass
from gateway.side_call_client import side_call_client
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issues import IssueFilter, IssueStore
from gateway.store.tables import reduction_points

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap

# UMAP only runs from 50 points by default; the seed sets are smaller, so lower the bar.
WITH_UMAP = DiscoveryParams(reduction=ReductionParams(min_points_for_umap=8))
LLM_URL = "http://llm.test/v1"


async def issue_with_keyword(engine: AsyncEngine, keyword: str, include_empty: bool = False) -> dict:
    store = IssueStore(engine)
    listed = await store.list(IssueFilter(include_empty=include_empty), sort="size", limit=100)
    found = next(issue for issue in listed if keyword in (issue["keywords"] or []))
    return await store.get(found["id"])


async def test_the_first_pass_fits_umap_and_keeps_the_fit(engine, job_settings, embedder):
    ids = await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)

    summary = await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)

    assert summary.apps[0].reduction == "fitted"
    async with engine.connect() as connection:
        kept = set((await connection.execute(select(reduction_points.c.interaction_id))).scalars())
    assert kept == set(ids)


async def test_a_pass_with_few_new_items_places_them_with_the_kept_fit(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS[:3] + PASSWORDS + SHIPPING)
    await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)
    [new_refund] = await seed_complaints(engine, REFUNDS[3:])

    summary = await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)

    assert summary.apps[0].reduction == "reused"
    refunds = await issue_with_keyword(engine, "refund")
    assert new_refund in refunds["member_ids"]


async def test_a_pass_with_many_new_items_refits(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS + PASSWORDS)
    await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)
    await seed_complaints(engine, SHIPPING)

    summary = await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)

    assert summary.apps[0].reduction == "fitted"


async def test_a_changed_document_recipe_does_not_reuse_the_fit(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)
    await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)
    other_recipe = DiscoveryParams(
        reduction=WITH_UMAP.reduction, recipe=WITH_UMAP.recipe.__class__(include_user_message=False)
    )

    summary = await run_clustering_pass(engine, job_settings, embedder, params=other_recipe)

    assert summary.apps[0].reduction == "fitted"


async def test_an_issue_whose_complaints_are_withdrawn_vanishes_but_keeps_its_id(engine, job_settings, embedder):
    password_ids = await seed_complaints(engine, PASSWORDS)
    await seed_complaints(engine, REFUNDS + SHIPPING)
    await run_clustering_pass(engine, job_settings, embedder)
    passwords = await issue_with_keyword(engine, "password")
    await thumbs_up(engine, password_ids)

    summary = await run_clustering_pass(engine, job_settings, embedder)

    assert summary.apps[0].retired_issues == 1
    after = await IssueStore(engine).get(passwords["id"])
    assert (after["size"], after["member_ids"]) == (0, [])
    assert [event["kind"] for event in after["events"]] == ["vanished"]
    listed = await IssueStore(engine).list(IssueFilter(), sort="size", limit=100)
    assert passwords["id"] not in [issue["id"] for issue in listed]


async def test_a_resolved_issue_that_comes_back_is_reopened_and_flagged(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS[:3] + PASSWORDS)
    await run_clustering_pass(engine, job_settings, embedder)
    refunds = await issue_with_keyword(engine, "refund")
    await IssueEditStore(engine).set_status(refunds["id"], IssueStatus.RESOLVED, note="refunds are automatic now")
    await seed_complaints(engine, REFUNDS[3:])

    summary = await run_clustering_pass(engine, job_settings, embedder)

    assert summary.apps[0].reopened_issues == 1
    after = await IssueStore(engine).get(refunds["id"])
    assert (after["status"], after["regressed"]) == ("open", True)
    assert [event["kind"] for event in after["events"]] == ["status", "reopened"]


async def test_complaints_about_answers_from_before_the_resolution_do_not_reopen_it(engine, job_settings, embedder):
    # Feedback often comes after the answer: these complaints are new to the pass, not to the fix.
    await seed_complaints(engine, REFUNDS[:3] + PASSWORDS)
    await run_clustering_pass(engine, job_settings, embedder)
    refunds = await issue_with_keyword(engine, "refund")
    await seed_complaints(engine, REFUNDS[3:])
    await IssueEditStore(engine).set_status(refunds["id"], IssueStatus.RESOLVED, note="refunds are automatic now")

    summary = await run_clustering_pass(engine, job_settings, embedder)

    assert summary.apps[0].reopened_issues == 0
    after = await IssueStore(engine).get(refunds["id"])
    assert (after["status"], after["regressed"]) == ("resolved", False)


async def test_issues_get_an_llm_title_once_and_keep_it_while_their_keywords_hold(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS + PASSWORDS)
    titler = LLMTitler(side_call_client(LLM_URL, None, {}, timeout=5.0, max_retries=0), "titler")
    with respx.mock:
        route = respx.post(f"{LLM_URL}/chat/completions").mock(
            return_value=chat_reply(json.dumps({"title": "A problem", "summary": "Users complain."}))
        )
        await run_clustering_pass(engine, job_settings, embedder, titler=titler)
        await run_clustering_pass(engine, job_settings, embedder, titler=titler)

    assert route.call_count == 2  # one per issue, in the first pass only
    refunds = await issue_with_keyword(engine, "refund")
    assert (refunds["title"], refunds["summary"]) == ("A problem", "Users complain.")
    prompt = json.loads(route.calls[0].request.content)["messages"][1]["content"]
    assert "Keywords:" in prompt and "Examples:" in prompt


async def test_a_failing_llm_leaves_the_keyword_title_and_the_pass_succeeds(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS + PASSWORDS)
    titler = LLMTitler(side_call_client(LLM_URL, None, {}, timeout=5.0, max_retries=0), "titler")
    with respx.mock:
        respx.post(f"{LLM_URL}/chat/completions").mock(return_value=httpx.Response(503))
        summary = await run_clustering_pass(engine, job_settings, embedder, titler=titler)

    assert summary.apps[0].new_issues == 2
    refunds = await issue_with_keyword(engine, "refund")
    assert "refund" in refunds["title"].lower() and refunds["summary"] is None


async def test_a_pass_over_few_items_forgets_a_kept_fit(engine, job_settings, embedder):
    ids = await seed_complaints(engine, REFUNDS + PASSWORDS + SHIPPING)
    await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)
    await thumbs_up(engine, ids[:6])

    await run_clustering_pass(engine, job_settings, embedder, params=WITH_UMAP)

    async with engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(reduction_points))).scalar() == 0


async def test_when_every_complaint_of_an_app_is_withdrawn_its_issues_vanish(engine, job_settings, embedder):
    ids = await seed_complaints(engine, REFUNDS + PASSWORDS)
    await run_clustering_pass(engine, job_settings, embedder)
    await thumbs_up(engine, ids)

    summary = await run_clustering_pass(engine, job_settings, embedder)

    assert [(app.app, app.items, app.retired_issues) for app in summary.apps] == [("support-bot", 0, 2)]
    assert await IssueStore(engine).list(IssueFilter(), sort="size", limit=100) == []
    again = await run_clustering_pass(engine, job_settings, embedder)
    assert again.apps == []
