"""Feedback on what a repeated held call got labels the first call's answer, the one the reviewer judged.

A held call sent again under its Idempotency-Key is answered from the first call's task, with no upstream
call; the repeat is recorded (its `x-request-id` names that record), but its answer is the first call's.
Its `x-feedgate-interaction-id` and feedback token named the repeat's own record, even beside a 202 body
naming the first call: an end user's correction sent with that token landed on the repeat, whose recorded
"answer" is the reviewer's correction, and the export wrote it as a second, contradicting example of the
conversation, the reviewer's words as the model's original answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import orjson
import pytest
from test_confidence_gate_e2e import ADMIN, KEY, LOW, SALT, app_of, decide, hold, sdk

from gateway.config import Settings
from gateway.config_entries import ReviewGate

RETRY = {"Idempotency-Key": "stainless-python-retry-0b1c2d3e"}


@pytest.fixture
def gateway(settings: Settings, start_gateway: Callable[..., Any]) -> Any:
    gate = ReviewGate(app=app_of(KEY), mode="hold")
    updated = {"key_salt": SALT, "review_gates": [gate], "review_second_opinion_share": 0.0}
    return start_gateway(settings.model_copy(update=updated))


def retry(gateway: Any) -> httpx.Response:
    body = {"model": "gpt-4o-mini", "messages": LOW}
    headers = {"authorization": f"Bearer {KEY}", **RETRY}
    return httpx.post(f"{gateway.origin}/v1/chat/completions", json=body, headers=headers)


def vote(gateway: Any, token: str, correction: str) -> httpx.Response:
    body = {"thumbs": "down", "correction": correction}
    return httpx.post(f"{gateway.origin}/v1/feedback", json=body, headers={"x-feedgate-feedback-token": token})


def test_a_pending_repeat_names_the_held_call_as_its_body_does(gateway):
    _, pending, _ = hold(sdk(gateway), LOW, extra_headers=RETRY)

    retried = retry(gateway)

    assert retried.status_code == 202 and retried.json()["interaction_id"] == pending["interaction_id"]
    assert retried.headers["x-feedgate-interaction-id"] == pending["interaction_id"]
    assert gateway.interaction(retried.headers["x-request-id"])["status_code"] == 202


def test_feedback_with_a_settled_repeats_token_labels_the_held_call(gateway):
    _, pending, _ = hold(sdk(gateway), LOW, extra_headers=RETRY)
    decide(gateway, pending["task_id"], "correct", correction="The fee is 1%.")
    retried = retry(gateway)

    voted = vote(gateway, retried.headers["x-feedgate-feedback-token"], "It is 2%.")

    assert retried.status_code == 200 and retried.headers["x-feedgate-interaction-id"] == pending["interaction_id"]
    assert voted.status_code == 201, voted.text
    assert voted.json()["interaction_id"] == pending["interaction_id"]


def test_the_export_keeps_the_reviewers_label_alone_for_a_repeated_held_call(gateway):
    _, pending, _ = hold(sdk(gateway), LOW, extra_headers=RETRY)
    decide(gateway, pending["task_id"], "correct", correction="The fee is 1%.")
    vote(gateway, retry(gateway).headers["x-feedgate-feedback-token"], "It is 2%.")
    gateway.flush()

    exported = httpx.get(f"{gateway.origin}/api/export", params={"format": "jsonl"}, headers=ADMIN)

    lines = [orjson.loads(line) for line in exported.content.splitlines()]
    assert [(line["source"], line["preferred"]) for line in lines] == [("human_review", "The fee is 1%.")]
