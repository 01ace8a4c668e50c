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
def gateway(settings: Settings, start_gateway: Callable[..., Any]) -> Any:
    """A gateway that holds the answers of the app whose key is KEY."""
    app = CallerResolver(mode="passthrough", salt=SALT, lookup_gateway_key=_no_keys).fingerprint(KEY)
    gated = settings.model_copy(update={"key_salt": SALT, "review_gates": [ReviewGate(app=app, mode="hold")]})
    return start_gateway(gated)


@pytest.fixture
def client(gateway: Any) -> openai.OpenAI:
    """The SDK of the gated app."""
    return openai.OpenAI(base_url=gateway.url, api_key=KEY, max_retries=0)


def test_the_first_call_to_a_model_that_refuses_log_probabilities_gets_its_answer(client):
    answer = client.chat.completions.create(model="nologprobs-o3", messages=MESSAGES)

    assert answer.choices[0].message.content == "Echo: What is the fee?"


def test_the_refused_call_is_recorded_once_with_the_answer_and_what_the_gate_did(client, gateway):
    raw = client.chat.completions.with_raw_response.create(model="nologprobs-o3", messages=MESSAGES)

    stored = gateway.interaction(raw.headers["x-feedgate-interaction-id"])

    assert stored["status_code"] == 200
    assert "logprobs" not in stored["request"]
    assert {"policy": "confidence_gate", "action": "resend", "logprobs": "refused"} in stored["policies"]


def test_after_a_refusal_the_models_calls_go_out_without_log_probabilities(client, gateway):
    client.chat.completions.create(model="nologprobs-o3", messages=MESSAGES)

    raw = client.chat.completions.with_raw_response.create(model="nologprobs-o3", messages=MESSAGES)

    # Sent once, as the app sent it: no policy changed or resent it.
    assert gateway.interaction(raw.headers["x-feedgate-interaction-id"])["policies"] is None


def test_the_flag_holds_the_first_answer_of_a_model_that_refuses_log_probabilities(client):
    raw = client.chat.completions.with_raw_response.create(
        model="nologprobs-o3", messages=MESSAGES, extra_headers={"x-feedgate-review": "required"}
    )

    assert raw.status_code == 202
