"""The export pairs a judgement with the choice it names even when the upstream listed the choices out of order.

A choice number is the choice's `index` (gateway.domain.choice_numbers). The export read "choice 0" as the
recorded answer (the first listed choice's text and finish reason) and any other as the choice at that position
in `choices`: with the choices listed as index 1, 2, 0, an end user's correction of choice 0 was paired with
choice 1's text, and a reviewer's approval of choice 0 cut short was exported as an example. Both databases.
"""

from __future__ import annotations

from choice_answers import store_listed_out_of_order
from export_seed import exported, give_feedback, review_service
from sqlalchemy.ext.asyncio import AsyncEngine
from test_export_reviewed_choices import CHOICES, CORRECTION, QUESTION, decided

from gateway.export.formats import ExportFormat
from gateway.review.records import Outcome

# The indexes of the choices in the order the upstream lists them.
LISTING = [1, 2, 0]


async def store_rotated(engine: AsyncEngine, finish_reasons: list[str] | None = None) -> str:
    """The three CHOICES (text k with `index` k, finishing as `finish_reasons` say), listed as LISTING."""
    return await store_listed_out_of_order(engine, CHOICES, QUESTION, LISTING, finish_reasons)


async def test_an_end_users_correction_is_paired_with_the_choice_of_that_index(engine):
    first = await store_rotated(engine)
    await give_feedback(engine, first, correction=CORRECTION, choice=0)
    third = await store_rotated(engine)
    await give_feedback(engine, third, correction=CORRECTION, choice=2)

    examples = await exported(engine, ExportFormat.JSONL)

    paired = {e["interaction_id"]: (e["choice"], e["original"]) for e in examples}
    assert paired == {first: (0, CHOICES[0]), third: (2, CHOICES[2])}


async def test_a_reviewers_correction_is_paired_with_the_choice_of_that_index(engine):
    interaction_id = await store_rotated(engine)
    await decided(review_service(engine), interaction_id, Outcome.CORRECT, 0, correction=CORRECTION)

    [pair] = await exported(engine, ExportFormat.PREFERENCE)

    assert pair["non_preferred_output"] == [{"role": "assistant", "content": CHOICES[0]}]


async def test_an_approval_of_choice_0_cut_short_is_no_example_though_the_first_listed_is_whole(engine):
    interaction_id = await store_rotated(engine, ["length", "stop", "stop"])
    await give_feedback(engine, interaction_id, correction=CORRECTION, choice=0)
    await decided(review_service(engine), interaction_id, Outcome.APPROVE, 0)

    examples = await exported(engine, ExportFormat.JSONL)

    assert [(e["source"], e["original"]) for e in examples] == [("end_user_correction", CHOICES[0])]


async def test_an_approval_of_a_whole_choice_0_listed_last_is_an_example(engine):
    # The first listed choice (index 1) was cut short; choice 0 is whole.
    interaction_id = await store_rotated(engine, ["stop", "length", "stop"])
    await decided(review_service(engine), interaction_id, Outcome.APPROVE, 0)

    [example] = await exported(engine, ExportFormat.JSONL)

    assert (example["choice"], example["preferred"]) == (0, CHOICES[0])


async def test_an_approval_of_a_later_choice_cut_short_is_read_at_its_index(engine):
    # Choice 2 is listed second; the choice listed third (index 0) was cut short.
    interaction_id = await store_rotated(engine, ["length", "stop", "stop"])
    await decided(review_service(engine), interaction_id, Outcome.APPROVE, 2)

    [example] = await exported(engine, ExportFormat.JSONL)

    assert (example["choice"], example["preferred"]) == (2, CHOICES[2])
