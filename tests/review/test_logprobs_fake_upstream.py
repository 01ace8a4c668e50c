"""The fake upstream's token log-probabilities, as the real openai SDK parses them."""

from __future__ import annotations

import math
from collections.abc import Iterator

import openai
import pytest

from gateway.demo.fake_upstream import RunningFakeUpstream

USER = [{"role": "user", "content": "hello there world"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}


@pytest.fixture
def client(fake_upstream: RunningFakeUpstream) -> Iterator[openai.OpenAI]:
    with openai.OpenAI(base_url=fake_upstream.url, api_key="sk-test", max_retries=0, timeout=5) as sdk:
        yield sdk


def test_chat_answer_has_no_logprobs_unless_asked(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER)

    assert completion.choices[0].logprobs is None


def test_chat_logprobs_cover_every_token_of_the_answer(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, logprobs=True, top_logprobs=2)

    logprobs = completion.choices[0].logprobs
    assert logprobs is not None and logprobs.refusal is None
    assert [t.token for t in logprobs.content] == ["Echo:", " hello", " there", " world"]
    assert bytes(logprobs.content[1].bytes) == b" hello"
    assert logprobs.content[0].logprob < 0
    assert [len(t.top_logprobs) for t in logprobs.content] == [2, 2, 2, 2]


def test_chat_logprobs_default_to_a_confident_model(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, logprobs=True)

    content = completion.choices[0].logprobs.content
    assert math.exp(sum(t.logprob for t in content) / len(content)) == pytest.approx(0.95)
    assert all(t.top_logprobs == [] for t in content)


def test_confidence_marker_sets_the_mean_token_probability(client: openai.OpenAI) -> None:
    messages = [{"role": "user", "content": "what is the fee? [confidence=0.3]"}]
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=messages, logprobs=True, top_logprobs=2)

    content = completion.choices[0].logprobs.content
    assert math.exp(sum(t.logprob for t in content) / len(content)) == pytest.approx(0.3)
    assert sum(math.exp(t.logprob) for t in content) / len(content) == pytest.approx(0.3, rel=0.01)
    assert min(t.logprob for t in content) < math.log(0.3) < max(t.logprob for t in content)


def test_top_logprobs_are_sorted_and_give_a_smaller_margin_when_unsure(client: openai.OpenAI) -> None:
    def first_margin(question: str) -> float:
        messages = [{"role": "user", "content": question}]
        completion = client.chat.completions.create(
            model="gpt-4o-mini", messages=messages, logprobs=True, top_logprobs=3
        )
        top = [t.logprob for t in completion.choices[0].logprobs.content[0].top_logprobs]
        assert top == sorted(top, reverse=True)
        return top[0] - top[1]

    assert first_margin("hi [confidence=0.5]") < first_margin("hi [confidence=0.9]")


def test_chat_stream_chunks_carry_the_logprobs_of_their_own_tokens(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True, logprobs=True, top_logprobs=2)
    )

    with_tokens = [c for c in chunks if c.choices[0].delta.content]
    assert all([t.token for t in c.choices[0].logprobs.content] == [c.choices[0].delta.content] for c in with_tokens)
    assert [len(c.choices[0].logprobs.content[0].top_logprobs) for c in with_tokens] == [2, 2, 2, 2]
    assert chunks[0].choices[0].logprobs is None and chunks[-1].choices[0].logprobs is None


def test_chat_stream_logprobs_equal_the_json_answers(client: openai.OpenAI) -> None:
    asked = {"model": "gpt-4o-mini", "messages": USER, "logprobs": True, "top_logprobs": 2}
    whole = client.chat.completions.create(**asked).choices[0].logprobs.content
    chunks = list(client.chat.completions.create(**asked, stream=True))

    streamed = [t for c in chunks if c.choices[0].logprobs for t in c.choices[0].logprobs.content]
    assert streamed == whole


def test_tool_call_answers_carry_no_logprobs(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, tools=[WEATHER_TOOL], logprobs=True)

    assert completion.choices[0].logprobs is None


def test_responses_logprobs_when_included(client: openai.OpenAI) -> None:
    response = client.responses.create(
        model="gpt-4o-mini", input="hi [confidence=0.6]", include=["message.output_text.logprobs"], top_logprobs=2
    )

    logprobs = response.output[0].content[0].logprobs
    assert [t.token for t in logprobs] == ["Echo:", " hi", " [confidence=0.6]"]
    assert math.exp(sum(t.logprob for t in logprobs) / 3) == pytest.approx(0.6)
    assert len(logprobs[0].top_logprobs) == 2


def test_responses_stream_deltas_carry_their_logprobs(client: openai.OpenAI) -> None:
    events = list(
        client.responses.create(model="gpt-4o-mini", input="hi", include=["message.output_text.logprobs"], stream=True)
    )

    deltas = [e for e in events if e.type == "response.output_text.delta"]
    assert [[t.token for t in e.logprobs] for e in deltas] == [["Echo:"], [" hi"]]
    assert len(events[-1].response.output[0].content[0].logprobs) == 2


def test_responses_have_empty_logprobs_unless_included(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-4o-mini", input="hi")

    assert response.output[0].content[0].logprobs == []
