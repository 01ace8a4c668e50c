"""The fake upstream honours a chat request's `n` and `response_format`, as OpenAI does, through the real SDK."""

from __future__ import annotations

import json

import openai
import pydantic
import pytest

from gateway.demo import payloads

USER = [{"role": "user", "content": "hello there world"}]
ANSWERS = ["Echo: hello there world", "Echo: hello there world (choice 1)", "Echo: hello there world (choice 2)"]
WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}},
}
TICKET_SCHEMA = {
    "type": "object",
    "properties": {
        "summary": {"type": "string"},
        "priority": {"type": "string", "enum": ["low", "high"]},
        "count": {"type": "integer"},
        "urgent": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "owner": {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]},
    },
    "required": ["summary", "priority", "count", "urgent", "tags", "owner"],
    "additionalProperties": False,
}


# -- n choices ----------------------------------------------------------------------------------


def test_n_choices_have_distinct_texts_and_indexes_in_order(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, n=3)

    assert [c.index for c in completion.choices] == [0, 1, 2]
    assert [c.message.content for c in completion.choices] == ANSWERS
    assert all(c.finish_reason == "stop" for c in completion.choices)


def test_n_choices_count_every_choices_tokens_in_the_usage(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, n=3)

    assert completion.usage is not None
    assert completion.usage.completion_tokens == 4 + 6 + 6
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + 16


def test_one_choice_asked_for_is_the_default_answer(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, n=1)

    assert [c.message.content for c in completion.choices] == ANSWERS[:1]


def test_n_choices_stream_one_choice_per_chunk_interleaved_by_index(client: openai.OpenAI) -> None:
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=USER, n=3, stream=True))

    assert all(len(c.choices) == 1 for c in chunks)
    indexes = [c.choices[0].index for c in chunks]
    assert indexes[:3] == [0, 1, 2]
    assert indexes[3:6] == [0, 1, 2]
    texts = ["".join(c.choices[0].delta.content or "" for c in chunks if c.choices[0].index == i) for i in range(3)]
    assert texts == ANSWERS
    assert [c.choices[0].delta.role for c in chunks[:3]] == ["assistant"] * 3
    finishes = {c.choices[0].index: c.choices[0].finish_reason for c in chunks if c.choices[0].finish_reason}
    assert finishes == {0: "stop", 1: "stop", 2: "stop"}


def test_n_choices_stream_accumulates_into_n_choices_with_the_sdk_helper(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(model="gpt-4o-mini", messages=USER, n=3) as stream:
        final = stream.get_final_completion()

    assert [c.message.content for c in final.choices] == ANSWERS


def test_n_choices_stream_ends_with_one_usage_chunk_for_them_all(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini", messages=USER, n=3, stream=True, stream_options={"include_usage": True}
        )
    )

    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 16


def test_n_tool_calls_differ_per_choice(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, tools=[WEATHER_TOOL], n=2)

    calls = [c.message.tool_calls[0] for c in completion.choices if c.message.tool_calls]
    assert [json.loads(call.function.arguments)["city"] for call in calls] == ANSWERS[:2]
    assert calls[0].id != calls[1].id
    assert [c.finish_reason for c in completion.choices] == ["tool_calls", "tool_calls"]


def test_n_streamed_tool_calls_reassemble_per_choice(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(model="gpt-4o-mini", messages=USER, tools=[WEATHER_TOOL], n=2) as stream:
        final = stream.get_final_completion()

    cities = [json.loads(c.message.tool_calls[0].function.arguments)["city"] for c in final.choices]
    assert cities == ANSWERS[:2]


def test_n_choices_each_carry_their_own_logprobs(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, n=2, logprobs=True)

    tokens = [[t.token for t in c.logprobs.content] for c in completion.choices if c.logprobs and c.logprobs.content]
    assert ["".join(t) for t in tokens] == ANSWERS[:2]


@pytest.mark.parametrize("n", [0, -1, "3", None])
def test_an_n_that_is_no_positive_integer_gets_one_choice(n: object) -> None:
    body = json.loads(payloads.chat_completions({"model": "m", "messages": USER, "n": n}))

    assert [c["message"]["content"] for c in body["choices"]] == ANSWERS[:1]


# -- JSON mode ----------------------------------------------------------------------------------


def test_json_object_mode_answers_a_json_object_holding_the_answer(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, response_format={"type": "json_object"}
    )

    assert json.loads(completion.choices[0].message.content or "") == {"answer": "Echo: hello there world"}


def test_json_object_mode_streams_the_object_across_several_chunks(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini", messages=USER, response_format={"type": "json_object"}, stream=True
        )
    )

    pieces = [c.choices[0].delta.content for c in chunks if c.choices[0].delta.content]
    assert len(pieces) > 2
    assert json.loads("".join(pieces)) == {"answer": "Echo: hello there world"}


def test_json_schema_mode_answers_an_object_of_the_schema(client: openai.OpenAI) -> None:
    response_format = {"type": "json_schema", "json_schema": {"name": "ticket", "schema": TICKET_SCHEMA}}
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, response_format=response_format)

    assert json.loads(completion.choices[0].message.content or "") == {
        "summary": "Echo: hello there world",
        "priority": "low",
        "count": 0,
        "urgent": False,
        "tags": [],
        "owner": {"name": "Echo: hello there world"},
    }


class Ticket(pydantic.BaseModel):
    summary: str
    priority: int
    labels: list[str]


def test_the_sdks_parse_helper_gets_an_instance_of_its_model(client: openai.OpenAI) -> None:
    completion = client.chat.completions.parse(model="gpt-4o-mini", messages=USER, response_format=Ticket)

    assert completion.choices[0].message.parsed == Ticket(summary="Echo: hello there world", priority=0, labels=[])


def test_json_mode_with_n_choices_answers_a_distinct_object_in_each(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, response_format={"type": "json_object"}, n=2
    )

    assert [json.loads(c.message.content or "") for c in completion.choices] == [{"answer": a} for a in ANSWERS[:2]]


def test_a_text_response_format_is_the_default_answer(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, response_format={"type": "text"})

    assert completion.choices[0].message.content == "Echo: hello there world"
