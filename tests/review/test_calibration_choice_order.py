"""Calibration reads the choice the gate measures even when an upstream lists an answer's choices out of index order.

The gate measures the choice whose `index` is 0 (gateway.review.confidence); the calibration's SQL picked the
first element of `choices`. Listed in another order, the two measured different choices: an answer the gate
measured was left out as one without log-probabilities, and one it could not measure was counted as carrying
them. Both databases.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from calibration_seed import answer_with_confidence, store_answers
from sqlalchemy import Integer, literal, select

from gateway.review.calibration_report import CalibrationReports
from gateway.review.confidence import answer_token_logprobs, confidence_features
from gateway.store.choice_sql import choice_has_token_logprobs
from gateway.store.confidence_samples import ConfidenceSampleStore
from gateway.store.tables import interactions


async def stored_out_of_order(engine, clock, *, measured_has_logprobs: bool) -> dict[str, Any]:
    """One recorded answer of two choices listed as index 1, then index 0; only one of them carries log-probabilities
    (index 0's when `measured_has_logprobs`); returns the recorded answer."""
    answer = answer_with_confidence(0.4, n=2)
    first, second = answer["choices"]
    assert (first["index"], second["index"]) == (0, 1)
    (second if measured_has_logprobs else first)["logprobs"] = None
    answer["choices"] = [second, first]
    await store_answers(engine, [0.4], clock.now - timedelta(hours=1), n=2, listings=[answer["choices"]])
    return answer


async def calibrated(engine, clock) -> tuple[int, int]:
    """The report's answers measured, and how many chat answers it counts as carrying log-probabilities."""
    found = await CalibrationReports(ConfidenceSampleStore(engine), {}, clock=clock).report("support-bot")
    return found.report.answers, found.with_logprobs


async def test_an_answer_whose_measured_choice_is_listed_second_is_calibrated(engine, clock):
    answer = await stored_out_of_order(engine, clock, measured_has_logprobs=True)

    assert confidence_features(answer) is not None  # what the gate measures
    assert await calibrated(engine, clock) == (1, 1)


async def test_an_answer_whose_listed_first_choice_alone_has_log_probabilities_is_not_counted(engine, clock):
    answer = await stored_out_of_order(engine, clock, measured_has_logprobs=False)

    assert confidence_features(answer) is None  # the gate measures nothing here
    assert await calibrated(engine, clock) == (0, 0)


async def test_an_answer_listed_in_order_is_read_as_before(engine, clock):
    await store_answers(engine, [0.4], clock.now - timedelta(hours=1), n=2)

    assert await calibrated(engine, clock) == (1, 1)


def _logprobs(content: list[Any] | None = None) -> dict[str, Any]:
    return {"content": content if content is not None else [{"token": "x", "logprob": -0.1}], "refusal": None}


# Answers' `choices` as upstreams might list them; for each, whether the choice the gate measures has token logprobs.
SHAPES: dict[str, Any] = {
    "in order": [{"index": 0, "logprobs": _logprobs()}, {"index": 1, "logprobs": None}],
    "index 0 listed second": [{"index": 1, "logprobs": None}, {"index": 0, "logprobs": _logprobs()}],
    "index 0 listed second, without": [{"index": 1, "logprobs": _logprobs()}, {"index": 0, "logprobs": None}],
    "no index: the first listed": [{"logprobs": _logprobs()}, {"index": 1, "logprobs": None}],
    "a null index: the first listed": [{"index": None, "logprobs": _logprobs()}, {"index": 0, "logprobs": None}],
    "a string index: the first listed": [{"index": "0", "logprobs": _logprobs()}],
    "true is no index: the first listed": [{"index": True, "logprobs": _logprobs()}],
    "0.0 is index 0": [{"index": 1, "logprobs": None}, {"index": 0.0, "logprobs": _logprobs()}],
    "not an object first: listed first": ["stray", {"index": 0, "logprobs": _logprobs()}],
    "index 0 twice: the first listed": [{"index": 0, "logprobs": None}, {"index": 0, "logprobs": _logprobs()}],
    "an empty content list is none": [{"index": 0, "logprobs": _logprobs([])}],
    "a refusal's tokens": [{"index": 0, "logprobs": {"content": None, "refusal": [{"token": "no", "logprob": -1}]}}],
    "no choices": [],
    "choices not a list": {"0": {"index": 0, "logprobs": _logprobs()}},
}


def gate_sees_token_logprobs(choices: Any) -> bool:
    """Whether the gate finds token log-probabilities to measure (gateway.review.confidence.answer_token_logprobs, of
    the choice scored_choice picks): an empty list is none."""
    return answer_token_logprobs({"choices": choices}) is not None


async def test_the_sql_picks_the_choice_the_gate_measures_for_every_listing(engine, clock):
    ids = await store_answers(
        engine, [0.4] * len(SHAPES), clock.now - timedelta(hours=1), listings=list(SHAPES.values())
    )
    i = interactions.c
    async with engine.connect() as connection:
        query = select(i.id, choice_has_token_logprobs(i, literal(0, Integer))).where(i.id.in_(ids))
        found = {row[0]: row[1] for row in await connection.execute(query)}

    by_sql = {name: bool(found[interaction_id]) for name, interaction_id in zip(SHAPES, ids, strict=True)}
    assert by_sql == {name: gate_sees_token_logprobs(choices) for name, choices in SHAPES.items()}
    assert by_sql["index 0 listed second"] and not by_sql["index 0 listed second, without"]
    assert not by_sql["an empty content list is none"]
