"""The less common call shapes an app sends, by the real openai SDK through a gateway on a real socket: the app
gets what the upstream sent, and the interaction (GET /api/interactions/{id}) holds the answer whole."""

from __future__ import annotations

import openai
import pytest

PROMPT = "Say hello there"


@pytest.fixture
def sdk(live_gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_gateway.url, api_key="sk-shapes", max_retries=0)


def test_a_streamed_legacy_completion_is_recorded_with_its_log_probabilities(sdk, live_gateway):
    whole = sdk.completions.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT, logprobs=2)
    raw = sdk.completions.with_raw_response.create(
        model="gpt-3.5-turbo-instruct", prompt=PROMPT, logprobs=2, stream=True
    )
    list(raw.parse())

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert whole.choices[0].logprobs is not None
    assert record["response"]["choices"][0]["logprobs"] == whole.choices[0].logprobs.model_dump()
