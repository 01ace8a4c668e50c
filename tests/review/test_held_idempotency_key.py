"""An Idempotency-Key on a call the gate may hold: a retry answers the first call's held task.

A client that timed out while its answer was being held (the task being opened) and retried used to
get a second upstream call and a second held task, the first orphaned. Only calls that could be held
(mode hold, not a stream, with the header) look the key up; every other call pays nothing for it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.proxy.policy import Hold, PolicyAnswer, PolicyRequest, ReplaceBody
from gateway.review.gate import ConfidenceGate
from gateway.review.gate_rules import GateRule
from gateway.review.held_keys import CLAIM_SCOPE, LEASE, SCOPE, HeldKeys, held_key
from gateway.review.hold_cap import HoldCap
from gateway.review.service import ReviewService
from gateway.store.idempotency import KeyClaim
from gateway.store.tables import review_tasks

APP = "bot"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What is the fee?"}]}
SENT = orjson.dumps(CHAT)
KEY = (b"idempotency-key", b"stainless-python-retry-0f8e1c")


async def task_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(review_tasks))).scalar_one())


def risky(logprob: float = -2.0) -> PolicyAnswer:
    entries = [{"token": "1%", "logprob": logprob, "top_logprobs": []}] * 3
    message = {"role": "assistant", "content": "The fee is 1%."}
    answer = {"id": "chatcmpl-1", "choices": [{"index": 0, "message": message, "logprobs": {"content": entries}}]}
    return PolicyAnswer(200, "application/json", orjson.dumps(answer), False)


def sure() -> PolicyAnswer:
    """An answer the gate lets through: nothing is held."""
    return risky(logprob=-0.001)


class Counting:
    """The review service, counting key claims and openings, each opening taking `delay` seconds."""

    def __init__(self, reviews: ReviewService, delay: float = 0.0) -> None:
        self.reviews = reviews
        self.delay = delay
        self.lookups = 0
        self.openings = 0

    async def claim_call(self, *args: Any) -> Any:
        self.lookups += 1
        return await self.reviews.claim_call(*args)

    async def open_or_update(self, **fields: Any) -> Any:
        self.openings += 1
        await asyncio.sleep(self.delay)
        return await self.reviews.open_or_update(**fields)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.reviews, name)


# The gates a test made, closed when it ends (see `gates_closed`).
MADE: list[ConfidenceGate] = []


@pytest.fixture(autouse=True)
async def gates_closed(engine: AsyncEngine) -> AsyncIterator[None]:
    """Each gate a test made waits for its claims' releases before the test's database is disposed.

    A call whose `after` never ran releases its claim from a task of its own when the call's task ends
    (at the latest, the test's own): left running, it held a connection past the test's event loop.
    """
    yield
    while MADE:
        await MADE.pop().close()


def gate(reviews: Any, mode: str = "hold", wait_seconds: float | None = None) -> ConfidenceGate:
    """The gate of one gateway process: its own in-process state, the database shared."""
    rules = {APP: GateRule(0.7, mode)}  # type: ignore[arg-type]
    policy = ConfidenceGate(rules, reviews, HoldCap(1.0, 10), timedelta(minutes=30))
    if wait_seconds is not None:
        policy._keys = HeldKeys(reviews, policy._keys._answers, "/v1/reviews/", wait_seconds=wait_seconds)
    MADE.append(policy)
    return policy


def call(interaction_id: str, *, body: bytes = SENT, headers: list[tuple[bytes, bytes]] | None = None) -> PolicyRequest:
    return PolicyRequest(
        interaction_id,
        APP,
        "chat.completions",
        orjson.loads(body),
        None,
        None,
        [KEY] if headers is None else headers,
        body=body,
    )


async def held_call(policy: ConfidenceGate, request: PolicyRequest) -> Any:
    """One call through the gate as the proxy makes it: before, then (unless answered) after a risky answer."""
    decided = await policy.before(request)
    if isinstance(decided, Hold):
        return decided
    if isinstance(decided, ReplaceBody):
        request.json = decided.json
    return await policy.after(request, risky())


async def test_a_retry_after_the_hold_answers_the_same_task_without_an_upstream_call(reviews, engine):
    counting = Counting(reviews)
    policy = gate(counting)

    first = await held_call(policy, call("i-1"))
    retried = await policy.before(call("i-2"))

    assert isinstance(first, Hold) and first.status == 202
    assert isinstance(retried, Hold) and retried.status == 202  # answered in the upstream's place
    repeated = orjson.loads(retried.encoded())  # the task's pending body, as a poll reads it
    assert repeated["task_id"] == first.body["task_id"] and repeated["interaction_id"] == "i-1"
    assert dict(retried.headers)[b"location"] == dict(first.headers)[b"location"]
    assert dict(retried.headers)[b"x-feedgate-review-outcome"] == b"pending"
    assert retried.note is not None and retried.note["idempotency_key"] == "repeated"
    assert counting.openings == 1
    assert await task_count(engine) == 1


async def test_the_same_key_with_another_request_is_refused_and_nothing_is_sent(reviews):
    policy = gate(reviews)
    first = await held_call(policy, call("i-1"))
    other = orjson.dumps({**CHAT, "temperature": 0})

    refused = await policy.before(call("i-2", body=other))

    assert isinstance(refused, Hold) and refused.status == 422
    assert refused.body["error"]["code"] == "idempotency_key_reused"
    assert first.body["task_id"] in refused.body["error"]["message"]


async def test_a_retry_while_the_first_call_is_still_opening_its_task_waits_for_it(reviews):
    counting = Counting(reviews, delay=0.3)
    policy = gate(counting)

    first = asyncio.create_task(held_call(policy, call("i-1")))
    await asyncio.sleep(0.05)  # the first call is opening its task now
    retried = await policy.before(call("i-2"))

    assert isinstance(retried, Hold) and retried.status == 202
    assert retried.body["task_id"] == (await first).body["task_id"]
    assert counting.openings == 1


async def test_a_first_call_that_ended_without_an_answer_does_not_hold_up_its_retry(reviews):
    policy = gate(reviews)

    async def given_up() -> None:
        # The client left while the upstream was answering: the call ends, its `after` never runs.
        await policy.before(call("i-1"))

    await asyncio.create_task(given_up())
    retried = await asyncio.wait_for(policy.before(call("i-2")), 2)

    assert isinstance(retried, ReplaceBody)  # goes upstream: there is nothing held to answer with


async def test_a_retry_in_another_process_while_the_first_call_is_upstream_waits_for_its_task(reviews, engine):
    # `feedgate serve --workers 2`: the retry reached the other process while the first call was upstream.
    one, other = gate(reviews), gate(reviews)
    first_call = call("i-1")

    sent = await one.before(first_call)
    retry = asyncio.create_task(other.before(call("i-2")))
    await asyncio.sleep(0.3)  # the retry is waiting, not upstream
    assert isinstance(sent, ReplaceBody) and not retry.done()
    first_call.json = sent.json
    first = await one.after(first_call, risky())
    retried = await asyncio.wait_for(retry, 5)

    assert isinstance(retried, Hold) and retried.status == 202
    repeated = orjson.loads(retried.encoded())  # the task's pending body, as a poll reads it
    assert repeated["task_id"] == first.body["task_id"] and repeated["interaction_id"] == "i-1"
    assert await task_count(engine) == 1


async def test_a_retry_in_another_process_goes_upstream_once_the_first_call_ended_without_a_hold(reviews):
    one, other = gate(reviews), gate(reviews)
    first_call = call("i-1")
    sent = await one.before(first_call)
    retry = asyncio.create_task(other.before(call("i-2")))
    await asyncio.sleep(0.2)
    assert isinstance(sent, ReplaceBody)
    first_call.json = sent.json

    await one.after(first_call, sure())  # answered at once: nothing held, nothing to answer the retry with
    retried = await asyncio.wait_for(retry, 5)

    assert isinstance(retried, ReplaceBody)  # goes upstream itself


async def test_a_retry_in_another_process_goes_upstream_once_the_first_call_was_left_by_its_client(reviews):
    one, other = gate(reviews), gate(reviews)

    async def given_up() -> None:
        await one.before(call("i-1"))  # then the client left: `after` never runs

    await asyncio.create_task(given_up())
    retried = await asyncio.wait_for(other.before(call("i-2")), 5)

    assert isinstance(retried, ReplaceBody)


async def test_a_retry_in_another_process_waiting_past_its_wait_is_told_the_key_is_in_use(reviews):
    one, other = gate(reviews), gate(reviews, wait_seconds=0.3)
    assert isinstance(await one.before(call("i-1")), ReplaceBody)

    refused = await other.before(call("i-2"))

    assert isinstance(refused, Hold) and refused.status == 409
    assert refused.body["error"]["code"] == "idempotency_key_in_use"
    assert dict(refused.headers)[b"retry-after"] == b"1"


async def test_a_claim_left_by_a_process_that_died_is_taken_over_after_its_lease(reviews, clock):
    stored = held_key(call("i-1"))
    assert stored is not None
    # The process that claimed the key died while its call was upstream: nothing renews or drops the claim.
    left = KeyClaim(CLAIM_SCOPE, stored.stored, "i-1", {"request": stored.request})
    assert (await reviews.claim_call(left, SCOPE, LEASE)).claimed
    waiting = gate(reviews, wait_seconds=0.3)
    assert (await waiting.before(call("i-2"))).status == 409  # type: ignore[union-attr]

    clock.advance(seconds=LEASE.total_seconds() + 1)
    taken_over = await gate(reviews).before(call("i-3"))

    assert isinstance(taken_over, ReplaceBody)


async def test_two_calls_that_both_reached_the_opening_make_one_task(reviews, engine, clock):
    # The first call's claim lapsed while it was upstream (its renewals could not reach the database): the
    # retry took it over and went upstream too. The key is claimed again in the opening's own transaction,
    # so the second answers the first's task.
    one, other = gate(reviews), gate(reviews)
    first_call, second_call = call("i-1"), call("i-2")
    first_sent = await one.before(first_call)
    clock.advance(seconds=LEASE.total_seconds() + 1)
    second_sent = await other.before(second_call)
    assert isinstance(first_sent, ReplaceBody) and isinstance(second_sent, ReplaceBody)
    first_call.json, second_call.json = first_sent.json, second_sent.json

    first = await one.after(first_call, risky())
    second = await other.after(second_call, risky())

    assert isinstance(second, Hold) and second.status == 202
    assert orjson.loads(second.encoded())["task_id"] == orjson.loads(first.encoded())["task_id"]
    assert await task_count(engine) == 1


@pytest.mark.parametrize(
    ("mode", "json", "headers"),
    [
        ("hold", CHAT, []),  # no key
        ("audit", CHAT, [KEY]),  # never held
        ("hold", {**CHAT, "stream": True}, [KEY, (b"x-feedgate-review", b"required")]),  # refused, never held
    ],
)
async def test_calls_that_cannot_be_held_never_look_a_key_up(reviews, mode, json, headers):
    counting = Counting(reviews)
    policy = gate(counting, mode)

    await policy.before(call("i-1", body=orjson.dumps(json), headers=headers))

    assert counting.lookups == 0


async def test_a_key_that_cannot_be_one_is_refused_with_400(reviews):
    policy = gate(reviews)

    refused = await policy.before(call("i-1", headers=[(b"idempotency-key", b"has spaces in it")]))

    assert isinstance(refused, Hold) and refused.status == 400
    assert "Idempotency-Key" in refused.body["error"]["message"]
