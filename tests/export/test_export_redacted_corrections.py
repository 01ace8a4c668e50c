"""A correction the redaction rules took whole is no label: left out by the export's SQL and counted (both databases).

With redaction on, a correction is stored redacted: "alice@example.com" becomes "[redacted:email]". One left with
nothing but such placeholders (and blank characters) says nothing a model could learn: it must neither be a preferred
answer nor outrank a correction that says something, and the summary counts it apart from the blank ones.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from export_seed import exported, give_feedback, review, store_chat
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally
from gateway.review.records import Outcome
from gateway.review.service import review_service
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore

CORRECTION = "The fee is 1%, at least 1 EUR."
REDACTED = {
    "one placeholder": "[redacted:email]",
    "two, blanks between": " [redacted:email]\n[redacted:phone]\u200b",
    "a custom rule's": "[redacted:ticket-id_2]",
}


async def redacted_review_correction(engine: AsyncEngine, interaction_id: str) -> None:
    """A reviewer's `correct` decision, with redaction on, whose correction is an e-mail address alone."""
    reviews = review_service(engine, Settings(redaction=True, review_second_opinion_share=0.0))
    await review(reviews, [interaction_id], Outcome.CORRECT, correction="alice@example.com")


@pytest.mark.parametrize("redacted", REDACTED.values(), ids=REDACTED.keys())
async def test_an_end_users_fully_redacted_correction_is_no_example_in_any_format(engine, redacted):
    await give_feedback(engine, await store_chat(engine), correction=redacted)

    for fmt in ExportFormat:
        assert await exported(engine, fmt) == []


async def test_a_reviewers_correction_redaction_took_whole_is_no_example(engine):
    await redacted_review_correction(engine, await store_chat(engine))

    assert await exported(engine, ExportFormat.JSONL) == []


async def test_a_correction_with_words_beside_a_placeholder_is_still_an_example(engine):
    await give_feedback(engine, await store_chat(engine), correction="Write to [redacted:email].")

    examples = await exported(engine, ExportFormat.JSONL)

    assert [e["preferred"] for e in examples] == ["Write to [redacted:email]."]


async def test_a_later_fully_redacted_correction_leaves_another_users_correction_standing(engine):
    answer = await store_chat(engine)
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    await give_feedback(engine, answer, correction=CORRECTION, user_id="ann", at=earlier)
    await give_feedback(engine, answer, correction="[redacted:email]", user_id="bob")

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["source"], e["preferred"]) for e in examples] == [("end_user_correction", CORRECTION)]


async def test_a_reviewers_fully_redacted_correction_leaves_the_end_users_correction_standing(engine):
    answer = await store_chat(engine)
    await give_feedback(engine, answer, correction=CORRECTION)
    await redacted_review_correction(engine, answer)

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["source"], e["preferred"]) for e in examples] == [("end_user_correction", CORRECTION)]


async def test_fully_redacted_corrections_are_counted_apart_in_the_summary_and_not_read(engine):
    await give_feedback(engine, await store_chat(engine, "Fee?"), correction="[redacted:phone]")
    await redacted_review_correction(engine, await store_chat(engine, "Card?"))
    await give_feedback(engine, await store_chat(engine, "Open?"), correction="\u200b")
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, tally=tally) == []
    assert (tally.rows, tally.blank_corrections, tally.redacted_corrections) == (0, 1, 2)
    assert tally.summary() == (
        "wrote 0 lines from 0 labelled examples (none); 1 correction left out: it said nothing; "
        "2 corrections left out: redaction took all they said"
    )


async def test_the_count_the_retrain_trigger_reads_leaves_fully_redacted_corrections_out(engine):
    await give_feedback(engine, await store_chat(engine, "Fee?"), correction="[redacted:email]")
    await redacted_review_correction(engine, await store_chat(engine, "Card?"))
    await give_feedback(engine, await store_chat(engine, "Open?"), correction=CORRECTION)

    assert await TrainingExampleStore(engine).count(ExampleFilter()) == 1


async def test_a_fully_redacted_correction_its_voter_replaced_is_not_counted(engine):
    answer = await store_chat(engine)
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    await give_feedback(engine, answer, correction="[redacted:email]", at=earlier)
    await give_feedback(engine, answer, correction=CORRECTION)
    tally = ExportTally()

    examples = await exported(engine, ExportFormat.JSONL, tally=tally)

    assert [e["preferred"] for e in examples] == [CORRECTION]
    assert tally.redacted_corrections == 0
