"""The held-decision webhook's delivery: retried with backoff on failures worth retrying, bounded, stopped on shutdown."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping

import pytest

from gateway.review.decision_webhook import HeldDecisionWebhook

DELAYS = (0.01, 0.02, 0.04, 0.08)


class Receiver:
    """An app's webhook endpoint answering each delivery in turn (an int: that status; an exception: raised)."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.at: list[float] = []
        self.bodies: list[bytes] = []

    async def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.at.append(time.monotonic())
        self.bodies.append(body)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def hook(receiver: Receiver, **options: object) -> HeldDecisionWebhook:
    return HeldDecisionWebhook("http://app.invalid/hook", b"secret", post=receiver, retry_delays=DELAYS, **options)  # type: ignore[arg-type]


async def test_a_failed_delivery_is_retried_with_growing_waits_until_the_app_takes_it():
    receiver = Receiver(ConnectionError("refused"), 503, 429, 204)
    webhook = hook(receiver)

    webhook.send("t-1", b'{"task_id":"t-1"}')
    await webhook.settled()

    assert len(receiver.at) == 4 and len(set(receiver.bodies)) == 1  # the same signed body each time
    waits = [later - earlier for earlier, later in zip(receiver.at, receiver.at[1:], strict=False)]
    assert all(wait >= delay for wait, delay in zip(waits, DELAYS, strict=False))


async def test_a_delivery_is_given_up_after_its_last_retry():
    receiver = Receiver(500)
    webhook = hook(receiver)

    webhook.send("t-1", b"{}")
    await webhook.settled()

    assert len(receiver.at) == len(DELAYS) + 1


@pytest.mark.parametrize("status", [200, 204, 400, 401, 404, 410])
async def test_a_success_or_a_refusal_by_the_app_is_not_sent_again(status):
    receiver = Receiver(status)
    webhook = hook(receiver)

    webhook.send("t-1", b"{}")
    await webhook.settled()

    assert len(receiver.at) == 1


async def test_notices_beyond_the_bound_are_dropped_not_queued_without_end():
    gate = asyncio.Event()

    async def hanging(url: str, body: bytes, headers: Mapping[str, str]) -> int:
        await gate.wait()
        return 204

    webhook = HeldDecisionWebhook("http://app.invalid/hook", b"secret", post=hanging, max_pending=3)
    for n in range(5):
        webhook.send(f"t-{n}", b"{}")

    assert webhook.pending == 3
    gate.set()
    await webhook.settled()
    assert webhook.pending == 0


async def test_closing_gives_up_the_retries_still_waiting_at_once():
    receiver = Receiver(503)
    webhook = HeldDecisionWebhook("http://app.invalid/hook", b"secret", post=receiver, retry_delays=(30.0, 30.0))
    webhook.send("t-1", b"{}")
    await asyncio.sleep(0.05)

    started = time.monotonic()
    await webhook.close()

    assert time.monotonic() - started < 1 and len(receiver.at) == 1


async def test_a_delivery_given_up_is_logged_without_the_webhooks_secret_path(caplog: pytest.LogCaptureFixture):
    receiver = Receiver(500)
    webhook = HeldDecisionWebhook(
        "https://hooks.example.com/services/T0/B0/SECRETPATH",
        b"secret",
        post=receiver,  # type: ignore[arg-type]
        retry_delays=DELAYS,
    )

    webhook.send("t-1", b"{}")
    await webhook.settled()

    assert "given up" in caplog.text
    assert "https://hooks.example.com/…" in caplog.text and "SECRETPATH" not in caplog.text
