"""The retrain webhook's path and query (often its secret) are kept in the configuration only (both databases).

No trigger record, log line or recorded delivery error holds them: the record keeps the origin the
notice went to, which says where without letting a reader of the database post to the receiver.
"""

from __future__ import annotations

import logging

import pytest
from export_seed import give_feedback, store_chat
from test_retrain_webhook_signature import SECRET, Receiver

from gateway.export.retrain import RetrainTrigger
from gateway.store.retrain_triggers import RetrainTriggerStore

URL = "https://ml:hunter2pw@hooks.example.test:8443/services/T0/B0/XyzSecretPath?token=tok3n"
SECRET_PARTS = ("XyzSecretPath", "tok3n", "hunter2pw", "/services/")


def trigger(engine, receiver: Receiver) -> RetrainTrigger:
    return RetrainTrigger(
        RetrainTriggerStore(engine), threshold=1, webhook_url=URL, secret=SECRET, post=receiver, retry_delays=()
    )


async def one_example(engine) -> None:
    await give_feedback(engine, await store_chat(engine, "Question?"), correction="Answer.")


def holds_a_secret(value: object) -> bool:
    return any(part in str(value) for part in SECRET_PARTS)


async def test_the_trigger_record_keeps_the_webhooks_origin_alone(engine):
    await one_example(engine)

    fired = await trigger(engine, Receiver(204)).check()

    assert fired is not None
    [row] = await RetrainTriggerStore(engine).list()
    assert row["webhook_origin"] == "https://hooks.example.test:8443"
    assert not [value for value in [*row.values(), *fired.trigger.values()] if holds_a_secret(value)]


@pytest.mark.parametrize(
    "failure", [OSError(f"cannot reach {URL}"), ValueError("bad path /services/T0/B0/XyzSecretPath")]
)
async def test_a_failure_naming_the_url_is_recorded_and_logged_without_its_secret(engine, caplog, failure):
    # A client's error may quote the URL it was given (an invalid one, a proxy's refusal).
    await one_example(engine)
    caplog.set_level(logging.INFO, logger="feedgate.export")

    fired = await trigger(engine, Receiver(failure)).check()

    assert fired is not None and fired.error is not None
    [row] = await RetrainTriggerStore(engine).list()
    assert row["delivery_error"] and not holds_a_secret(row["delivery_error"])
    assert caplog.records and not [line for line in caplog.messages if holds_a_secret(line)]
