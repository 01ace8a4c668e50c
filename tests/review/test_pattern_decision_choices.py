"""A decision judging a task of several answers as a pattern holds for every choice (`n` > 1) of each, not choice 0 only.

Such a decision names no choice (one is refused), and is stored with choice 0, the column's default; the decision that
stands was matched by its stored choice (gateway.store.standing_decisions.held_by_standing), so a pattern approved held
an end user's correction of choice 0 right and offered the same end user's correction of choice 1 as the knowledge
entry to write. The pattern judged the answers, whichever choice anyone named (gateway.review.verdicts). Both
databases.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from calibration_seed import store_answers
from choice_answers import complain, store_answer_of_choices
from test_calibration_judged_choice import vote

from gateway.review.records import ActionKind, Outcome, Priority, Source
from gateway.store.confidence_samples import ConfidenceSampleStore, SampleWindow

CHOICES = ["Zero: the fee is 2%.", "One: the fee is 3%."]


async def judged_as_pattern(reviews, interaction_ids: list[str], outcome: Outcome, choice: int | None = None) -> None:
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="A pattern",
        priority=Priority.LOW,
        interaction_ids=interaction_ids,
    )
    await reviews.decide(opened.task.task.id, "alice", outcome, choice=choice)


@pytest.mark.parametrize("choice", [0, 1])
async def test_an_approved_patterns_answers_corrections_of_any_choice_suggest_no_entry(engine, reviews, choice):
    corrected = await store_answer_of_choices(engine, CHOICES, "What is the fee?")
    other = await store_answer_of_choices(engine, CHOICES, "What is the fee abroad?")
    await complain(engine, corrected, "ann", choice, comment="wrong fee", correction="The fee is 1%.")
    await judged_as_pattern(reviews, [corrected, other], Outcome.APPROVE)

    action = await reviews.issue_suggestion("issue-1", [corrected, other])

    assert (action.kind, action.corrections) == (ActionKind.PROMPT_INSTRUCTIONS, ())
    shown = {example.interaction_id: example.correction for example in action.examples}
    assert shown[corrected] is None


async def test_a_single_answers_approval_of_choice_0_still_leaves_a_correction_of_choice_1_standing(engine, reviews):
    # One answer's decision names its choice: it judges that one alone, as before.
    corrected = await store_answer_of_choices(engine, CHOICES, "What is the fee?")
    await complain(engine, corrected, "ann", 1, comment="wrong fee", correction="The fee is 1%.")
    await judged_as_pattern(reviews, [corrected], Outcome.APPROVE, choice=0)

    action = await reviews.issue_suggestion("issue-1", [corrected])

    assert [(c.text, c.source) for c in action.corrections] == [("The fee is 1%.", "feedback")]


async def labels(engine, clock, choice: int) -> dict[str, bool]:
    """Calibration's labels of support-bot's answers of the last day, measured on `choice`."""
    window = SampleWindow("support-bot", clock.now - timedelta(days=1), clock.now, 10, choice)
    found = ConfidenceSampleStore(engine).labelled_answers(window)
    return {answer.interaction_id: answer.bad async for batch in found for answer in batch}


@pytest.mark.parametrize("choice", [0, 1])
async def test_an_approved_pattern_outranks_end_users_on_the_measured_choice(engine, clock, reviews, choice):
    ids = await store_answers(engine, [0.4, 0.5], clock.now - timedelta(hours=1), n=2)
    await vote(engine, ids[0], choice=choice)
    await judged_as_pattern(reviews, ids, Outcome.APPROVE)

    assert await labels(engine, clock, choice) == {ids[0]: False, ids[1]: False}


@pytest.mark.parametrize("choice", [0, 1])
async def test_a_rejected_pattern_is_bad_on_the_measured_choice(engine, clock, reviews, choice):
    ids = await store_answers(engine, [0.4, 0.5], clock.now - timedelta(hours=1), n=2)
    await judged_as_pattern(reviews, ids, Outcome.REJECT)

    assert await labels(engine, clock, choice) == {ids[0]: True, ids[1]: True}
