"""The fake upstream answers the less common shapes as OpenAI does, through the real SDK: a legacy completion's
log-probabilities, the Responses API's function calls and structured text, and parallel tool calls."""

from __future__ import annotations

import openai

PROMPT = "Say hello there"
ANSWER = "Echo: Say hello there"


# -- legacy completions' log-probabilities ------------------------------------------------------


def test_a_legacy_completion_carries_the_log_probabilities_it_asked_for(client: openai.OpenAI) -> None:
    completion = client.completions.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT, logprobs=2)

    logprobs = completion.choices[0].logprobs
    assert logprobs is not None
    assert "".join(logprobs.tokens or []) == ANSWER
    assert len(logprobs.token_logprobs or []) == len(logprobs.tokens or [])
    assert all(len(top) == 2 for top in logprobs.top_logprobs or [])
    # Offsets count characters from the prompt's start: the answer follows the prompt.
    assert (logprobs.text_offset or [])[0] == len(PROMPT)


def test_a_legacy_completion_without_logprobs_carries_none(client: openai.OpenAI) -> None:
    completion = client.completions.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT)

    assert completion.choices[0].logprobs is None


def test_a_streamed_legacy_completion_carries_each_chunks_own_log_probabilities(client: openai.OpenAI) -> None:
    whole = client.completions.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT, logprobs=1)
    chunks = list(client.completions.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT, logprobs=1, stream=True))

    tokens = [t for c in chunks if c.choices[0].logprobs for t in c.choices[0].logprobs.tokens or []]
    values = [v for c in chunks if c.choices[0].logprobs for v in c.choices[0].logprobs.token_logprobs or []]
    assert whole.choices[0].logprobs is not None
    assert tokens == whole.choices[0].logprobs.tokens
    assert values == whole.choices[0].logprobs.token_logprobs
