"""A full pass with the LLM merge judge, end to end: the fake upstream answers the judge's question by its rule."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints

from clustering.llm_judge import LLMMergeJudge
from gateway.config import Settings
from gateway.demo.fake_rules import merge_judge_answer
from gateway.demo.fake_upstream import RunningFakeUpstream, run_fake_upstream
from gateway.discovery.job import run_clustering_pass
from gateway.discovery.merge_judging import MergeJudging
from gateway.discovery.schedule import merge_judging_for
from gateway.store.issues import IssueFilter, IssueStore

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap


@pytest.fixture(scope="module")
def upstream() -> Iterator[RunningFakeUpstream]:
    with run_fake_upstream() as running:
        yield running


def a_small_app() -> list[tuple[str, str]]:
    """96 complaints over three topics (each question with each complaint of its topic, asked twice): a small app."""
    return [
        (question + suffix, complaint)
        for topic in (REFUNDS, PASSWORDS, SHIPPING)
        for question, _ in topic
        for _, complaint in topic
        for suffix in ("", " Please help.")
    ]


def judge_questions(upstream: RunningFakeUpstream) -> list[str]:
    return [
        request.json()["messages"][1]["content"]
        for request in upstream.app.requests
        if request.path.endswith("/chat/completions") and "same underlying problem" in request.body.decode()
    ]


async def test_a_pass_asks_the_judge_and_asks_nothing_again_for_the_same_issues(
    engine, database_url, embedder, upstream
):
    upstream.app.reset()
    await seed_complaints(engine, a_small_app())
    # Every pass full (no incremental pass in between), as a re-run of the same issues.
    settings = Settings(
        database_url=database_url,
        merge_judge_model="judge",
        merge_judge_url=upstream.url,
        merge_judge_api_key_env="",
        merge_judge_max_questions=5,
        cluster_incremental_max_share=0,
    )
    judging = merge_judging_for(settings, {})
    assert judging is not None and judging.max_questions == 5

    summary = await run_clustering_pass(engine, settings, embedder, merge_judging=judging)
    asked = judge_questions(upstream)
    await run_clustering_pass(engine, settings, embedder, merge_judging=judging)

    assert summary.apps[0].items == 96 and summary.apps[0].clusters >= 1
    assert 1 <= len(asked) <= 5
    assert all(q.startswith("Group A\n") and "Keywords:" in q for q in asked)
    assert len(judge_questions(upstream)) == len(asked)


async def test_a_new_process_asks_nothing_the_database_kept(engine, database_url, embedder, upstream):
    upstream.app.reset()
    await seed_complaints(engine, a_small_app())
    settings = Settings(
        database_url=database_url,
        merge_judge_model="judge",
        merge_judge_url=upstream.url,
        merge_judge_api_key_env="",
        cluster_incremental_max_share=0,
    )
    await run_clustering_pass(engine, settings, embedder, merge_judging=merge_judging_for(settings, {}))
    asked = len(judge_questions(upstream))

    # A fresh judge, as a new `feedgate cluster` builds: it holds no answer of its own.
    await run_clustering_pass(engine, settings, embedder, merge_judging=merge_judging_for(settings, {}))

    assert asked > 0 and len(judge_questions(upstream)) == asked


async def test_issues_the_fake_judge_calls_one_problem_end_as_one(engine, database_url, embedder, upstream):
    # The fake model's rule: two groups are one problem when their keywords share a word. The second
    # pass reuses the first's UMAP fit, so it finds the same clusters before the judge joins any.
    upstream.app.reset()
    await seed_complaints(engine, a_small_app())
    settings = Settings(database_url=database_url, cluster_incremental_max_share=0)
    client_settings = settings.model_copy(
        update={"merge_judge_model": "judge", "merge_judge_url": upstream.url, "merge_judge_api_key_env": ""}
    )
    judging = merge_judging_for(client_settings, {})
    assert isinstance(judging, MergeJudging) and isinstance(judging.judge, LLMMergeJudge)

    plain = await run_clustering_pass(engine, settings, embedder)
    judged = await run_clustering_pass(engine, client_settings, embedder, merge_judging=judging)

    said_same = [json.loads(merge_judge_answer(q) or "{}")["same"] for q in judge_questions(upstream)]
    assert said_same, "the judge was asked"
    assert judged.apps[0].reduction == "reused"
    if any(said_same):
        assert judged.apps[0].clusters < plain.apps[0].clusters
    else:
        assert judged.apps[0].clusters == plain.apps[0].clusters
    listed = await IssueStore(engine).list(IssueFilter(), sort="size", limit=100)
    assert len(listed) == judged.apps[0].clusters
