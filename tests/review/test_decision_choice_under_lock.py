"""A decision's `choice` is checked against the task as it stands under its lock, in the decision's transaction.

Checked before the lock (as it was), a change committed in between slipped through: a person's request that adds
a second interaction to the task (`POST /api/reviews` naming one it holds) left a decision naming choice 1 on a
task of two interactions, which is judged as a pattern and names no choice. The change is made to commit just
before the decision's transaction locks the task, so the window is hit every time. Both databases.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from choice_answers import store_answer_of_choices
from review_seed import store_interactions
from sqlalchemy.ext.asyncio import AsyncEngine
from test_decision_choice_api import answered, task_for
from test_fix_choice_api import fix, task_page

from gateway.app import FeedgateApp
from gateway.config import Settings
from gateway.review.errors import ChoiceRefused
from gateway.review.levels import ServiceLevels
from gateway.review.records import Outcome, Priority, Source, Status
from gateway.review.service import ReviewService
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.reviews import ReviewStore
from gateway.store.task_fixes import TaskFixStore

Hook = Callable[[], Awaitable[None]]


class StoreChangedFirst(ReviewStore):
    """A review store where `first` runs (and commits) just before the next change takes the task's lock."""

    first: Hook | None = None

    async def change(self, task_id, plan, **kwargs):  # type: ignore[no-untyped-def]
        hook, self.first = self.first, None
        if hook is not None:
            await hook()
        return await super().change(task_id, plan, **kwargs)


async def joins(reviews: ReviewService, interaction_ids: list[str]) -> None:
    """A person asks for a review of these interactions: the open task holding one of them takes the others."""
    await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="These two answers together",
        priority=Priority.MEDIUM,
        interaction_ids=interaction_ids,
    )


async def test_a_choice_checked_before_a_second_interaction_joined_the_task_is_refused(engine: AsyncEngine, clock):
    store = StoreChangedFirst(engine)
    reviews = ReviewService(
        store,
        ReviewFigureStore(engine),
        ServiceLevels.from_settings(Settings(review_second_opinion_share=0.0)),
        clock=clock,
    )
    answer = await store_answer_of_choices(engine, ["Fees are 2%.", "Fees are 1%."], "What is the fee?")
    [other] = await store_interactions(engine, 1)
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="Which choice is right?",
        priority=Priority.MEDIUM,
        interaction_ids=[answer],
    )
    assert opened is not None
    task_id = opened.task.task.id
    store.first = lambda: joins(reviews, [answer, other])

    with pytest.raises(ChoiceRefused) as refused:
        await reviews.decide(task_id, "alice", Outcome.APPROVE, choice=1)

    assert "holds 2 interactions" in refused.value.message
    after = await reviews.get(task_id)
    assert (after.task.status, after.decisions, len(after.interaction_ids)) == (Status.OPEN, (), 2)


async def test_a_fixs_choice_checked_before_a_second_interaction_joined_the_task_is_refused_and_nothing_is_made(
    client, gateway: FeedgateApp, admin_headers, fake_upstream, monkeypatch
):
    answer = await answered(client, gateway)
    other = await answered(client, gateway)
    task_id = await task_for(client, admin_headers, [answer])
    resolve = TaskFixStore.resolve

    async def joined_first(self, task_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        # After the claim and the first look at the choice, just before the fix's transaction.
        await joins(gateway.services.reviews, [answer, other])
        return await resolve(self, task_id, *args, **kwargs)

    monkeypatch.setattr(TaskFixStore, "resolve", joined_first)

    refused = await fix(client, admin_headers, task_id, choice=1)

    assert refused.status_code == 422, refused.text
    assert "holds 2 interactions" in refused.json()["detail"]
    task = await task_page(client, admin_headers, task_id)
    assert (task["decisions"], len(task["interaction_ids"])) == ([], 2)
    entries = (await client.get("/api/kb", params={"app": task["app"]}, headers=admin_headers)).json()
    assert "Student card" not in str(entries)
