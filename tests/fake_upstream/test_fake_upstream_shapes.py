"""The fake upstream answers the less common shapes as OpenAI does, through the real SDK: a legacy completion's
log-probabilities, the Responses API's function calls and structured text, and parallel tool calls."""

from __future__ import annotations

import openai
import pydantic

PROMPT = "Say hello there"
USER = [{"role": "user", "content": PROMPT}]
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


# -- the Responses API's function calls and structured text --------------------------------------

WEATHER = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {}}}}


def test_a_responses_call_with_a_function_tool_is_answered_with_a_call_to_it(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-4o-mini", input="weather in Paris", tools=[WEATHER])

    [call] = response.output
    assert call.type == "function_call"
    assert (call.name, call.arguments) == ("get_weather", '{"city":"Echo: weather in Paris"}')
    assert call.call_id.startswith("call_") and call.status == "completed"
    assert response.usage is not None and response.usage.output_tokens == 4  # words of the arguments, as for chat


def test_a_streamed_function_call_sends_its_arguments_in_pieces(client: openai.OpenAI) -> None:
    events = list(client.responses.create(model="gpt-4o-mini", input="weather in Paris", tools=[WEATHER], stream=True))

    deltas = [e.delta for e in events if e.type == "response.function_call_arguments.delta"]
    assert len(deltas) > 1
    assert "".join(deltas) == '{"city":"Echo: weather in Paris"}'
    assert [e.type for e in events][-3:] == [
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]


def test_the_input_ending_in_a_functions_output_is_answered_in_text(client: openai.OpenAI) -> None:
    first = client.responses.create(model="gpt-4o-mini", input="weather in Paris", tools=[WEATHER])
    call = first.output[0]
    assert call.type == "function_call"
    result = {"type": "function_call_output", "call_id": call.call_id, "output": "sunny"}

    response = client.responses.create(
        model="gpt-4o-mini", input=[result], previous_response_id=first.id, tools=[WEATHER]
    )

    assert response.output[0].type == "message"
    assert response.previous_response_id == first.id


def test_the_sdks_responses_parse_helper_gets_an_instance_of_its_model(client: openai.OpenAI) -> None:
    class Weather(pydantic.BaseModel):
        city: str
        degrees: int

    response = client.responses.parse(model="gpt-4o-mini", input="weather in Paris", text_format=Weather)

    assert response.output_parsed == Weather(city="Echo: weather in Paris", degrees=0)


# -- parallel tool calls ------------------------------------------------------------------------


def _tool(name: str) -> dict:
    return {"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": {}}}}


def test_parallel_tool_calls_call_every_tool_each_with_its_own_id(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, tools=[_tool("a"), _tool("b")], parallel_tool_calls=True
    )

    calls = completion.choices[0].message.tool_calls or []
    assert [c.function.name for c in calls] == ["a", "b"]
    assert calls[0].id != calls[1].id


def test_streamed_parallel_tool_calls_are_indexed_one_after_the_other(client: openai.OpenAI) -> None:
    tools = [_tool("a"), _tool("b")]
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini", messages=USER, tools=tools, parallel_tool_calls=True, stream=True
        )
    )

    indexes = [call.index for c in chunks for call in c.choices[0].delta.tool_calls or []]
    assert indexes == sorted(indexes) and set(indexes) == {0, 1}


def test_a_chat_ending_in_a_tool_result_is_answered_in_text(client: openai.OpenAI) -> None:
    first = client.chat.completions.create(model="gpt-4o-mini", messages=USER, tools=[_tool("a")])
    message = first.choices[0].message
    assert message.tool_calls
    result = {"role": "tool", "tool_call_id": message.tool_calls[0].id, "content": "sunny"}

    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=[*USER, message.model_dump(exclude_none=True), result], tools=[_tool("a")]
    )

    assert completion.choices[0].message.content == "Echo: Say hello there"
    assert completion.choices[0].finish_reason == "stop"
