"""Approvals of answers cut short are left out of the export and counted in its summary (both databases).

An answer cut short (a stream that ended early, stored `partial`; one the upstream stopped at max_tokens or by its
content filter) is no example: as a target it would teach stopping mid-sentence (docs/review.md, "Training data"). The
store reads no row of such an approval, so the summary counts it apart, as it counts the approvals of answers that
said nothing: whoever runs the export learns what was left out, and why.
"""

from __future__ import annotations

import pytest
from choice_answers import store_answer_of_choices
from export_seed import exported, review, review_service, store_chat
from test_export_empty_choices import approve_choice

from gateway.export.examples import ExampleSource
from gateway.export.formats import ExportFormat
from gateway.export.stream import ExportTally
from gateway.review.records import Outcome
from gateway.store.training_examples import ExampleFilter

CALL = {"id": "call_1", "type": "function", "function": {"name": "find_card", "arguments": '{"fee":'}}
CUT_SHORT = {
    "partial stream": {"partial": True},
    "max_tokens": {"finish_reason": "length"},
    "content filter": {"finish_reason": "content_filter"},
}


@pytest.mark.parametrize("cut", CUT_SHORT.values(), ids=CUT_SHORT.keys())
async def test_an_approval_of_an_answer_cut_short_is_counted_as_left_out(engine, cut):
    answer = await store_chat(engine, "What is the fee?", "The fee is 2% of the amount, with a", **cut)
    await review(review_service(engine), [answer], Outcome.APPROVE)
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, tally=tally) == []
    assert (tally.rows, tally.cut_short, tally.said_nothing) == (0, 1, 0)
    assert tally.summary() == (
        "wrote 0 lines from 0 labelled examples (none); 1 approval left out: its answer was cut short"
    )


async def test_an_approval_of_tool_calls_cut_short_is_counted_as_left_out(engine):
    answer = await store_chat(engine, "Which card?", None, tool_calls=[CALL], partial=True)
    await review(review_service(engine), [answer], Outcome.APPROVE)
    tally = ExportTally()

    assert await exported(engine, ExportFormat.JSONL, tally=tally) == []
    assert tally.cut_short == 1


async def test_an_approval_of_a_later_choice_cut_short_is_counted_as_left_out(engine):
    answer = await store_answer_of_choices(engine, ["The gold card.", "The student"], "Which card?", ["stop", "length"])
    await approve_choice(engine, answer, 1)
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, tally=tally) == []
    assert tally.cut_short == 1


async def test_an_approval_of_a_whole_choice_beside_one_cut_short_is_an_example_and_not_counted(engine):
    answer = await store_answer_of_choices(engine, ["The student", "The gold card."], "Which card?", ["length", "stop"])
    await approve_choice(engine, answer, 1)
    tally = ExportTally()

    [line] = await exported(engine, ExportFormat.CHAT, tally=tally)

    assert line["messages"][-1] == {"role": "assistant", "content": "The gold card."}
    assert tally.cut_short == 0


async def test_an_approval_of_an_answer_cut_short_before_it_said_anything_is_counted_once(engine):
    answer = await store_chat(engine, "What is the fee?", "", partial=True)
    await review(review_service(engine), [answer], Outcome.APPROVE)
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, tally=tally) == []
    assert (tally.said_nothing, tally.cut_short) == (1, 0)


async def test_the_approvals_of_both_kinds_are_each_counted_in_the_summary(engine):
    reviews = review_service(engine)
    await review(reviews, [await store_chat(engine, "Fee?", "The fee is", partial=True)], Outcome.APPROVE)
    await review(reviews, [await store_chat(engine, "Card?", "The gold", finish_reason="length")], Outcome.APPROVE)
    await review(reviews, [await store_chat(engine, "Open?", " ")], Outcome.APPROVE)
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, tally=tally) == []
    assert tally.summary() == (
        "wrote 0 lines from 0 labelled examples (none); 1 approval left out: its answer said nothing and called no"
        " tool; 2 approvals left out: their answers were cut short"
    )


async def test_a_correction_of_an_answer_cut_short_is_an_example_and_not_counted(engine):
    answer = await store_chat(engine, "What is the fee?", "The fee is", partial=True)
    await review(review_service(engine), [answer], Outcome.CORRECT, correction="The fee is 2%.")
    tally = ExportTally()

    [line] = await exported(engine, ExportFormat.CHAT, tally=tally)

    assert line["messages"][-1] == {"role": "assistant", "content": "The fee is 2%."}
    assert tally.cut_short == 0


@pytest.mark.parametrize(
    "where",
    [ExampleFilter(app="billing-bot"), ExampleFilter(source=ExampleSource.END_USER_CORRECTION)],
    ids=["another app", "end users' corrections"],
)
async def test_only_the_approvals_the_filter_selects_are_counted(engine, where):
    answer = await store_chat(engine, "What is the fee?", "The fee is", partial=True)
    await review(review_service(engine), [answer], Outcome.APPROVE)
    tally = ExportTally()

    assert await exported(engine, ExportFormat.CHAT, where, tally) == []
    assert tally.cut_short == 0
