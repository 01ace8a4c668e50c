"""A gated app calling a model that refuses log-probabilities (OpenAI's reasoning models do)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest

from gateway.config import Settings
from gateway.config_entries import ReviewGate
from gateway.proxy.credentials import CallerResolver

SALT = "gate-refusal-salt"
KEY = "sk-gated-reasoning"
MESSAGES = [{"role": "user", "content": "What is the fee?"}]


async def _no_keys(_: str) -> None:
    return None


@pytest.fixture
def client(settings: Settings, start_gateway: Callable[..., Any]) -> openai.OpenAI:
    """The SDK of an app the gate holds answers for."""
    app = CallerResolver(mode="passthrough", salt=SALT, lookup_gateway_key=_no_keys).fingerprint(KEY)
    gated = settings.model_copy(update={"key_salt": SALT, "review_gates": [ReviewGate(app=app, mode="hold")]})
    gateway = start_gateway(gated)
    return openai.OpenAI(base_url=gateway.url, api_key=KEY, max_retries=0)


def test_the_first_refusal_says_the_gate_asked_for_the_log_probabilities(client):
    with pytest.raises(openai.BadRequestError) as refused:
        client.chat.completions.create(model="nologprobs-o3", messages=MESSAGES)

    assert "not supported with this model" in refused.value.message
    assert "Feedgate's confidence gate asked for log-probabilities" in refused.value.message
    assert "send the request again" in refused.value.message


def test_after_a_refusal_the_models_calls_go_out_without_log_probabilities(client):
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="nologprobs-o3", messages=MESSAGES)

    answer = client.chat.completions.create(model="nologprobs-o3", messages=MESSAGES)

    assert answer.choices[0].message.content == "Echo: What is the fee?"


def test_the_flag_still_holds_an_answer_of_a_model_that_refuses_log_probabilities(client):
    with pytest.raises(openai.BadRequestError):
        client.chat.completions.create(model="nologprobs-o3", messages=MESSAGES)

    raw = client.chat.completions.with_raw_response.create(
        model="nologprobs-o3", messages=MESSAGES, extra_headers={"x-feedgate-review": "required"}
    )

    assert raw.status_code == 202
