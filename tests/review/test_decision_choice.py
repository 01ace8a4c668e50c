"""A reviewer's decision names the choice it judges, for an answer of `n` > 1 choices (both databases).

The decision stores it (0, the first choice, when none is named), the decided event tells it, and a
second reviewer who approves another choice than the first did disagrees with them.
"""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest
from choice_answers import store_answer_of_choices
from review_seed import store_interactions
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.review.errors import ChoiceRefused
from gateway.review.held_answer import HELD_KEY, held_evidence
from gateway.review.judged_choice import JudgedAnswers, judged_choice
from gateway.review.records import Outcome, Priority, Source, Status
from gateway.review.service import ReviewService

CHOICES = ["Fees are 2%.", "Fees are 1%.", "There is no fee."]


async def store_answer(engine: AsyncEngine, texts: list[str] = CHOICES) -> str:
    """One chat interaction whose answer holds a choice per text; returns its id."""
    return await store_answer_of_choices(engine, texts, "What is the fee?")


async def open_task(reviews: ReviewService, interaction_ids: list[str]) -> str:
    opened = await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="Which choice is right?",
        priority=Priority.MEDIUM,
        interaction_ids=interaction_ids,
    )
    assert opened is not None
    return opened.task.task.id


async def test_a_decision_keeps_the_choice_it_judged_and_its_event_tells_it(engine, reviews):
    task_id = await open_task(reviews, [await store_answer(engine)])

    detail = await reviews.decide(task_id, "alice", Outcome.APPROVE, choice=1)

    assert detail.task.status is Status.RESOLVED
    assert [d.choice for d in detail.decisions] == [1]
    assert detail.events[-1].detail["choice"] == 1
    assert [d.choice for d in (await reviews.get(task_id)).decisions] == [1]


async def test_a_decision_naming_no_choice_judges_the_first(engine, reviews):
    task_id = await open_task(reviews, [await store_answer(engine)])

    detail = await reviews.decide(task_id, "alice", Outcome.CORRECT, correction="No fee at all.")

    assert [d.choice for d in detail.decisions] == [0]
    assert detail.events[-1].detail["choice"] == 0


async def test_a_decision_on_an_answer_of_one_choice_says_no_choice_in_its_event(engine, reviews):
    [interaction_id] = await store_interactions(engine, 1)
    task_id = await open_task(reviews, [interaction_id])

    detail = await reviews.decide(task_id, "alice", Outcome.APPROVE)

    assert [d.choice for d in detail.decisions] == [0]
    assert "choice" not in detail.events[-1].detail


async def test_a_choice_the_answer_does_not_have_is_refused_and_nothing_is_decided(engine, reviews):
    task_id = await open_task(reviews, [await store_answer(engine)])

    with pytest.raises(ChoiceRefused) as refused:
        await reviews.decide(task_id, "alice", Outcome.APPROVE, choice=3)

    assert "3 choices (0 to 2)" in refused.value.message
    assert (await reviews.get(task_id)).task.status is Status.OPEN


async def test_any_choice_past_the_first_of_a_one_choice_answer_is_refused(engine, reviews):
    [interaction_id] = await store_interactions(engine, 1)
    task_id = await open_task(reviews, [interaction_id])

    with pytest.raises(ChoiceRefused) as refused:
        await reviews.decide(task_id, "alice", Outcome.APPROVE, choice=1)

    assert "1 choice (0)" in refused.value.message


async def test_a_choice_on_a_task_of_several_interactions_is_refused_saying_why(engine, reviews):
    task_id = await open_task(reviews, [await store_answer(engine), await store_answer(engine)])

    with pytest.raises(ChoiceRefused) as refused:
        await reviews.decide(task_id, "alice", Outcome.APPROVE, choice=0)

    assert "holds 2 interactions" in refused.value.message
    # Naming none, the task is judged as a pattern, as before.
    detail = await reviews.decide(task_id, "alice", Outcome.REJECT)
    assert detail.task.status is Status.RESOLVED
    assert "choice" not in detail.events[-1].detail


async def test_two_reviewers_approving_different_choices_disagree(engine, double_checked):
    task_id = await open_task(double_checked, [await store_answer(engine)])
    await double_checked.decide(task_id, "alice", Outcome.APPROVE, choice=1)

    second = await double_checked.decide(task_id, "bob", Outcome.APPROVE, choice=2)

    decided = second.events[-1].detail
    assert decided["agreed"] is False
    assert decided["first_decision"] == {"reviewer": "alice", "outcome": "approve", "choice": 1}
    assert second.task.status is Status.RESOLVED
    stats = await double_checked.stats(app="support-bot")
    assert (stats.agreement.pairs, stats.agreement.agreed) == (1, 0)


async def test_two_reviewers_approving_the_same_choice_agree(engine, double_checked):
    task_id = await open_task(double_checked, [await store_answer(engine)])
    await double_checked.decide(task_id, "alice", Outcome.APPROVE, choice=2)

    second = await double_checked.decide(task_id, "bob", Outcome.APPROVE, choice=2)

    assert second.events[-1].detail["agreed"] is True


def test_a_held_answer_not_stored_yet_is_judged_by_the_bytes_the_task_holds():
    body = orjson.dumps({"choices": [{"index": n, "message": {"content": text}} for n, text in enumerate(CHOICES)]})
    evidence = {HELD_KEY: held_evidence(body, datetime.now(UTC))}

    assert judged_choice(2, JudgedAnswers("t1", 1, None, stored=False, evidence=evidence)) == 2
    with pytest.raises(ChoiceRefused) as refused:
        judged_choice(1, JudgedAnswers("t1", 1, None, stored=False))
    assert "not stored yet" in refused.value.message
