"""A correction stored blank is no label: left out by the export's SQL and counted in its summary (both databases).

Feedback intake and review decisions now take a correction of blank characters only (gateway.domain.blank_text:
zero-width spaces, the ideographic space...) as none, or refuse it; corrections stored before that rule are still in
the database. Such a correction says nothing, so it must neither be a preferred answer nor outrank a correction
that says something, and the summary says how many were left out, as it does for approvals that said nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from export_seed import exported, give_feedback, review, review_service, store_chat
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.export.examples import ExampleSource
from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally
from gateway.review.records import Outcome
from gateway.store.tables import review_decisions
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore

CORRECTION = "The fee is 1%, at least 1 EUR."
BLANKS = {"zero-width space": "\u200b", "ideographic space": "\u3000", "no-break and em spaces": "\u00a0\u2003\n"}


async def blank_review_correction(engine: AsyncEngine, interaction_id: str, blank: str) -> None:
    """A reviewer's `correct` decision whose correction is stored blank, as one given before the rule was."""
    task_id = await review(review_service(engine), [interaction_id], Outcome.CORRECT, correction="placeholder")
    async with engine.begin() as connection:
        await connection.execute(
            update(review_decisions).where(review_decisions.c.task_id == task_id).values(correction=blank)
        )


@pytest.mark.parametrize("blank", BLANKS.values(), ids=BLANKS.keys())
async def test_an_end_users_blank_correction_is_no_example_in_any_format(engine, blank):
    await give_feedback(engine, await store_chat(engine), correction=blank)

    for fmt in ExportFormat:
        assert await exported(engine, fmt) == []


@pytest.mark.parametrize("blank", BLANKS.values(), ids=BLANKS.keys())
async def test_a_later_blank_correction_leaves_another_users_correction_standing(engine, blank):
    answer = await store_chat(engine)
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    await give_feedback(engine, answer, correction=CORRECTION, user_id="ann", at=earlier)
    await give_feedback(engine, answer, correction=blank, user_id="bob")

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["source"], e["preferred"]) for e in examples] == [("end_user_correction", CORRECTION)]


@pytest.mark.parametrize("blank", BLANKS.values(), ids=BLANKS.keys())
async def test_a_reviewers_blank_correction_leaves_the_end_users_correction_standing(engine, blank):
    answer = await store_chat(engine)
    await give_feedback(engine, answer, correction=CORRECTION)
    await blank_review_correction(engine, answer, blank)

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["source"], e["preferred"]) for e in examples] == [("end_user_correction", CORRECTION)]


async def test_blank_corrections_are_counted_apart_in_the_summary_and_not_read(engine):
    await give_feedback(engine, await store_chat(engine, "Fee?"), correction="\u200b")
    await blank_review_correction(engine, await store_chat(engine, "Card?"), "\u3000")
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, tally=tally) == []
    assert (tally.rows, tally.no_example, tally.blank_corrections) == (0, 0, 2)
    assert tally.summary() == (
        "wrote 0 lines from 0 labelled examples (none); 2 corrections left out: they said nothing"
    )


async def test_the_count_the_retrain_trigger_reads_leaves_blank_corrections_out(engine):
    await give_feedback(engine, await store_chat(engine, "Fee?"), correction="\u200b")
    await blank_review_correction(engine, await store_chat(engine, "Card?"), "\u3000")
    await give_feedback(engine, await store_chat(engine, "Open?"), correction=CORRECTION)

    assert await TrainingExampleStore(engine).count(ExampleFilter()) == 1


@pytest.mark.parametrize(
    "where",
    [ExampleFilter(app="billing-bot"), ExampleFilter(source=ExampleSource.HUMAN_REVIEW)],
    ids=["another app", "reviewers' decisions"],
)
async def test_only_the_blank_corrections_the_filter_selects_are_counted(engine, where):
    await give_feedback(engine, await store_chat(engine), correction="\u200b")
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, where, tally) == []
    assert tally.blank_corrections == 0


async def test_a_blank_correction_its_voter_replaced_is_not_counted(engine):
    answer = await store_chat(engine)
    earlier = datetime.now(UTC) - timedelta(minutes=5)
    await give_feedback(engine, answer, correction="\u200b", at=earlier)
    await give_feedback(engine, answer, correction=CORRECTION)
    tally = ExportTally()

    examples = await exported(engine, ExportFormat.JSONL, tally=tally)

    assert [e["preferred"] for e in examples] == [CORRECTION]
    assert tally.blank_corrections == 0
