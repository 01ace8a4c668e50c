"""The suggested action of a rule's opening weighs the task it is opened with, as read under the opening's lock (both
databases).

A rule's opening read the open task it would join, and the interactions that task held, before the opening's lock
(the suggestion's reads); the store reads them again under the lock and writes the task it finds there. An interaction
the task gained while the opening waited was left out of its suggestion, and a task closed meanwhile still lent its
corrections to the new task opened in its place. A person's task naming an issue had its suggestion weighed again when
its complaints changed (test_issue_task_suggestion_under_lock); every opening now goes one way (gateway.review.weighing).
"""

from __future__ import annotations

import asyncio

from review_seed import give_feedback, store_interactions
from sqlalchemy import insert, update
from test_issue_task_complaints_under_lock import _take_opening_lock, _waits_for_a_lock, service

from gateway.review.records import ActionKind, Priority, Source
from gateway.review.service import ReviewService
from gateway.store.tables import review_task_interactions, review_tasks

APP = "support-bot"


async def rule_opening(reviews: ReviewService, interaction_ids: list[str]):
    return await reviews.open_or_update(
        app=APP, source=Source.SIMILAR_NEGATIVE, reason="4 of the 10 most similar recent answers got negative feedback",
        priority=Priority.MEDIUM, interaction_ids=interaction_ids, evidence={"neighbours": interaction_ids},
    )  # fmt: skip


async def test_an_interaction_the_task_gains_while_the_opening_waits_has_its_correction_suggested(engine):
    ids = await store_interactions(engine, 3, app=APP)
    await give_feedback(engine, ids[2], app=APP, correction="The fee is 1%.")
    reviews = service(engine)
    task = (await rule_opening(reviews, ids[:1])).task.task
    async with engine.begin() as holder:
        # Another opening holds the lock, and adds an interaction of a corrected answer to the task meanwhile.
        await _take_opening_lock(holder)
        opening = asyncio.create_task(rule_opening(reviews, ids[:2]))
        await _waits_for_a_lock(engine)
        await holder.execute(
            insert(review_task_interactions).values(task_id=task.id, interaction_id=ids[2], added_at=task.created_at)
        )
    opened = await opening
    action = opened.task.task.suggested_action

    assert opened.task.task.id == task.id
    assert (action.kind, [c.interaction_id for c in action.corrections]) == (ActionKind.KNOWLEDGE_BASE_ENTRY, [ids[2]])


async def test_a_task_closed_while_the_opening_waits_lends_the_new_task_no_correction(engine):
    ids = await store_interactions(engine, 3, app=APP)
    await give_feedback(engine, ids[2], app=APP, correction="The fee is 1%.")
    reviews = service(engine)
    task = (await rule_opening(reviews, [ids[0], ids[2]])).task.task
    async with engine.begin() as holder:
        await _take_opening_lock(holder)
        opening = asyncio.create_task(rule_opening(reviews, ids[:2]))
        await _waits_for_a_lock(engine)
        # Dismissed meanwhile: the opening makes a new task of the interaction nobody held.
        await holder.execute(update(review_tasks).where(review_tasks.c.id == task.id).values(status="dismissed"))
    opened = await opening
    action = opened.task.task.suggested_action

    assert opened.task.task.id != task.id and list(opened.task.interaction_ids) == [ids[1]]
    assert (action.kind, action.corrections) == (ActionKind.PROMPT_INSTRUCTIONS, ())
