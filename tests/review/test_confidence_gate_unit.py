"""The confidence gate on its own: compressed answers, a review queue that is down, the no-logprobs cases."""

from __future__ import annotations

import asyncio
import gzip
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import orjson
import pytest

from gateway.proxy.policy import PASS, Hold, PolicyAnswer, PolicyRequest, ReplaceAnswer, ReplaceBody
from gateway.review.gate import ConfidenceGate
from gateway.review.gate_rules import GateRule
from gateway.review.hold_cap import HoldCap

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def answer_json(logprob: float) -> dict[str, Any]:
    entries = [{"token": "hi", "logprob": logprob, "top_logprobs": []}] * 3
    message = {"role": "assistant", "content": "hi hi hi"}
    return {"id": "chatcmpl-1", "choices": [{"index": 0, "message": message, "logprobs": {"content": entries}}]}


class UnreachableReviews:
    """A review service whose store is down."""

    def __init__(self) -> None:
        self.calls = 0

    async def open_or_update(self, **_: Any) -> None:
        self.calls += 1
        raise ConnectionError("database unreachable")


class SlowReviews:
    """A review service whose store takes a moment to open each task, as a real database does."""

    def __init__(self) -> None:
        self.opened = 0

    async def open_or_update(self, **_: Any) -> Any:
        await asyncio.sleep(0.01)
        self.opened += 1
        task = SimpleNamespace(id=f"t-{self.opened}", reason="low confidence")
        return SimpleNamespace(task=SimpleNamespace(task=task, estimated_wait_minutes=1.0))


def gate(mode: str, reviews: Any, cap: HoldCap | None = None, fallback: Any = None) -> ConfidenceGate:
    cap = cap or HoldCap(0.2, 100)
    rules = {"bot": GateRule(0.7, mode)}  # type: ignore[arg-type]
    return ConfidenceGate(rules, reviews, cap, timedelta(minutes=5), fallback=fallback)


def request(
    json: dict[str, Any], headers: list[tuple[bytes, bytes]] | None = None, call_id: str = "i-1"
) -> PolicyRequest:
    return PolicyRequest(call_id, "bot", "chat.completions", json, None, None, headers or [])


async def test_a_compressed_answer_is_judged_and_goes_out_uncompressed_without_logprobs():
    policy = gate("audit", UnreachableReviews())
    call = request(CHAT)
    asked = await policy.before(call)
    assert isinstance(asked, ReplaceBody) and asked.json["logprobs"] is True
    call.json = asked.json
    body = gzip.compress(orjson.dumps(answer_json(-0.05)))

    result = await policy.after(call, PolicyAnswer(200, "application/json", body, False, "gzip"))

    assert isinstance(result, ReplaceAnswer)
    assert orjson.loads(result.body)["choices"][0]["logprobs"] is None
    assert result.note == {"confidence": 0.9512}


async def test_a_hold_the_review_queue_cannot_take_is_refused_with_a_retryable_503_under_the_refuse_fallback():
    # The operator chose "refuse": no risky answer goes out unreviewed, and a queue that is down is no
    # reviewer either. The answer used to go out (fail open) whatever the fallback.
    reviews = UnreachableReviews()
    policy = gate("hold", reviews, fallback="refuse")
    call = request(CHAT)
    call.json = (await policy.before(call)).json  # type: ignore[union-attr]

    result = await policy.after(call, PolicyAnswer(200, "application/json", orjson.dumps(answer_json(-2.0)), False))
    await policy.close()

    assert isinstance(result, Hold) and result.status == 503
    assert result.body["error"]["code"] == "review_unavailable"
    assert "hi hi hi" not in orjson.dumps(result.body).decode()
    assert (b"retry-after", b"5") in result.headers
    assert reviews.calls == 1  # no audit either: the answer never went out


async def test_a_gate_without_a_fallback_named_refuses_as_the_settings_default_does():
    policy = gate("hold", UnreachableReviews())

    result = await policy.after(
        request(CHAT), PolicyAnswer(200, "application/json", orjson.dumps(answer_json(-2.0)), False)
    )

    assert isinstance(result, Hold) and result.status == 503


async def test_a_hold_the_review_queue_cannot_take_releases_the_answer_under_the_release_fallback():
    reviews = UnreachableReviews()
    policy = gate("hold", reviews, fallback="release")
    call = request(CHAT)
    call.json = (await policy.before(call)).json  # type: ignore[union-attr]

    result = await policy.after(call, PolicyAnswer(200, "application/json", orjson.dumps(answer_json(-2.0)), False))
    await policy.close()

    assert not isinstance(result, Hold)
    assert isinstance(result, ReplaceAnswer) and orjson.loads(result.body)["choices"][0]["logprobs"] is None
    assert reviews.calls == 2  # the hold, then the audit it fell back to (both failed, both only logged)


async def test_risky_answers_arriving_together_are_held_only_up_to_the_cap():
    policy = gate("hold", SlowReviews(), HoldCap(0.2, 10))
    risky = PolicyAnswer(200, "application/json", orjson.dumps(answer_json(-2.0)), False)
    calls = [request(CHAT, call_id=f"i-{n}") for n in range(10)]

    results = await asyncio.gather(*(policy.after(call, risky) for call in calls))
    await policy.close()

    assert sum(isinstance(result, Hold) for result in results) == 2


async def test_a_hold_the_review_queue_could_not_take_gives_its_place_under_the_cap_back():
    cap = HoldCap(0.2, 10)
    policy = gate("hold", UnreachableReviews(), cap, fallback="release")

    await policy.after(request(CHAT), PolicyAnswer(200, "application/json", orjson.dumps(answer_json(-2.0)), False))
    await policy.close()

    assert cap.take("bot") and cap.take("bot") and not cap.take("bot")


async def test_a_client_that_asked_for_logprobs_gets_its_answer_untouched():
    policy = gate("audit", UnreachableReviews())
    call = request({**CHAT, "logprobs": True})

    assert await policy.before(call) is PASS
    body = orjson.dumps(answer_json(-0.05))
    assert await policy.after(call, PolicyAnswer(200, "application/json", body, False)) is None


async def test_streams_and_other_endpoints_get_no_logprobs_added():
    policy = gate("audit", UnreachableReviews())

    assert await policy.before(request({**CHAT, "stream": True})) is PASS
    assert not policy.applies_to("bot", "responses")
    assert not policy.applies_to("other-app", "chat.completions")


@pytest.mark.parametrize(
    ("value", "audited"), [(b"required", 1), (b"True", 1), (b"yes", 1), (b" 1 ", 1), (b"maybe", 0)]
)
async def test_the_review_flag_takes_the_ways_people_write_yes(value: bytes, audited: int):
    reviews = SlowReviews()
    policy = gate("audit", reviews)
    call = request(CHAT, headers=[(b"x-feedgate-review", value)])
    await policy.before(call)

    await policy.after(call, PolicyAnswer(200, "application/json", orjson.dumps(answer_json(-0.01)), False))
    await policy.close()

    assert reviews.opened == audited


class HangingReviews:
    """A review service whose store never answers (a database that hangs)."""

    def __init__(self) -> None:
        self.started = 0
        self.release = asyncio.Event()

    async def open_or_update(self, **_: Any) -> None:
        self.started += 1
        await self.release.wait()


async def test_audit_openings_waiting_on_a_hung_queue_are_bounded_and_the_answers_still_go_out():
    reviews = HangingReviews()
    policy = ConfidenceGate(
        {"bot": GateRule(0.7, "audit")}, reviews, HoldCap(0.2, 100), timedelta(minutes=5), max_audits=3
    )  # type: ignore[arg-type]
    risky = PolicyAnswer(200, "application/json", orjson.dumps(answer_json(-2.0)), False)

    results = [await policy.after(request({**CHAT, "logprobs": True}, call_id=f"i-{n}"), risky) for n in range(5)]
    await asyncio.sleep(0)

    assert results == [None] * 5  # every answer went out at once
    assert reviews.started == 3  # the rest were dropped (logged), not piled up in memory
    reviews.release.set()
    await policy.close()
