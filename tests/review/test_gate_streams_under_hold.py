"""Streams under a hold gate: refused before any upstream call when the hold could not be kept.

A stream's tokens reach the client as they arrive, before anyone could review them, so a gate that
holds risky answers cannot hold one: a stream that would have to be held gets 400 (not the silent
audit it used to get), saying to send it without `stream` or which setting lets it through.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest
from test_confidence_gate_e2e import HIGH, KEY, LOW, SALT, app_of, sdk, tasks, wait_for_tasks

from gateway.config import Settings
from gateway.config_entries import ReviewGate

FLAG = {"x-feedgate-review": "required"}


@pytest.fixture
def gated(settings: Settings, start_gateway: Callable[..., Any]) -> Callable[..., Any]:
    """Start a gateway gating KEY's app in `mode`, with setting overrides."""

    def start(mode: str, **overrides: Any) -> Any:
        gate = ReviewGate(app=app_of(KEY), mode=mode)  # type: ignore[arg-type]
        return start_gateway(settings.model_copy(update={"key_salt": SALT, "review_gates": [gate], **overrides}))

    return start


def stream_text(client: openai.OpenAI, messages: list[dict[str, str]], **extra: Any) -> str:
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=messages, stream=True, **extra)
    return "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)


def test_a_flagged_stream_under_hold_is_refused_before_the_upstream_is_called(gated, fake_upstream):
    gateway = gated("hold", review_gate_streams="audit")

    with pytest.raises(openai.BadRequestError) as refused:
        stream_text(sdk(gateway), HIGH, extra_headers=FLAG)

    assert refused.value.status_code == 400 and refused.value.code == "stream_not_reviewable"
    assert "without stream" in refused.value.message and "x-feedgate-review" in refused.value.message
    assert fake_upstream.app.requests == []
    assert tasks(gateway) == []


def test_every_stream_of_a_hold_app_is_refused_by_default_naming_the_setting(gated, fake_upstream):
    gateway = gated("hold")

    with pytest.raises(openai.BadRequestError) as refused:
        stream_text(sdk(gateway), HIGH)

    assert refused.value.code == "stream_not_reviewable"
    assert 'streams = "audit"' in refused.value.message and "without stream" in refused.value.message
    assert fake_upstream.app.requests == []
    record = gateway.interaction(refused.value.response.headers["x-feedgate-interaction-id"])
    assert record["status_code"] == 400


def test_a_hold_app_whose_gate_lets_streams_through_audits_a_risky_one(gated, fake_upstream):
    gateway = gated("hold", review_gate_streams="audit")
    client = sdk(gateway)

    text = stream_text(client, LOW, logprobs=True)

    assert text == "Echo: What is the fee? [confidence=0.3]"
    assert "logprobs" in fake_upstream.app.requests[0].json()  # the client's own: never added to a stream
    [task] = wait_for_tasks(gateway, 1)
    assert task["source"] == "confidence" and task["evidence"]["stream"] is True
    assert "held_answer" not in task["evidence"]


def test_a_gate_entry_overrides_the_stream_default(settings, start_gateway, fake_upstream):
    gate = ReviewGate(app=app_of(KEY), mode="hold", streams="audit")
    gateway = start_gateway(settings.model_copy(update={"key_salt": SALT, "review_gates": [gate]}))

    assert stream_text(sdk(gateway), HIGH).startswith("Echo:")


def test_under_audit_a_flagged_stream_goes_out_and_is_audited(gated, fake_upstream):
    gateway = gated("audit")

    text = stream_text(sdk(gateway), HIGH, extra_headers=FLAG)

    assert text == "Echo: What is the fee?"
    [task] = wait_for_tasks(gateway, 1)
    assert task["source"] == "flagged" and task["evidence"]["stream"] is True


def test_a_hold_app_without_streams_is_held_as_before(gated):
    gateway = gated("hold")

    raw = sdk(gateway).chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=HIGH, extra_headers=FLAG)

    assert raw.http_response.status_code == 202
