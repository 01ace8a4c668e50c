"""Attacks on the held calls' Idempotency-Key: one app's key neither blocks nor reads another app's held call.

Keys are the apps' own choice (two apps may well both send "retry-1", or one may send another's on
purpose): each is stored as the hash of its app and key, so only the same app's retry finds it.
"""

from __future__ import annotations

from datetime import timedelta

import orjson

# gates_closed: closes the gates made here too (each registered in MADE) before the database goes.
from test_held_idempotency_key import CHAT, KEY, MADE, SENT, gates_closed, held_call  # noqa: F401

from gateway.proxy.policy import Hold, PolicyRequest
from gateway.review.gate import ConfidenceGate
from gateway.review.gate_rules import GateRule
from gateway.review.held_keys import CLAIM_SCOPE, LEASE, SCOPE, held_key
from gateway.review.hold_cap import HoldCap
from gateway.store.idempotency import KeyClaim


def two_apps_gate(reviews) -> ConfidenceGate:
    rules = {"bot": GateRule(0.7, "hold"), "rival": GateRule(0.7, "hold")}  # type: ignore[arg-type]
    policy = ConfidenceGate(rules, reviews, HoldCap(1.0, 10), timedelta(minutes=30))
    MADE.append(policy)
    return policy


def call(interaction_id: str, app: str, key: tuple[bytes, bytes] = KEY) -> PolicyRequest:
    return PolicyRequest(interaction_id, app, "chat.completions", orjson.loads(SENT), None, None, [key], body=SENT)


async def test_another_apps_call_under_the_same_key_and_body_does_not_get_the_held_answer(reviews):
    policy = two_apps_gate(reviews)
    held = await held_call(policy, call("i-1", "bot"))

    rival = await policy.before(call("i-2", "rival"))

    assert isinstance(held, Hold) and held.status == 202
    assert not isinstance(rival, Hold)  # goes upstream: nothing of the bot's held call
    # It went on as a first call: held as its own task, not the bot's.
    own = await held_call(policy, call("i-3", "rival", (b"idempotency-key", b"rival-own-key")))
    assert own.body["task_id"] != held.body["task_id"]


async def test_another_apps_call_under_the_same_key_and_another_body_is_not_told_of_the_first(reviews):
    policy = two_apps_gate(reviews)
    held = await held_call(policy, call("i-1", "bot"))
    other = orjson.dumps({**CHAT, "temperature": 0})
    request = PolicyRequest("i-2", "rival", "chat.completions", orjson.loads(other), None, None, [KEY], body=other)

    answer = await policy.before(request)

    # Not 422 idempotency_key_reused, which would name the bot's task.
    assert not isinstance(answer, Hold)
    assert held.body["task_id"]


async def test_a_claim_under_way_blocks_only_its_own_apps_key(reviews):
    # The bot's call is upstream in another process: its claim is in the database.
    bot_key = held_key(call("i-1", "bot"))
    claim = KeyClaim(CLAIM_SCOPE, bot_key.stored, "i-1", {"request": bot_key.request})
    assert (await reviews.claim_call(claim, SCOPE, LEASE)).claimed
    policy = two_apps_gate(reviews)

    rival = await policy.before(call("i-2", "rival"))

    assert not isinstance(rival, Hold)  # goes upstream at once: no wait, no 409 idempotency_key_in_use


async def test_a_key_longer_than_255_characters_or_not_ascii_is_refused(reviews):
    policy = two_apps_gate(reviews)

    longest = await policy.before(call("i-1", "bot", (b"idempotency-key", b"k" * 255)))
    too_long = await policy.before(call("i-2", "bot", (b"idempotency-key", b"k" * 256)))
    not_ascii = await policy.before(call("i-3", "bot", (b"idempotency-key", "clé".encode())))
    control = await policy.before(call("i-4", "bot", (b"idempotency-key", b"a\x00b")))

    assert not isinstance(longest, Hold)
    assert [answer.status for answer in (too_long, not_ascii, control)] == [400, 400, 400]
