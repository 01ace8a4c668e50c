"""Answers the review gate rewrites keep every number as the upstream sent it, integers beyond 64 bits included.

The gate takes out log-probabilities the client did not ask for, a held answer is released (approved)
or rewritten with a reviewer's correction, and with redaction on its stored copies are redacted: each
writes JSON back, and an integer such as a seed of 123456789012345678901234567890 must stay that
integer, never become 1.2345678901234568e+29 (orjson reads it as a float).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import orjson
from review_seed import Clock

from gateway.config import Settings
from gateway.privacy.redaction import redactor_for
from gateway.proxy.credentials import CallerResolver
from gateway.proxy.policy import Hold, PolicyAnswer, PolicyRequest, ReplaceAnswer, ReplaceBody
from gateway.review.gate import ConfidenceGate
from gateway.review.gate_rules import GateRule, Mode
from gateway.review.held_answer import corrected_completion, held_evidence
from gateway.review.held_poll import HeldAnswers, PollAnswer
from gateway.review.held_redaction import redacted_held
from gateway.review.hold_cap import HoldCap
from gateway.review.logprobs import strip_logprobs, strip_logprobs_sse, strip_responses_logprobs
from gateway.review.records import Outcome
from gateway.review.service import ReviewService

WIDE = 123456789012345678901234567890
NEGATIVE_WIDE = -(2**63) - 1
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def chat_completion(logprob: float = -0.05, content: str = "hi hi hi") -> bytes:
    """A chat completion carrying integers beyond 64 bits, and log-probabilities (written exactly by the stdlib)."""
    entries = [{"token": "hi", "logprob": logprob, "top_logprobs": []}] * 3
    message = {"role": "assistant", "content": content}
    choice = {"index": 0, "message": message, "logprobs": {"content": entries}, "finish_reason": "stop"}
    answer = {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "seed": WIDE,
        "order": NEGATIVE_WIDE,
        "choices": [choice],
    }
    return json.dumps(answer).encode()


def numbers(body: bytes | str) -> tuple[Any, Any]:
    """The answer's two wide integers, read exactly."""
    answer = json.loads(body)
    return answer["seed"], answer["order"]


class OpenedTask:
    """A review service that opens every task it is asked for (the gate's hold needs a task id)."""

    async def open_or_update(self, **_: Any) -> Any:
        task = SimpleNamespace(id="t-1", reason="Low confidence: 0.14")
        return SimpleNamespace(task=SimpleNamespace(task=task, estimated_wait_minutes=None))


def gate(mode: Mode, reviews: OpenedTask) -> ConfidenceGate:
    return ConfidenceGate({"bot": GateRule(0.7, mode)}, reviews, HoldCap(1.0, 10), timedelta(minutes=5))  # type: ignore[arg-type]


async def answered(policy: ConfidenceGate, body: bytes) -> Any:
    """What the gate does with `body`, the answer to a call it added log-probabilities to."""
    call = PolicyRequest("i-1", "bot", "chat.completions", dict(CHAT), None, None, [])
    asked = await policy.before(call)
    assert isinstance(asked, ReplaceBody)
    call.json = asked.json
    return await policy.after(call, PolicyAnswer(200, "application/json", body, False))


async def test_an_answer_stripped_of_added_logprobs_keeps_its_wide_integers():
    shown = await answered(gate("audit", OpenedTask()), chat_completion())

    assert isinstance(shown, ReplaceAnswer)
    assert numbers(shown.body) == (WIDE, NEGATIVE_WIDE)
    assert orjson.loads(shown.body)["choices"][0]["logprobs"] is None


KEY = "sk-held-numbers"


async def _no_keys(_: str) -> None:
    return None


RESOLVER = CallerResolver(mode="passthrough", salt="held-numbers-salt", lookup_gateway_key=_no_keys)
APP = RESOLVER.fingerprint(KEY)


async def held_then_polled(
    reviews: ReviewService, clock: Clock, outcome: Outcome, correction: str | None
) -> PollAnswer:
    """An unsure answer held by the real gate on the review service, decided, then polled by the waiting app."""
    policy = ConfidenceGate({APP: GateRule(0.7, "hold")}, reviews, HoldCap(1.0, 10), timedelta(minutes=30), clock=clock)
    call = PolicyRequest("i-held", APP, "chat.completions", dict(CHAT), None, None, [])
    asked = await policy.before(call)
    assert isinstance(asked, ReplaceBody)
    call.json = asked.json
    held = await policy.after(call, PolicyAnswer(200, "application/json", chat_completion(logprob=-2.0), False))
    assert isinstance(held, Hold)
    task_id = str(held.body["task_id"])
    await reviews.decide(task_id, "alice", outcome, correction=correction)
    return await HeldAnswers(reviews, RESOLVER, "refuse", clock=clock).poll(task_id, f"Bearer {KEY}")


async def test_an_approved_held_answer_is_released_with_its_wide_integers(reviews, clock):
    released = await held_then_polled(reviews, clock, Outcome.APPROVE, None)

    assert released.status == 200
    assert numbers(released.body) == (WIDE, NEGATIVE_WIDE)
    assert orjson.loads(released.body)["choices"][0]["logprobs"] is None


async def test_a_corrected_held_answer_is_released_with_its_wide_integers(reviews, clock):
    released = await held_then_polled(reviews, clock, Outcome.CORRECT, "The fee is 1%.")

    assert released.status == 200
    assert numbers(released.body) == (WIDE, NEGATIVE_WIDE)
    assert orjson.loads(released.body)["choices"][0]["message"]["content"] == "The fee is 1%."


def test_a_corrected_held_answer_keeps_its_wide_integers():
    corrected = corrected_completion(chat_completion(), "The fee is 1%.")

    assert numbers(corrected) == (WIDE, NEGATIVE_WIDE)
    assert orjson.loads(corrected)["choices"][0]["message"]["content"] == "The fee is 1%."


def test_a_redacted_held_answer_keeps_its_wide_integers():
    redactor = redactor_for(Settings(redaction=True))
    assert redactor is not None
    held = held_evidence(chat_completion(content="Write to alice@example.com"), datetime.now(UTC))

    redacted = redacted_held(held, redactor)

    assert redacted["redacted"] == {"email": 1}
    assert numbers(redacted["body"]) == (WIDE, NEGATIVE_WIDE)


def test_stripping_logprobs_from_a_chat_completion_keeps_its_wide_integers():
    assert numbers(strip_logprobs(chat_completion())) == (WIDE, NEGATIVE_WIDE)


def test_stripping_logprobs_from_chat_chunks_keeps_their_wide_integers():
    chunk = json.loads(chat_completion())
    event = b"data: " + json.dumps(chunk).encode() + b"\n\n"
    multi_line = b"event: chunk\ndata: " + json.dumps(chunk).encode() + b"\n\n"

    for stream in (event, multi_line):
        stripped = strip_logprobs_sse(stream)
        payload = stripped.split(b"data: ", 1)[1].strip()
        assert numbers(payload) == (WIDE, NEGATIVE_WIDE)


def test_stripping_logprobs_from_a_responses_object_keeps_its_wide_integers():
    part = {"type": "output_text", "text": "hi", "logprobs": [{"token": "hi", "logprob": -0.1}]}
    answer = {"id": "resp_1", "seed": WIDE, "order": NEGATIVE_WIDE, "output": [{"content": [part]}]}

    stripped = strip_responses_logprobs(json.dumps(answer).encode())

    assert numbers(stripped) == (WIDE, NEGATIVE_WIDE)
    assert json.loads(stripped)["output"][0]["content"][0]["logprobs"] == []


def test_a_float_as_large_is_left_a_float():
    # Read again exactly, 1e+30 is still a float: only integers are kept as integers.
    entries = [{"token": "hi", "logprob": -0.1, "top_logprobs": []}]
    choice = {"index": 0, "message": {"content": "hi"}, "logprobs": {"content": entries}}
    body = b'{"score":1e30,"choices":[' + json.dumps(choice).encode() + b"]}"

    assert json.loads(strip_logprobs(body))["score"] == 1e30
