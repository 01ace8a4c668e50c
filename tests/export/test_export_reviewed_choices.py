"""A reviewer's decision on one of several choices (`n` > 1) labels that choice in the export (both databases).

An approval of choice k makes choice k the preferred answer; a correction is paired with choice k as
the original (the preference format's pair, by the code that pairs an end user's correction with the
choice it named); an approval of a choice cut short is no example, and then leaves the end users'
corrections of the answer standing, as an approval of a first choice cut short does.
"""

from __future__ import annotations

from typing import Any

from choice_answers import store_answer_of_choices
from export_seed import exported, give_feedback, review_service
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.export.formats import ExportFormat
from gateway.review.records import Outcome, Priority, Source
from gateway.review.service import ReviewService

QUESTION = "Which card fits me?"
CHOICES = ["The gold card.", "The student card: no fee.", "The travel card."]
CORRECTION = "The student card: it has no fee."


async def store_choices(engine: AsyncEngine, finish_reasons: list[str] | None = None, partial: bool = False) -> str:
    """A chat answer of the three CHOICES (each with its finish reason, `stop` unless given); returns its id."""
    return await store_answer_of_choices(engine, CHOICES, QUESTION, finish_reasons, partial)


async def decided(reviews: ReviewService, interaction_id: str, outcome: Outcome, choice: int, **fields: Any) -> None:
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="Which choice is right?",
        priority=Priority.MEDIUM,
        interaction_ids=[interaction_id],
    )
    assert opened is not None
    await reviews.decide(opened.task.task.id, "alice", outcome, choice=choice, **fields)


async def test_an_approval_of_a_later_choice_makes_it_the_preferred_answer(engine):
    interaction_id = await store_choices(engine)
    await decided(review_service(engine), interaction_id, Outcome.APPROVE, 1)

    [line] = await exported(engine, ExportFormat.CHAT)
    [example] = await exported(engine, ExportFormat.JSONL)

    assert line["messages"][-1] == {"role": "assistant", "content": CHOICES[1]}
    assert (example["choice"], example["original"], example["preferred"]) == (1, CHOICES[1], CHOICES[1])
    assert (example["source"], example["outcome"]) == ("human_review", "approve")


async def test_a_correction_of_a_later_choice_is_paired_with_that_choice(engine):
    interaction_id = await store_choices(engine)
    await decided(review_service(engine), interaction_id, Outcome.CORRECT, 2, correction=CORRECTION)

    [pair] = await exported(engine, ExportFormat.PREFERENCE)
    [example] = await exported(engine, ExportFormat.JSONL)

    assert pair["non_preferred_output"] == [{"role": "assistant", "content": CHOICES[2]}]
    assert pair["preferred_output"] == [{"role": "assistant", "content": CORRECTION}]
    assert (example["choice"], example["original"], example["preferred"]) == (2, CHOICES[2], CORRECTION)


async def test_an_approval_of_a_choice_cut_short_is_no_example_and_leaves_the_end_users_correction(engine):
    for reason in ("length", "content_filter"):
        interaction_id = await store_choices(engine, ["stop", reason, "stop"])
        await give_feedback(engine, interaction_id, correction=CORRECTION)
        await decided(review_service(engine), interaction_id, Outcome.APPROVE, 1)

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["source"], e["preferred"]) for e in examples] == [("end_user_correction", CORRECTION)] * 2


async def test_an_approval_of_a_whole_choice_beside_one_cut_short_is_an_example(engine):
    interaction_id = await store_choices(engine, ["length", "stop", "stop"])
    await give_feedback(engine, interaction_id, correction=CORRECTION)
    await decided(review_service(engine), interaction_id, Outcome.APPROVE, 2)

    examples = await exported(engine, ExportFormat.JSONL)

    # The reviewer's label outranks the end user's: one label per answer.
    assert [(e["source"], e["choice"], e["preferred"]) for e in examples] == [("human_review", 2, CHOICES[2])]


async def test_an_approval_of_a_choice_of_a_partial_answer_is_no_example(engine):
    interaction_id = await store_choices(engine, partial=True)
    await decided(review_service(engine), interaction_id, Outcome.APPROVE, 1)

    assert await exported(engine, ExportFormat.JSONL) == []
