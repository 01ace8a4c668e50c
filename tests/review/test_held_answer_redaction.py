"""With redaction on, a held answer keeps its exact bytes while its hold runs, and is redacted in store once it is over.

The real confidence gate holds the answer on the review service (each database), the app polls
through HeldAnswers, and HeldAnswerRedaction does the redacting: after the poll that serves the
final answer, after a decision, or in its sweep (what a gateway process runs periodically). A
reviewer's correction is the app's answer: it gets the exact text, kept like the held bytes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import orjson
import pytest
from review_seed import Clock
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.privacy.redaction import redactor_for
from gateway.proxy.credentials import CallerResolver
from gateway.proxy.policy import Hold, PolicyAnswer, PolicyRequest
from gateway.review.gate import ConfidenceGate
from gateway.review.gate_rules import GateRule
from gateway.review.held_answer import HELD_KEY, sha256_hex
from gateway.review.held_poll import Fallback, HeldAnswers, PollAnswer
from gateway.review.held_redaction import HeldAnswerRedaction
from gateway.review.hold_cap import HoldCap
from gateway.review.levels import ServiceLevels
from gateway.review.records import Outcome, ReviewTaskDetail
from gateway.review.service import ReviewService
from gateway.store.held_answers import HeldAnswerStore
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.reviews import ReviewStore

KEY = "sk-held"
AUTH = f"Bearer {KEY}"
HOLD = timedelta(minutes=30)
SAID = "Write to alice@example.com or call +44 20 7946 0958."
REDACTED_SAID = "Write to [redacted:email] or call [redacted:phone]."


async def _no_keys(_: str) -> None:
    return None


RESOLVER = CallerResolver(mode="passthrough", salt="held-redaction-salt", lookup_gateway_key=_no_keys)
APP = RESOLVER.fingerprint(KEY)
REDACTOR = redactor_for(Settings(redaction=True))
assert REDACTOR is not None


@pytest.fixture
def reviews(engine: AsyncEngine, clock: Clock) -> ReviewService:
    """The review service as the gateway builds it with redaction on: what reviewers write is stored redacted."""
    levels = ServiceLevels.from_settings(Settings(review_second_opinion_share=0.0))
    return ReviewService(ReviewStore(engine), ReviewFigureStore(engine), levels, clock=clock, redactor=REDACTOR)


def answer_body(content: str) -> bytes:
    """A chat completion the gate finds unsure of itself (mean token log-probability -2)."""
    entries = [{"token": "w", "logprob": -2.0, "top_logprobs": []}] * 3
    message = {"role": "assistant", "content": content}
    choice = {"index": 0, "message": message, "logprobs": {"content": entries}, "finish_reason": "stop"}
    return orjson.dumps(
        {"id": "chatcmpl-held", "object": "chat.completion", "model": "gpt-4o-mini", "choices": [choice]}
    )


HELD = answer_body(SAID)


class Held:
    """The gate, the app's polls and the redaction, over one review service and clock."""

    def __init__(self, reviews: ReviewService, engine: AsyncEngine, clock: Clock, fallback: Fallback) -> None:
        self.reviews = reviews
        self.clock = clock
        self.gate = ConfidenceGate({APP: GateRule(0.7, "hold")}, reviews, HoldCap(1.0, 10), HOLD, clock=clock)
        self.redaction = HeldAnswerRedaction(HeldAnswerStore(engine), REDACTOR, fallback, clock=clock)
        reviews.add_decision_listener(self.redaction.on_decision)
        self.answers = HeldAnswers(reviews, RESOLVER, fallback, clock=clock, redaction=self.redaction)

    async def hold(self, body: bytes = HELD) -> str:
        """Have the gate hold `body`, as the proxy's call would; returns the task's id."""
        request = PolicyRequest("i-held", APP, "chat.completions", {"model": "gpt-4o-mini"}, None, None, [])
        held = await self.gate.after(request, PolicyAnswer(200, "application/json", body, False))
        assert isinstance(held, Hold)
        return str(held.body["task_id"])

    async def poll(self, task_id: str) -> PollAnswer:
        return await self.answers.poll(task_id, AUTH)

    async def stored(self, task_id: str) -> dict[str, Any]:
        """Each stored copy of the held answer: the task's evidence's and the "opened" event's."""
        detail = await self.reviews.get(task_id)
        opened = next(event for event in detail.events if event.kind == "opened")
        return {"evidence": detail.task.evidence[HELD_KEY], "opened": opened.detail["evidence"][HELD_KEY]}


def held_for(reviews: ReviewService, engine: AsyncEngine, clock: Clock, fallback: Fallback = "refuse") -> Held:
    return Held(reviews, engine, clock, fallback)


def content(body: str) -> str:
    return str(orjson.loads(body)["choices"][0]["message"]["content"])


async def test_an_approved_answer_is_redacted_in_store_once_the_app_has_it_keeping_its_hash(reviews, engine, clock):
    held = held_for(reviews, engine, clock)
    task_id = await held.hold()
    await reviews.decide(task_id, "alice", Outcome.APPROVE)

    served = await held.poll(task_id)

    assert served.status == 200 and served.body == HELD
    copies = await held.stored(task_id)
    for copy in copies.values():
        assert content(copy["body"]) == REDACTED_SAID
        assert copy["sha256"] == sha256_hex(HELD)
        assert copy["redacted"] == {"email": 1, "phone": 1}
    decided = next(event for event in (await reviews.get(task_id)).events if event.kind == "decided")
    assert decided.detail["held_answer_sha256"] == sha256_hex(HELD)


async def test_a_rejected_answer_is_redacted_in_store_at_the_decision(reviews, engine, clock):
    held = held_for(reviews, engine, clock)
    task_id = await held.hold()

    await reviews.decide(task_id, "alice", Outcome.REJECT, comment="wrong number")

    copies = await held.stored(task_id)
    assert [content(copy["body"]) for copy in copies.values()] == [REDACTED_SAID, REDACTED_SAID]


async def test_an_answer_nobody_decided_is_redacted_by_the_sweep_once_its_deadline_passed(reviews, engine, clock):
    held = held_for(reviews, engine, clock)
    task_id = await held.hold()
    clock.advance(minutes=31)

    # Another process (or this one after a restart): nothing but the store tells it about the task.
    redacted = await held_for(reviews, engine, clock).redaction.sweep()

    assert redacted == 1
    copies = await held.stored(task_id)
    assert [content(copy["body"]) for copy in copies.values()] == [REDACTED_SAID, REDACTED_SAID]
    assert all(copy["sha256"] == sha256_hex(HELD) for copy in copies.values())


async def test_during_the_hold_the_sweep_leaves_the_exact_answer_and_an_approval_releases_it(reviews, engine, clock):
    held = held_for(reviews, engine, clock)
    task_id = await held.hold()
    clock.advance(minutes=29)

    assert await held.redaction.sweep() == 0
    assert [copy["body"] for copy in (await held.stored(task_id)).values()] == [HELD.decode()] * 2
    await reviews.decide(task_id, "alice", Outcome.APPROVE)
    served = await held.poll(task_id)

    assert (served.status, served.body) == (200, HELD)


async def test_an_approval_the_app_has_not_collected_keeps_its_bytes_for_as_long_again_as_the_hold(
    reviews, engine, clock
):
    held = held_for(reviews, engine, clock)
    task_id = await held.hold()
    await reviews.decide(task_id, "alice", Outcome.APPROVE)
    clock.advance(minutes=59)

    assert await held.redaction.sweep() == 0
    late = await held.poll(task_id)

    assert (late.status, late.body) == (200, HELD)


async def test_an_approval_never_collected_is_redacted_by_the_sweep_after_as_long_again_as_the_hold(
    reviews, engine, clock
):
    held = held_for(reviews, engine, clock)
    task_id = await held.hold()
    await reviews.decide(task_id, "alice", Outcome.APPROVE)
    clock.advance(minutes=60)

    assert await held.redaction.sweep() == 1
    copies = await held.stored(task_id)
    assert [content(copy["body"]) for copy in copies.values()] == [REDACTED_SAID, REDACTED_SAID]


async def test_a_poll_after_the_redaction_gets_gone_with_the_same_outcome(reviews, engine, clock):
    held = held_for(reviews, engine, clock, fallback="release")
    task_id = await held.hold()
    clock.advance(minutes=31)
    first = await held.poll(task_id)

    again = await held.poll(task_id)

    assert (first.status, first.body) == (200, HELD)
    assert (again.status, again.headers["x-feedgate-review-outcome"]) == (410, "released_unreviewed")
    assert orjson.loads(again.body)["error"]["code"] == "held_answer_redacted"


CORRECTED = "Write to bob@example.com instead."
REDACTED_CORRECTED = "Write to [redacted:email] instead."


def decided_detail(detail: ReviewTaskDetail) -> dict[str, Any]:
    return dict(next(event.detail for event in detail.events if event.kind == "decided"))


async def test_the_app_gets_the_reviewers_exact_correction_while_the_decision_is_stored_redacted(
    reviews, engine, clock
):
    held = held_for(reviews, engine, clock)
    task_id = await held.hold()
    await reviews.decide(task_id, "alice", Outcome.CORRECT, correction=CORRECTED)
    stored = await reviews.get(task_id)
    # Until the app has its answer, the held bytes stay as held too.
    held_body = (await held.stored(task_id))["evidence"]["body"]

    corrected = await held.poll(task_id)

    assert corrected.status == 200 and content(corrected.body.decode()) == CORRECTED
    assert orjson.loads(corrected.body)["id"] == "chatcmpl-held"
    assert stored.decisions[0].correction == REDACTED_CORRECTED
    assert decided_detail(stored)["correction"] == REDACTED_CORRECTED
    assert content(held_body) == SAID


async def test_once_the_app_has_the_correction_its_exact_copy_goes_and_a_repeat_poll_is_410(reviews, engine, clock):
    held = held_for(reviews, engine, clock)
    task_id = await held.hold()
    await reviews.decide(task_id, "alice", Outcome.CORRECT, correction=CORRECTED)
    first = await held.poll(task_id)

    again = await held.poll(task_id)

    assert first.status == 200
    assert (again.status, again.headers["x-feedgate-review-outcome"]) == (410, "correct")
    assert orjson.loads(again.body)["error"]["code"] == "held_answer_redacted"
    decided = decided_detail(await reviews.get(task_id))
    assert (decided["correction"], decided["exact_correction"]) == (REDACTED_CORRECTED, None)
    assert [content(copy["body"]) for copy in (await held.stored(task_id)).values()] == [REDACTED_SAID] * 2


async def test_a_correction_never_collected_loses_its_exact_copy_after_as_long_again_as_the_hold(
    reviews, engine, clock
):
    held = held_for(reviews, engine, clock)
    task_id = await held.hold()
    await reviews.decide(task_id, "alice", Outcome.CORRECT, correction=CORRECTED)
    clock.advance(minutes=59)
    assert await held.redaction.sweep() == 0
    assert decided_detail(await reviews.get(task_id))["exact_correction"] == CORRECTED
    clock.advance(minutes=1)

    assert await held.redaction.sweep() == 1
    assert decided_detail(await reviews.get(task_id))["exact_correction"] is None


async def test_an_answer_no_rule_fires_on_keeps_its_exact_bytes_in_store_after_the_hold(reviews, engine, clock):
    held = held_for(reviews, engine, clock)
    plain = answer_body("The fee is 2%.")
    task_id = await held.hold(plain)
    await reviews.decide(task_id, "alice", Outcome.APPROVE)
    await held.poll(task_id)

    copies = (await held.stored(task_id)).values()

    assert [(copy["body"].encode(), copy["redacted"]) for copy in copies] == [(plain, {}), (plain, {})]


@pytest.mark.parametrize("fallback", ["refuse", "release"])
@pytest.mark.parametrize("said", ["The fee is 2%.", SAID])
async def test_a_repeat_poll_of_an_answer_served_is_410_whatever_the_answer_says(
    reviews, engine, clock, said, fallback
):
    # One rule for apps: the status never depends on whether a redaction rule fired on the answer.
    held = held_for(reviews, engine, clock, fallback=fallback)
    body = answer_body(said)
    task_id = await held.hold(body)
    if fallback == "refuse":
        await reviews.decide(task_id, "alice", Outcome.APPROVE)
    else:
        clock.advance(minutes=31)
    first = await held.poll(task_id)

    again = await held.poll(task_id)

    assert (first.status, first.body) == (200, body)
    outcome = "approve" if fallback == "refuse" else "released_unreviewed"
    assert (again.status, again.headers["x-feedgate-review-outcome"]) == (410, outcome)
    assert orjson.loads(again.body)["error"]["code"] == "held_answer_redacted"


@pytest.mark.parametrize("outcome", [Outcome.APPROVE, Outcome.REJECT])
async def test_a_redaction_is_recorded_once_in_the_tasks_events(reviews, engine, clock, outcome):
    held = held_for(reviews, engine, clock)
    task_id = await held.hold()
    await reviews.decide(task_id, "alice", outcome, comment="checked")
    await held.poll(task_id)
    clock.advance(hours=2)
    await held.redaction.sweep()
    await held_for(reviews, engine, clock).redaction.sweep()

    events = [event for event in (await reviews.get(task_id)).events if event.kind == "redacted"]

    assert len(events) == 1
    assert events[0].detail == {"held_answer_sha256": sha256_hex(HELD), "redacted": {"email": 1, "phone": 1}}
