"""The retrain webhook is signed and retried as the held-decision webhook is (both databases).

Timestamped (Standard Webhooks), so a captured notice cannot be replayed; the old body-only header
is still sent for one release; a failure worth another try is retried, each try signed when sent.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from export_seed import give_feedback, store_chat

from gateway.export.retrain import RetrainTrigger
from gateway.store.retrain_triggers import RetrainTriggerStore
from tests.webhook_readme import readme_verifier

SECRET = b"retrain-secret"
DELAYS = (0.01, 0.02, 0.04, 0.08)


class Receiver:
    """Records each delivery (body, headers, when); answers with the given statuses in turn."""

    def __init__(self, *answers: int | Exception) -> None:
        self.answers = list(answers)
        self.deliveries: list[tuple[bytes, dict[str, str]]] = []
        self.at: list[float] = []
        self.called = asyncio.Event()

    async def __call__(self, url: str, body: bytes, headers: Mapping[str, str]) -> int:
        self.deliveries.append((body, dict(headers)))
        self.at.append(time.monotonic())
        self.called.set()
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Clock:
    """The trigger's clock: 7 s later at each reading (the trigger's record, each try, the delivery's record)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=7)
        return self.now


START = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)  # Unix time 1,700,000,000


def trigger(engine, receiver: Receiver, **options: object) -> RetrainTrigger:
    return RetrainTrigger(
        RetrainTriggerStore(engine),
        threshold=1,
        webhook_url="http://ml.invalid/hooks/retrain",
        secret=SECRET,
        post=receiver,
        **options,  # type: ignore[arg-type]
    )


async def one_example(engine) -> None:
    interaction = await store_chat(engine, "Question?")
    await give_feedback(engine, interaction, correction="Answer.")


def expected(message_id: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(SECRET, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


async def test_a_retrain_notice_carries_an_id_a_timestamp_and_a_signature_over_both_and_the_body(engine):
    receiver = Receiver(204)
    await one_example(engine)

    fired = await trigger(engine, receiver, clock=Clock(START)).check()

    assert fired is not None
    [(body, headers)] = receiver.deliveries
    # Signed when sent, after the trigger was recorded (at 1,700,000,007).
    assert headers["webhook-id"] == fired.trigger["id"] and headers["webhook-timestamp"] == "1700000014"
    assert headers["webhook-signature"] == expected(fired.trigger["id"], "1700000014", body)
    assert headers["content-type"] == "application/json"
    # The old header, kept one release for receivers that check it: the body's HMAC alone.
    assert headers["x-feedgate-signature"] == hmac.new(SECRET, body, hashlib.sha256).hexdigest()


async def test_the_readmes_receiver_example_takes_a_retrain_notice_and_refuses_its_replay(engine):
    receiver = Receiver(204)
    await one_example(engine)
    await trigger(engine, receiver).check()
    [(body, headers)] = receiver.deliveries
    verified = readme_verifier()
    stale = int(headers["webhook-timestamp"]) - 301
    replayed = {
        **headers,
        "webhook-timestamp": str(stale),
        "webhook-signature": expected(headers["webhook-id"], str(stale), body),
    }

    assert verified(body, headers, SECRET)
    assert not verified(body, replayed, SECRET)
    assert not verified(body, headers, b"another-secret")


async def test_a_failed_retrain_notice_is_retried_signed_anew_and_its_last_answer_recorded(engine):
    receiver = Receiver(ConnectionError("refused"), 503, 429, 204)
    await one_example(engine)

    fired = await trigger(engine, receiver, retry_delays=DELAYS, clock=Clock(START)).check()

    assert fired is not None and (fired.status, fired.error) == (204, None)
    assert len(receiver.deliveries) == 4 and len({body for body, _ in receiver.deliveries}) == 1
    stamps = [int(headers["webhook-timestamp"]) for _, headers in receiver.deliveries]
    assert stamps == sorted(set(stamps))  # each try signed at its own time, under the same id
    for body, headers in receiver.deliveries:
        assert headers["webhook-id"] == fired.trigger["id"]
        assert headers["webhook-signature"] == expected(fired.trigger["id"], headers["webhook-timestamp"], body)
    waits = [later - earlier for earlier, later in zip(receiver.at, receiver.at[1:], strict=False)]
    assert all(wait >= delay for wait, delay in zip(waits, DELAYS, strict=False))
    (row,) = await RetrainTriggerStore(engine).list()
    assert (row["delivery_status"], row["delivery_error"]) == (204, None)


async def test_a_retrain_notice_given_up_records_the_last_failure(engine):
    receiver = Receiver(503)
    await one_example(engine)

    fired = await trigger(engine, receiver, retry_delays=DELAYS).check()

    assert fired is not None and fired.status == 503
    assert len(receiver.deliveries) == len(DELAYS) + 1
    (row,) = await RetrainTriggerStore(engine).list()
    assert row["delivery_status"] == 503


async def test_a_refusal_by_the_receiver_is_not_sent_again(engine):
    receiver = Receiver(401)
    await one_example(engine)

    fired = await trigger(engine, receiver, retry_delays=DELAYS).check()

    assert fired is not None and fired.status == 401 and len(receiver.deliveries) == 1


async def test_closing_gives_up_a_retrain_notice_waiting_for_its_retry_and_records_it(engine):
    receiver = Receiver(503)
    await one_example(engine)
    retrain = trigger(engine, receiver, retry_delays=(30.0, 30.0))
    retrain.poke()
    await receiver.called.wait()

    started = time.monotonic()
    await retrain.close()

    assert time.monotonic() - started < 5 and len(receiver.deliveries) == 1
    (row,) = await RetrainTriggerStore(engine).list()
    assert row["delivery_status"] == 503 and row["delivered_at"] is not None
