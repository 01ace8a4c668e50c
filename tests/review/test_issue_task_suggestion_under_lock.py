"""The suggested action of a person's task naming an issue weighs the complaints the task was opened with (both
databases).

The task's complaints are read under the opening's lock (gateway.store.reviews.ReviewStore.open_or_update), but its
suggestion weighed the issue's complaints as read before that lock: a complaint the issue gained while the opening
waited was held by the task and its correction left out of the suggestion, and one it lost was left out of the task
while its correction was suggested all the same.
"""

from __future__ import annotations

import asyncio

from issue_rows import store_issue
from review_seed import give_feedback, store_interactions
from sqlalchemy import delete, insert
from test_issue_task_complaints_under_lock import _take_opening_lock, _waits_for_a_lock, open_on_issue, service
from test_issue_task_takes_complaints import APP

from gateway.review.records import ActionKind
from gateway.store.tables import issue_members


async def test_a_complaint_the_issue_gains_while_the_opening_waits_has_its_correction_suggested(engine):
    ids = await store_interactions(engine, 3, app=APP)
    await give_feedback(engine, ids[2], app=APP, correction="The fee is 1%.")
    await store_issue(engine, APP, "fees", ids[:2])
    async with engine.begin() as holder:
        await _take_opening_lock(holder)
        opening = asyncio.create_task(open_on_issue(service(engine), "rita"))
        await _waits_for_a_lock(engine)
        await holder.execute(insert(issue_members).values(issue_id="fees", interaction_id=ids[2]))
    action = (await opening).task.task.suggested_action

    assert (action.kind, [c.interaction_id for c in action.corrections]) == (ActionKind.KNOWLEDGE_BASE_ENTRY, [ids[2]])


async def test_a_complaint_the_issue_loses_while_the_opening_waits_has_its_correction_left_out(engine):
    ids = await store_interactions(engine, 3, app=APP)
    await give_feedback(engine, ids[2], app=APP, correction="The fee is 1%.")
    await store_issue(engine, APP, "fees", ids)
    async with engine.begin() as holder:
        await _take_opening_lock(holder)
        opening = asyncio.create_task(open_on_issue(service(engine), "rita"))
        await _waits_for_a_lock(engine)
        await holder.execute(
            delete(issue_members).where(issue_members.c.issue_id == "fees", issue_members.c.interaction_id == ids[2])
        )
    action = (await opening).task.task.suggested_action

    assert (action.kind, action.corrections) == (ActionKind.PROMPT_INSTRUCTIONS, ())
