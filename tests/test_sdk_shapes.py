"""The less common call shapes an app sends, by the real openai SDK through a gateway on a real socket: the app
gets what the upstream sent, and the interaction (GET /api/interactions/{id}) holds the answer whole."""

from __future__ import annotations

import json

import openai
import pydantic
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


# -- tool calls ---------------------------------------------------------------------------------

USER = [{"role": "user", "content": "weather and time in Paris"}]
CHAT_TOOLS = [
    {"type": "function", "function": {"name": name, "parameters": {"type": "object", "properties": {"city": {}}}}}
    for name in ("get_weather", "get_time")
]
WEATHER = {"type": "function", "name": "get_weather", "parameters": {"type": "object", "properties": {"city": {}}}}


def test_streamed_parallel_tool_calls_are_recorded_each_whole(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=USER, tools=CHAT_TOOLS, parallel_tool_calls=True, stream=True
    )
    calls: dict[int, dict] = {}
    for chunk in raw.parse():
        for piece in chunk.choices[0].delta.tool_calls or []:
            call = calls.setdefault(piece.index, {"id": piece.id, "name": "", "arguments": ""})
            call["name"] += piece.function.name or ""
            call["arguments"] += piece.function.arguments or ""

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    recorded = [{"id": c["id"], **c["function"]} for c in record["tool_calls"]]
    assert recorded == [calls[0], calls[1]]
    assert record["finish_reason"] == "tool_calls"


def test_the_follow_up_carrying_the_tool_results_is_recorded_with_them(sdk, live_gateway):
    first = sdk.chat.completions.create(model="gpt-4o-mini", messages=USER, tools=CHAT_TOOLS, parallel_tool_calls=True)
    message = first.choices[0].message
    results = [{"role": "tool", "tool_call_id": c.id, "content": "sunny"} for c in message.tool_calls or []]
    messages = [*USER, message.model_dump(exclude_none=True), *results]

    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=messages, tools=CHAT_TOOLS)

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["request"]["messages"] == messages
    assert record["response_text"] == raw.parse().choices[0].message.content
    assert record["tool_calls"] is None


def test_a_responses_function_call_is_recorded_as_its_tool_call(sdk, live_gateway):
    raw = sdk.responses.with_raw_response.create(model="gpt-4o-mini", input="weather in Paris", tools=[WEATHER])
    response = raw.parse()

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["tool_calls"] == [item.model_dump(exclude_none=True) for item in response.output]
    assert record["response_text"] is None
    assert record["finish_reason"] == "completed"


def test_a_streamed_responses_function_call_is_recorded_whole(sdk, live_gateway):
    raw = sdk.responses.with_raw_response.create(
        model="gpt-4o-mini", input="weather in Paris", tools=[WEATHER], stream=True
    )
    final = next(e for e in raw.parse() if e.type == "response.completed").response

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["tool_calls"] == [item.model_dump(exclude_none=True) for item in final.output]
    assert record["usage"]["completion_tokens"] == final.usage.output_tokens


def test_the_follow_up_response_names_its_previous_response_and_is_answered_in_text(sdk, live_gateway):
    first = sdk.responses.create(model="gpt-4o-mini", input="weather in Paris", tools=[WEATHER])
    call = first.output[0]
    result = {"type": "function_call_output", "call_id": getattr(call, "call_id", ""), "output": "sunny"}

    raw = sdk.responses.with_raw_response.create(
        model="gpt-4o-mini", input=[result], previous_response_id=first.id, tools=[WEATHER]
    )

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["request"]["previous_response_id"] == first.id
    assert record["request"]["input"] == [result]
    assert record["response_text"] == raw.parse().output_text


# -- structured outputs -------------------------------------------------------------------------


class Weather(pydantic.BaseModel):
    city: str
    degrees: int


def test_the_responses_parse_helper_works_through_the_gateway_and_the_json_is_recorded(sdk, live_gateway):
    raw = sdk.responses.with_raw_response.parse(model="gpt-4o-mini", input="weather in Paris", text_format=Weather)
    parsed = raw.parse()

    assert parsed.output_parsed == Weather(city="Echo: weather in Paris", degrees=0)
    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert json.loads(record["response_text"]) == parsed.output_parsed.model_dump()
    assert record["request"]["text"]["format"]["type"] == "json_schema"


def test_the_chat_stream_helper_parses_structured_output_through_the_gateway(sdk, live_gateway):
    with sdk.chat.completions.stream(model="gpt-4o-mini", messages=USER, response_format=Weather) as stream:
        final = stream.get_final_completion()

    assert final.choices[0].message.parsed == Weather(city="Echo: weather and time in Paris", degrees=0)
