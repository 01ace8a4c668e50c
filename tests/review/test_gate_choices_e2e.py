"""The confidence gate on answers of `n` choices, end to end: the logprobs the gateway asked for are taken out of
every choice the app gets (docs/review.md: "each choice's `logprobs` back to `null`"), and the record keeps them all; a
stream goes as sent, and its record keeps each interleaved choice's own logprobs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import openai
import pytest

from gateway.config import Settings
from gateway.config_entries import ReviewGate
from gateway.proxy.credentials import CallerResolver

SALT = "gate-test-salt"
KEY = "sk-gated"
HIGH = [{"role": "user", "content": "What is the fee?"}]


async def _no_keys(_: str) -> None:
    return None


@pytest.fixture
def gateway(settings: Settings, start_gateway: Callable[..., Any]) -> Any:
    app = CallerResolver(mode="passthrough", salt=SALT, lookup_gateway_key=_no_keys).fingerprint(KEY)
    update = {"key_salt": SALT, "review_gates": [ReviewGate(app=app, mode="audit")], "review_second_opinion_share": 0.0}
    return start_gateway(settings.model_copy(update=update))


@pytest.fixture
def client(gateway: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=gateway.url, api_key=KEY, max_retries=0)


def test_every_choice_reaches_the_app_without_the_logprobs_it_did_not_ask_for(gateway, client):
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=HIGH, n=3)
    completion = raw.parse()

    assert [c.logprobs for c in completion.choices] == [None, None, None]
    assert len({c.message.content for c in completion.choices}) == 3
    record = gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert all(c["logprobs"]["content"] for c in record["response"]["choices"])


def test_a_stream_of_n_choices_is_sent_as_asked_and_each_choice_keeps_the_logprobs_the_client_asked_for(
    gateway, client, fake_upstream
):
    # The gate adds no logprobs to a stream (they could not be taken out of chunks already sent on).
    raw = client.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=HIGH, n=3, stream=True, logprobs=True
    )
    chunks = list(raw.parse())

    assert [request.json().get("logprobs") for request in fake_upstream.app.requests] == [True]
    tokens: list[list[str]] = [[], [], []]
    for chunk in chunks:
        choice = chunk.choices[0]
        tokens[choice.index] += [t.token for t in (choice.logprobs.content or [])] if choice.logprobs else []
    record = gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    stored = [[t["token"] for t in c["logprobs"]["content"]] for c in record["response"]["choices"]]
    assert stored == tokens
    assert ["".join(t) for t in stored] == [c["message"]["content"] for c in record["response"]["choices"]]
