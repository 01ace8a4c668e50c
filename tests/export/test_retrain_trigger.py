"""The retrain trigger: fires once at each threshold, signed, received by a local HTTP server (both databases)."""

from __future__ import annotations

import asyncio

import pytest
from export_seed import give_feedback, review, review_service, store_chat
from webhook_receiver import SECRET, Receiver

from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.export.retrain import RetrainTrigger, retrain_trigger
from gateway.review.records import Outcome
from gateway.store.retrain_triggers import RetrainTriggerStore


def trigger_for(engine, receiver: Receiver, threshold: int = 3) -> RetrainTrigger:
    return RetrainTrigger(RetrainTriggerStore(engine), threshold=threshold, webhook_url=receiver.url, secret=SECRET)


async def corrected(engine, n: int) -> None:
    interaction = await store_chat(engine, f"Question {n}?")
    await give_feedback(engine, interaction, correction=f"Answer {n}.")


async def test_fires_once_at_the_threshold_and_again_only_after_the_next_n(engine, receiver):
    trigger = trigger_for(engine, receiver, threshold=3)
    reviews = review_service(engine)
    reviews.add_decision_listener(trigger.on_decision)

    await corrected(engine, 1)
    await corrected(engine, 2)
    assert await trigger.check() is None
    approved = await store_chat(engine, "Fine?", "Yes.")
    await review(reviews, [approved], Outcome.APPROVE)  # the third example: the listener checks
    await trigger.idle()

    (first,) = receiver.verified()
    assert (first["event"], first["new_examples"], first["total_examples"], first["threshold"]) == (
        "feedgate.retrain",
        3,
        3,
        3,
    )
    for _ in range(3):
        assert await trigger.check() is None  # nothing new: never again for the same examples
    await corrected(engine, 4)
    await corrected(engine, 5)
    assert await trigger.check() is None
    rejected = await store_chat(engine, "Wrong?", "Yes.")
    await review(reviews, [rejected], Outcome.REJECT)  # no example: still one short
    await trigger.idle()
    assert len(receiver.received) == 1
    await corrected(engine, 6)
    fired = await trigger.check()

    assert fired is not None and fired.status == 204
    assert [body["new_examples"] for body in receiver.verified()] == [3, 3]
    assert [body["total_examples"] for body in receiver.verified()] == [3, 6]
    recorded = await RetrainTriggerStore(engine).list()
    assert [(r["total_examples"], r["new_examples"], r["delivery_status"]) for r in recorded] == [
        (3, 3, 204),
        (6, 3, 204),
    ]
    assert recorded[0]["id"] == first["trigger_id"]


async def test_checks_at_the_same_time_fire_once(engine, receiver):
    trigger = trigger_for(engine, receiver, threshold=2)
    other_process = trigger_for(engine, receiver, threshold=2)
    for n in range(2):
        await corrected(engine, n)

    results = await asyncio.gather(*(t.check() for t in (trigger, other_process, trigger, other_process)))

    assert sum(result is not None for result in results) == 1
    assert len(receiver.verified()) == 1


async def test_an_unreachable_webhook_is_recorded_once_given_up_and_the_trigger_not_fired_again(engine):
    trigger = RetrainTrigger(
        RetrainTriggerStore(engine),
        threshold=1,
        webhook_url="http://127.0.0.1:9/nothing",
        secret=SECRET,
        retry_delays=(0.01,),
    )
    await corrected(engine, 1)

    fired = await trigger.check()

    assert fired is not None and fired.status is None and "ConnectError" in (fired.error or "")
    assert await trigger.check() is None
    (row,) = await RetrainTriggerStore(engine).list()
    assert row["delivery_error"] == fired.error and row["delivered_at"] is not None


def test_settings_build_the_trigger_only_with_a_url_and_a_secret(engine):
    assert retrain_trigger(Settings(), engine, {}) is None
    with_url = Settings(retrain_webhook_url="http://127.0.0.1:1/hook", retrain_webhook_secret_env="HOOK_SECRET")
    with pytest.raises(ConfigError, match="HOOK_SECRET"):
        retrain_trigger(with_url, engine, {})
    assert isinstance(retrain_trigger(with_url, engine, {"HOOK_SECRET": "s"}), RetrainTrigger)
    assert Settings().retrain_threshold == 500
