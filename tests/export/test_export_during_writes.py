"""An export read while labels keep coming: still one label per answer (SQLite and PostgreSQL).

An export reads in chunks, each on a connection of its own, so a long one sees the labels given
while it runs. One written early must not be followed by a second label of the same answer given
after the export began.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable

from export_seed import give_feedback, review, review_service, store_chat
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally, TrainingExport
from gateway.review.records import Outcome
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore


async def exported_while(engine: AsyncEngine, after_first_line: Callable[[], Awaitable[None]]) -> list[dict]:
    """The jsonl export, read a row a chunk, with `after_first_line` run once the first line is written."""
    export = TrainingExport(TrainingExampleStore(engine, chunk_rows=1))
    lines = []
    async for line in export.lines(ExampleFilter(), ExportFormat.JSONL, ExportTally()):
        lines.append(json.loads(line))
        if len(lines) == 1:
            await after_first_line()
    return lines


async def test_a_correction_revised_after_it_was_written_is_not_written_again(engine):
    first = await store_chat(engine, "First?")
    await give_feedback(engine, first, correction="First answer.", user_id="ann")
    second = await store_chat(engine, "Second?")
    await give_feedback(engine, second, correction="Second answer.", user_id="bob")

    async def ann_revises() -> None:
        await give_feedback(engine, first, correction="First answer, revised.", user_id="ann")

    lines = await exported_while(engine, ann_revises)

    assert [line["interaction_id"] for line in lines] == [first, second]


async def test_another_users_correction_given_after_the_first_was_written_is_not_written(engine):
    first = await store_chat(engine, "First?")
    await give_feedback(engine, first, correction="First answer.", user_id="ann")
    second = await store_chat(engine, "Second?")
    await give_feedback(engine, second, correction="Second answer.", user_id="bob")

    async def cy_corrects_too() -> None:
        await give_feedback(engine, first, correction="Another answer.", user_id="cy")

    lines = await exported_while(engine, cy_corrects_too)

    assert [line["interaction_id"] for line in lines] == [first, second]


async def test_a_reviewers_decision_after_the_users_correction_was_written_is_not_written(engine):
    first = await store_chat(engine, "First?")
    await give_feedback(engine, first, correction="First answer.", user_id="ann")
    second = await store_chat(engine, "Second?")
    await give_feedback(engine, second, correction="Second answer.", user_id="bob")

    async def a_reviewer_corrects() -> None:
        await review(review_service(engine), [first], Outcome.CORRECT, correction="The reviewer's answer.")

    lines = await exported_while(engine, a_reviewer_corrects)

    assert [line["interaction_id"] for line in lines] == [first, second]
