"""A settled held call repeated under its Idempotency-Key is recorded as a repeat of the first call, not as an answer.

The repeat is answered from the first call's task with no upstream call. Its record held the decided completion
as if the model had answered it, upstream response id (`chatcmpl-…`) and all: feedback sent by that id (which apps
may use in place of the interaction id) landed on the repeat, the newest interaction carrying it, and the export
wrote a second, contradicting example of the conversation; and the review automation rate counted each settled
repeat as one more unreviewed answer. The repeat stays recorded, found by its x-request-id.
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

RETRY = {"Idempotency-Key": "stainless-python-retry-7a8b9c0d"}


@pytest.fixture
def gateway(settings: Settings, start_gateway: Callable[..., Any]) -> Any:
    gate = ReviewGate(app=app_of(KEY), mode="hold")
    updated = {"key_salt": SALT, "review_gates": [gate], "review_second_opinion_share": 0.0}
    return start_gateway(settings.model_copy(update=updated))


def settled_repeat(gateway: Any, outcome: str = "correct", **decision: Any) -> tuple[dict[str, Any], Any]:
    """A held call decided by a reviewer, then repeated under its key through the SDK: the first call's 202 body and
    the repeat's raw response."""
    client = sdk(gateway)
    _, pending, _ = hold(client, LOW, extra_headers=RETRY)
    decide(gateway, pending["task_id"], outcome, **decision)
    repeat = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=LOW, extra_headers=RETRY)
    return pending, repeat


def test_feedback_by_the_repeated_completions_id_labels_the_held_call(gateway):
    pending, repeat = settled_repeat(gateway, correction="The fee is 1%.")
    completion = repeat.parse()
    gateway.flush()  # the repeat's record stored, as it is by the time an end user reacts

    voted = httpx.post(
        f"{gateway.origin}/v1/feedback",
        json={"interaction_id": completion.id, "thumbs": "down", "correction": "It is 2%."},
        headers={"authorization": f"Bearer {KEY}"},
    )

    assert completion.id.startswith("chatcmpl-") and completion.choices[0].message.content == "The fee is 1%."
    assert voted.status_code == 201, voted.text
    assert voted.json()["interaction_id"] == pending["interaction_id"]


def test_the_export_keeps_the_reviewers_label_alone_after_feedback_by_the_completions_id(gateway):
    _, repeat = settled_repeat(gateway, correction="The fee is 1%.")
    body = {"interaction_id": repeat.parse().id, "thumbs": "down", "correction": "It is 2%."}
    httpx.post(f"{gateway.origin}/v1/feedback", json=body, headers={"authorization": f"Bearer {KEY}"})
    gateway.flush()

    exported = httpx.get(f"{gateway.origin}/api/export", params={"format": "jsonl"}, headers=ADMIN)

    lines = [orjson.loads(line) for line in exported.content.splitlines()]
    assert [(line["source"], line["preferred"]) for line in lines] == [("human_review", "The fee is 1%.")]


def test_the_automation_rate_counts_a_held_answer_once_however_often_it_is_repeated(gateway):
    client = sdk(gateway)
    _, pending, _ = hold(client, LOW, extra_headers=RETRY)
    decide(gateway, pending["task_id"], "approve")
    for _ in range(2):
        assert (
            client.chat.completions.with_raw_response.create(
                model="gpt-4o-mini", messages=LOW, extra_headers=RETRY
            ).http_response.status_code
            == 200
        )
    gateway.flush()

    stats = httpx.get(f"{gateway.origin}/api/reviews/stats", headers=ADMIN).json()

    assert stats["automation"] == {"answers": 1, "reviewed": 1, "rate": 0.0}


def test_the_repeat_is_recorded_as_a_repeat_of_the_held_call(gateway):
    pending, repeat = settled_repeat(gateway, correction="The fee is 1%.")

    record = gateway.interaction(repeat.headers["x-request-id"])

    assert record["id"] != pending["interaction_id"] and record["status_code"] == 200
    assert (record["upstream_response_id"], record["response"], record["response_text"]) == (None, None, None)
    assert pending["interaction_id"] in record["error"]
