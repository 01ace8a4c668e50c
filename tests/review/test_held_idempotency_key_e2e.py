"""An SDK retry of a held call under the same Idempotency-Key: the same held task, one upstream call."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import openai
import pytest
from test_confidence_gate_e2e import KEY, LOW, SALT, app_of, decide, hold, sdk, tasks

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
    # The repeat's own record is its x-request-id; its answer is the first call's (test_held_repeat_feedback_e2e).
    record = gateway.interaction(retry_headers["x-request-id"])
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


def poll(gateway: Any, task_id: str) -> httpx.Response:
    return httpx.get(f"{gateway.origin}/v1/reviews/{task_id}", headers={"authorization": f"Bearer {KEY}"})


def retry(gateway: Any) -> httpx.Response:
    body = {"model": "gpt-4o-mini", "messages": LOW}
    headers = {"authorization": f"Bearer {KEY}", **RETRY}
    return httpx.post(f"{gateway.origin}/v1/chat/completions", json=body, headers=headers)


def test_a_retry_after_an_approval_gets_the_approved_answer_as_the_poll_does(gateway, fake_upstream):
    # It answered 202 pending_review: a client retrying after the decision was told to wait for what was settled.
    _, pending, _ = hold(sdk(gateway), LOW, extra_headers=RETRY)
    decide(gateway, pending["task_id"], "approve")

    retried = retry(gateway)
    polled = poll(gateway, pending["task_id"])

    assert (retried.status_code, polled.status_code) == (200, 200)
    assert retried.content == polled.content
    assert retried.headers["x-feedgate-review-outcome"] == polled.headers["x-feedgate-review-outcome"] == "approve"
    assert len(fake_upstream.app.requests) == 1


def test_a_retry_after_a_rejection_gets_the_refusal_as_the_poll_does(gateway, fake_upstream):
    _, pending, _ = hold(sdk(gateway), LOW, extra_headers=RETRY)
    decide(gateway, pending["task_id"], "reject", comment="made up a fee")

    retried = retry(gateway)
    polled = poll(gateway, pending["task_id"])

    assert (retried.status_code, polled.status_code) == (422, 422)
    assert retried.json() == polled.json()
    assert retried.json()["error"]["code"] == "answer_rejected"
    assert retried.headers["x-feedgate-review-outcome"] == "reject"
    assert len(fake_upstream.app.requests) == 1
