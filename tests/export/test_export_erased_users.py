"""A task judged as a pattern stays one after an erasure (or a prune) takes its other interactions (both databases).

The issue and similar-negatives rules open a task about several interactions, and so may a person (a manual task):
its decision judges what they share, and its correction is no answer to any one of them. Erasing the end users of all but one of them (or pruning
them) leaves the task holding one interaction; its decision must not then become that conversation's label.
"""

from __future__ import annotations

import pytest
from export_seed import exported, give_feedback, review_service
from interaction_rows import interaction_row
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.documents import DEFAULT_RECIPE
from gateway.export.formats import ExportFormat
from gateway.privacy.erasure import erase_end_user
from gateway.review.records import Outcome, Priority, Source
from gateway.store.interactions import InteractionStore

PATTERN = "Fees are per transfer, never a share of the amount."
CORRECTION = "The fee is 1%, at least 1 EUR."


async def store_answers(engine: AsyncEngine, users: list[str]) -> list[str]:
    """One answer to the same question for each end user; their ids."""
    rows = [interaction_row(question="What is the fee?", answer="The fee is 2%.", end_user=user) for user in users]
    await InteractionStore(engine).insert_many(rows)
    return [str(row["id"]) for row in rows]


async def decide_pattern(engine: AsyncEngine, source: Source, interaction_ids: list[str]) -> None:
    reviews = review_service(engine)
    opened = await reviews.open_or_update(
        app="support-bot",
        source=source,
        reason="Several users say the fee is wrong",
        priority=Priority.MEDIUM,
        interaction_ids=interaction_ids,
    )
    assert opened is not None
    await reviews.decide(opened.task.task.id, "alice", Outcome.CORRECT, correction=PATTERN)


async def erase(engine: AsyncEngine, *users: str) -> None:
    for user in users:
        await erase_end_user(engine, user, "dpo", (DEFAULT_RECIPE,), via="test")


@pytest.mark.parametrize("source", [Source.ISSUE, Source.SIMILAR_NEGATIVE, Source.MANUAL])
async def test_a_pattern_decision_is_no_example_after_its_other_interactions_are_erased(engine, source):
    await decide_pattern(engine, source, await store_answers(engine, ["ann", "bob", "cid"]))

    await erase(engine, "ann", "bob")

    assert await exported(engine, ExportFormat.JSONL) == []


async def test_the_end_users_correction_of_the_answer_left_stands(engine):
    ids = await store_answers(engine, ["ann", "bob"])
    await give_feedback(engine, ids[1], correction=CORRECTION, user_id="bob")
    await decide_pattern(engine, Source.SIMILAR_NEGATIVE, ids)

    await erase(engine, "ann")

    examples = await exported(engine, ExportFormat.JSONL)
    assert [(e["source"], e["preferred"]) for e in examples] == [("end_user_correction", CORRECTION)]


async def test_a_manual_task_opened_on_one_interaction_still_labels_it_after_an_erasure_elsewhere(engine):
    [kept] = await store_answers(engine, ["ann"])
    await decide_pattern(engine, Source.MANUAL, [kept])
    await store_answers(engine, ["bob"])

    await erase(engine, "bob")

    examples = await exported(engine, ExportFormat.JSONL)
    assert [(e["interaction_id"], e["preferred"]) for e in examples] == [(kept, PATTERN)]


async def test_a_rules_task_a_person_gave_another_interaction_stays_a_pattern_after_its_erasure(engine):
    kept, other = await store_answers(engine, ["ann", "bob"])
    reviews = review_service(engine)
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.CONFIDENCE,
        reason="Low confidence",
        priority=Priority.MEDIUM,
        interaction_ids=[kept],
        evidence={"confidence": 0.2},
    )
    assert opened is not None
    # A person asking about both answers joins the rule's task (it keeps the rule's source) and gives it the other.
    await decide_pattern(engine, Source.MANUAL, [kept, other])

    await erase(engine, "bob")

    assert await exported(engine, ExportFormat.JSONL) == []
