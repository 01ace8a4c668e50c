"""The held-decision webhook's signature: timestamped (Standard Webhooks), so a captured notice cannot be replayed.

The old header (the body's HMAC alone, no time) is still sent for one release, so a receiver that
checks it keeps working while it moves to the new one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

import pytest

from gateway.review.decision_webhook import HeldDecisionWebhook
from tests.webhook_readme import readme_verifier

SECRET = b"hook-secret"
BODY = b'{"event":"feedgate.review.decided","task_id":"t-1"}'


class Receiver:
    """Records each delivery's headers; answers with the given statuses in turn."""

    def __init__(self, *statuses: int) -> None:
        self.statuses = list(statuses)
        self.headers: list[dict[str, str]] = []

    async def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.headers.append(dict(headers))
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        self.now += 7  # each delivery reads the clock once: a retry is signed later
        return self.now


def expected(message_id: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(SECRET, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


async def test_a_notice_carries_an_id_a_timestamp_and_a_signature_over_both_and_the_body():
    receiver = Receiver(204)
    webhook = HeldDecisionWebhook("http://app.invalid/hook", SECRET, post=receiver, clock=Clock(1_700_000_000))

    webhook.send("t-1", BODY)
    await webhook.settled()

    [headers] = receiver.headers
    assert headers["webhook-id"] == "t-1" and headers["webhook-timestamp"] == "1700000007"
    assert headers["webhook-signature"] == expected("t-1", "1700000007", BODY)
    # The old header, kept one release for receivers that check it: the body's HMAC alone.
    assert headers["x-feedgate-signature"] == hmac.new(SECRET, BODY, hashlib.sha256).hexdigest()


async def test_each_retry_is_signed_with_its_own_time_under_the_same_id():
    receiver = Receiver(503, 204)
    webhook = HeldDecisionWebhook(
        "http://app.invalid/hook", SECRET, post=receiver, clock=Clock(1_700_000_000), retry_delays=(0.01,)
    )

    webhook.send("t-1", BODY)
    await webhook.settled()

    first, second = receiver.headers
    assert first["webhook-id"] == second["webhook-id"] == "t-1"
    assert int(second["webhook-timestamp"]) > int(first["webhook-timestamp"])
    for headers in (first, second):
        assert headers["webhook-signature"] == expected("t-1", headers["webhook-timestamp"], BODY)


@pytest.fixture
async def delivered() -> tuple[dict[str, str], bytes]:
    receiver = Receiver(204)
    webhook = HeldDecisionWebhook("http://app.invalid/hook", SECRET, post=receiver)
    webhook.send("t-1", BODY)
    await webhook.settled()
    return receiver.headers[0], BODY


async def test_the_readmes_receiver_example_takes_a_fresh_notice(delivered):
    headers, body = delivered

    assert readme_verifier()(body, headers, SECRET)


async def test_the_readmes_receiver_example_refuses_a_replay_a_forgery_and_a_wrong_secret(delivered):
    verified = readme_verifier()
    headers, body = delivered
    stale = int(headers["webhook-timestamp"]) - 301
    replayed = {**headers, "webhook-timestamp": str(stale), "webhook-signature": expected("t-1", str(stale), body)}

    assert not verified(body, replayed, SECRET)  # signed right, but older than the tolerance
    assert not verified(body.replace(b"t-1", b"t-2"), headers, SECRET)
    assert not verified(body, {**headers, "webhook-id": "t-2"}, SECRET)
    assert not verified(body, headers, b"another-secret")
    assert not verified(body, {k: v for k, v in headers.items() if k != "webhook-timestamp"}, SECRET)
