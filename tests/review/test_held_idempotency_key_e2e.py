"""An SDK retry of a held call under the same Idempotency-Key: the same held task, one upstream call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest
from test_confidence_gate_e2e import KEY, LOW, SALT, app_of, hold, sdk, tasks

from gateway.config import Settings
from gateway.config_entries import ReviewGate

RETRY = {"Idempotency-Key": "stainless-python-retry-5d7c0a1e"}


@pytest.fixture
def gateway(settings: Settings, start_gateway: Callable[..., Any]) -> Any:
    gate = ReviewGate(app=app_of(KEY), mode="hold")
    return start_gateway(settings.model_copy(update={"key_salt": SALT, "review_gates": [gate]}))


def test_a_retry_under_the_same_key_gets_the_same_held_task_without_a_second_upstream_call(gateway, fake_upstream):
    client = sdk(gateway)

    status, pending, headers = hold(client, LOW, extra_headers=RETRY)
    retry_status, retried, retry_headers = hold(client, LOW, extra_headers=RETRY)

    assert status == retry_status == 202
    assert retried == pending and retry_headers["location"] == headers["location"]
    assert len(fake_upstream.app.requests) == 1
    assert [task["id"] for task in tasks(gateway)] == [pending["task_id"]]
    record = gateway.interaction(retry_headers["x-feedgate-interaction-id"])
    assert record["status_code"] == 202


def test_another_request_under_a_used_key_is_refused(gateway, fake_upstream):
    client = sdk(gateway)
    hold(client, LOW, extra_headers=RETRY)

    with pytest.raises(openai.UnprocessableEntityError) as refused:
        hold(client, [{"role": "user", "content": "Another question [confidence=0.3]"}], extra_headers=RETRY)

    assert refused.value.code == "idempotency_key_reused"
    assert len(fake_upstream.app.requests) == 1


def test_held_calls_without_a_key_are_held_each_time(gateway, fake_upstream):
    client = sdk(gateway)

    first = hold(client, LOW)[1]["task_id"]
    second = hold(client, LOW)[1]["task_id"]

    assert first != second and len(fake_upstream.app.requests) == 2
