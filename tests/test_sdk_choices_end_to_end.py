"""`n` choices and JSON mode through a gateway on a real socket, with the real openai SDK and the fake upstream.

docs/recording.md (What is recorded): with `n` > 1 the stored response keeps every choice, while the answer's text, tool
calls and finish reason are the first choice's. A JSON-mode answer is text like any other: stored and
forwarded as the upstream sent it.
"""

from __future__ import annotations

import json

import openai
import orjson
import pydantic
import pytest

MESSAGES = [{"role": "user", "content": "Où est ma carte ? ☕"}]
QUESTION = "Echo: Où est ma carte ? ☕"
ANSWERS = [QUESTION, f"{QUESTION} (choice 1)", f"{QUESTION} (choice 2)"]
PROMPT = "Où est ma carte ? ☕"
PROMPT_ANSWERS = [f"Echo: {PROMPT}", f"Echo: {PROMPT} (choice 1)", f"Echo: {PROMPT} (choice 2)"]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "find_card",
            "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
        },
    }
]


@pytest.fixture
def sdk(live_gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_gateway.url, api_key="sk-e2e", max_retries=0)


def stored_texts(record: dict) -> list[str | None]:
    return [choice["message"]["content"] for choice in record["response"]["choices"]]


# -- n choices ----------------------------------------------------------------------------------


def test_n_choices_reach_the_app_untouched_and_are_all_stored(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES, n=3)
    completion = raw.parse()

    assert [(c.index, c.message.content) for c in completion.choices] == list(enumerate(ANSWERS))
    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["response"] == orjson.loads(raw.http_response.content)
    assert stored_texts(record) == ANSWERS


def test_n_choices_record_the_first_choice_as_the_answer(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES, n=3)
    raw.parse()

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert (record["response_text"], record["finish_reason"]) == (ANSWERS[0], "stop")


def test_n_streamed_choices_reach_the_app_interleaved_as_sent(sdk, live_gateway):
    chunks = list(sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, n=3, stream=True))

    indexes = [c.choices[0].index for c in chunks]
    assert indexes[:6] == [0, 1, 2, 0, 1, 2]
    texts = ["".join(c.choices[0].delta.content or "" for c in chunks if c.choices[0].index == i) for i in range(3)]
    assert texts == ANSWERS


def test_n_streamed_choices_are_all_stored_reassembled(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, n=3, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(raw.parse())

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["stream"] is True
    assert stored_texts(record) == ANSWERS
    assert [c["index"] for c in record["response"]["choices"]] == [0, 1, 2]
    assert [c["finish_reason"] for c in record["response"]["choices"]] == ["stop"] * 3
    assert (record["response_text"], record["finish_reason"]) == (ANSWERS[0], "stop")
    assert record["usage"] == chunks[-1].usage.model_dump(exclude_none=True)


def test_n_streamed_tool_calls_are_all_stored(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS, n=2, stream=True
    )
    list(raw.parse())

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    stored = [c["message"]["tool_calls"][0]["function"] for c in record["response"]["choices"]]
    assert [json.loads(call["arguments"]) for call in stored] == [{"query": a} for a in ANSWERS[:2]]
    assert record["tool_calls"][0]["function"] == stored[0]


def test_n_legacy_completions_reach_the_app_and_are_all_stored(sdk, live_gateway):
    raw = sdk.completions.with_raw_response.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT, n=3)
    completion = raw.parse()

    assert [(c.index, c.text) for c in completion.choices] == list(enumerate(PROMPT_ANSWERS))
    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert [c["text"] for c in record["response"]["choices"]] == PROMPT_ANSWERS
    assert record["response_text"] == PROMPT_ANSWERS[0]


def test_n_streamed_legacy_completions_reach_the_app_interleaved_and_are_all_stored(sdk, live_gateway):
    raw = sdk.completions.with_raw_response.create(model="gpt-3.5-turbo-instruct", prompt=PROMPT, n=3, stream=True)
    chunks = list(raw.parse())

    assert [c.choices[0].index for c in chunks[:6]] == [0, 1, 2, 0, 1, 2]
    texts = ["".join(c.choices[0].text for c in chunks if c.choices[0].index == i) for i in range(3)]
    assert texts == PROMPT_ANSWERS
    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert [c["text"] for c in record["response"]["choices"]] == PROMPT_ANSWERS


# -- JSON mode ----------------------------------------------------------------------------------


def test_a_json_mode_answer_reaches_the_app_and_is_stored_byte_for_byte(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, response_format={"type": "json_object"}
    )
    content = raw.parse().choices[0].message.content

    assert content == json.dumps({"answer": QUESTION}, ensure_ascii=False)
    assert orjson.dumps(content) in raw.http_response.content
    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["response_text"] == content
    assert stored_texts(record) == [content]


def test_a_streamed_json_mode_answer_is_stored_as_the_app_reassembles_it(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, response_format={"type": "json_object"}, stream=True
    )
    content = "".join(c.choices[0].delta.content or "" for c in raw.parse())

    assert json.loads(content) == {"answer": QUESTION}
    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["response_text"] == content


class CardAnswer(pydantic.BaseModel):
    reply: str
    found: bool


def test_a_structured_answer_parses_in_the_app_and_is_stored_as_sent(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.parse(
        model="gpt-4o-mini", messages=MESSAGES, response_format=CardAnswer
    )
    message = raw.parse().choices[0].message

    assert message.parsed == CardAnswer(reply=QUESTION, found=False)
    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["response_text"] == message.content
    assert record["request"]["response_format"]["type"] == "json_schema"
