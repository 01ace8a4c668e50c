"""A clustering pass over stored negative feedback: issues found, tracked across passes, one at a time."""

from __future__ import annotations

import asyncio

from seed import PASSWORDS, REFUNDS, SHIPPING, seed_complaints, thumbs_up
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.discovery.items import load_negative_items
from gateway.discovery.job import LOCK_NAME, run_clustering_pass
from gateway.store.issues import IssueFilter, IssueStore
from gateway.store.locks import held_for, try_lock


class RecordingEmbedder:
    """The real embedder, remembering every text it was asked to embed."""

    def __init__(self, embedder) -> None:
        self.model_name = embedder.model_name
        self.texts: list[str] = []
        self._embedder = embedder

    def embed(self, texts):
        self.texts.extend(texts)
        return self._embedder.embed(texts)


async def issues_by_size(engine: AsyncEngine) -> list[dict]:
    return await IssueStore(engine).list(IssueFilter(), sort="size", limit=100)


async def test_a_pass_turns_recurring_complaints_into_issues(engine, job_settings, embedder):
    refund_ids = await seed_complaints(engine, REFUNDS)
    password_ids = await seed_complaints(engine, PASSWORDS)

    summary = await run_clustering_pass(engine, job_settings, embedder)

    assert not summary.already_running
    assert [(app.app, app.items, app.new_issues) for app in summary.apps] == [("support-bot", 8, 2)]
    store = IssueStore(engine)
    members = {frozenset((await store.get(issue["id"]))["member_ids"]) for issue in await issues_by_size(engine)}
    assert members == {frozenset(refund_ids), frozenset(password_ids)}


async def test_an_issue_keeps_its_id_when_it_grows_in_a_later_pass(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS[:3] + PASSWORDS[:3])
    await run_clustering_pass(engine, job_settings, embedder)
    first = {issue["id"]: issue for issue in await issues_by_size(engine)}

    await seed_complaints(engine, REFUNDS[3:] + PASSWORDS[3:] + SHIPPING)
    summary = await run_clustering_pass(engine, job_settings, embedder)

    second = await issues_by_size(engine)
    continued = [issue for issue in second if issue["id"] in first]
    assert len(continued) == 2
    assert all(issue["size"] == 4 and issue["growth"] == 1 for issue in continued)
    assert summary.apps[0].new_issues == 1
    assert all(len(issue["trend"]) == 2 for issue in continued)


async def test_a_pass_while_another_holds_the_lock_reports_already_running(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS)

    async with try_lock(engine, LOCK_NAME) as acquired:
        assert acquired
        summary = await run_clustering_pass(engine, job_settings, embedder)

    assert summary.already_running
    assert await issues_by_size(engine) == []


async def test_a_pass_tells_a_waiter_which_app_it_clusters(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS)
    asked: list[asyncio.Task[str | None]] = []

    def progress(step: str, _done: int, _total: int) -> None:
        # Asked while the pass runs, as `feedgate prune` asks when it finds the lock held.
        if step.startswith("support-bot:") and not asked:
            asked.append(asyncio.ensure_future(held_for(engine, LOCK_NAME)))

    await run_clustering_pass(engine, job_settings, embedder, progress=progress)

    assert [await task for task in asked] == ["the clustering pass of app 'support-bot'"]
    assert await held_for(engine, LOCK_NAME) is None


async def test_the_lock_is_free_again_after_a_pass(engine, job_settings, embedder):
    await run_clustering_pass(engine, job_settings, embedder)

    async with try_lock(engine, LOCK_NAME) as acquired:
        assert acquired


async def test_embeddings_are_cached_so_a_second_pass_embeds_nothing_new(engine, job_settings, embedder):
    await seed_complaints(engine, REFUNDS + PASSWORDS)
    await run_clustering_pass(engine, job_settings, embedder)

    recording = RecordingEmbedder(embedder)
    await run_clustering_pass(engine, job_settings, recording)

    assert recording.texts == []


async def test_only_interactions_whose_current_feedback_is_negative_are_clustered(engine, embedder):
    [changed_mind, still_unhappy] = await seed_complaints(engine, REFUNDS[:2])
    # The same user later gives a thumbs up: their newest feedback is what counts.
    await thumbs_up(engine, [changed_mind])

    negative = await load_negative_items(engine, "support-bot")

    assert [item.interaction_id for item in negative.items] == [still_unhappy]
    assert negative.items[0].user_message == REFUNDS[1][0]
    assert negative.items[0].comment == REFUNDS[1][1]


async def test_the_configured_document_parts_are_what_gets_embedded(engine, database_url, embedder):
    await seed_complaints(engine, REFUNDS + PASSWORDS)
    only_questions = Settings(database_url=database_url, cluster_document_parts=["question"])

    recording = RecordingEmbedder(embedder)
    await run_clustering_pass(engine, only_questions, recording)

    assert sorted(recording.texts) == sorted(question for question, _ in REFUNDS + PASSWORDS)
