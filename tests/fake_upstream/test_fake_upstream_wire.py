"""The fake upstream speaks the OpenAI wire format well enough for the real openai SDK."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time

import httpx
import openai
import pytest

from gateway.demo.fake_upstream import RunningFakeUpstream, run_fake_upstream
from gateway.demo.payloads import fake_embedding

USER = [{"role": "user", "content": "hello there world"}]
WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "days": {"type": "integer"}}},
    },
}


# -- chat completions ---------------------------------------------------------------------------


def test_chat_completion_echoes_the_last_user_message(client: openai.OpenAI) -> None:
    messages = [{"role": "system", "content": "be brief"}, *USER]
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=messages)

    assert completion.id.startswith("chatcmpl-")
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content == "Echo: hello there world"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None
    assert (completion.usage.prompt_tokens, completion.usage.completion_tokens) == (5, 4)
    assert completion.usage.total_tokens == 9


def test_chat_stream_reassembles_into_the_answer(client: openai.OpenAI) -> None:
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True))

    assert chunks[0].choices[0].delta.role == "assistant"
    assert len(chunks) > 3
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Echo: hello there world"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert all(c.object == "chat.completion.chunk" and c.usage is None for c in chunks)


def test_chat_stream_ends_with_a_usage_chunk_when_asked(client: openai.OpenAI) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini", messages=USER, stream=True, stream_options={"include_usage": True}
        )
    )

    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None
    assert chunks[-1].usage.completion_tokens == 4


def test_chat_stream_is_sent_as_server_sent_events(upstream: RunningFakeUpstream) -> None:
    body = {"model": "gpt-4o-mini", "messages": USER, "stream": True}
    response = httpx.post(f"{upstream.url}/chat/completions", json=body)

    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.startswith("data: {")
    assert response.text.endswith("data: [DONE]\n\n")


def test_chat_stream_helper_accumulates_the_final_completion(client: openai.OpenAI) -> None:
    with client.chat.completions.stream(model="gpt-4o-mini", messages=USER) as stream:
        final = stream.get_final_completion()

    assert final.choices[0].message.content == "Echo: hello there world"


async def test_async_client_streams_a_chat_completion(async_client: openai.AsyncOpenAI) -> None:
    stream = await async_client.chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True)

    assert "".join([c.choices[0].delta.content or "" async for c in stream]) == "Echo: hello there world"


def test_chat_with_tools_answers_with_a_call_to_the_first_tool(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(model="gpt-4o-mini", messages=USER, tools=[WEATHER_TOOL])

    choice = completion.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    call = choice.message.tool_calls[0]
    assert call.id.startswith("call_") and call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {"city": "Echo: hello there world", "days": 0}


def test_chat_stream_with_tools_splits_the_arguments_across_chunks(client: openai.OpenAI) -> None:
    chunks = list(client.chat.completions.create(model="gpt-4o-mini", messages=USER, tools=[WEATHER_TOOL], stream=True))

    calls = [call for c in chunks for call in (c.choices[0].delta.tool_calls or [])]
    assert calls[0].index == 0 and calls[0].id and calls[0].function.name == "get_weather"
    assert len(calls) > 2
    arguments = "".join(call.function.arguments or "" for call in calls)
    assert json.loads(arguments) == {"city": "Echo: hello there world", "days": 0}
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


# -- completions, responses, embeddings, models, audio ------------------------------------------


def test_legacy_completion_echoes_the_prompt(client: openai.OpenAI) -> None:
    completion = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="say hi")

    assert completion.object == "text_completion"
    assert completion.choices[0].text == "Echo: say hi"
    assert completion.usage is not None and completion.usage.total_tokens == 5


def test_legacy_completion_streams_text_chunks(client: openai.OpenAI) -> None:
    chunks = list(client.completions.create(model="gpt-3.5-turbo-instruct", prompt="say hi", stream=True))

    assert "".join(c.choices[0].text for c in chunks) == "Echo: say hi"
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_responses_returns_a_completed_message(client: openai.OpenAI) -> None:
    response = client.responses.create(model="gpt-4o-mini", input="hello there")

    assert response.id.startswith("resp_") and response.status == "completed"
    assert response.output[0].type == "message" and response.output[0].id.startswith("msg_")
    assert response.output_text == "Echo: hello there"
    assert response.usage is not None
    assert (response.usage.input_tokens, response.usage.output_tokens, response.usage.total_tokens) == (2, 3, 5)


def test_responses_stream_emits_the_typed_events_in_order(client: openai.OpenAI) -> None:
    events = list(client.responses.create(model="gpt-4o-mini", input="hello there", stream=True))

    assert [e.type for e in events] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
        *["response.output_text.delta"] * 3,
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[-1].response.output_text == "Echo: hello there"


def test_responses_stream_helper_yields_deltas_and_the_final_response(client: openai.OpenAI) -> None:
    with client.responses.stream(model="gpt-4o-mini", input="hello there") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()

    assert "".join(deltas) == "Echo: hello there"
    assert final.output_text == "Echo: hello there"


async def test_async_client_creates_a_response(async_client: openai.AsyncOpenAI) -> None:
    response = await async_client.responses.create(model="gpt-4o-mini", input=[{"role": "user", "content": "hey"}])

    assert response.output_text == "Echo: hey"


def test_embeddings_answer_the_sdks_default_base64_request(
    client: openai.OpenAI, upstream: RunningFakeUpstream
) -> None:
    result = client.embeddings.create(model="text-embedding-3-small", input=["alpha", "beta"])

    assert upstream.app.requests[-1].json()["encoding_format"] == "base64"
    assert [d.embedding for d in result.data] == [fake_embedding("alpha"), fake_embedding("beta")]
    assert [d.index for d in result.data] == [0, 1]


def test_embeddings_as_floats_are_deterministic_vectors(client: openai.OpenAI) -> None:
    result = client.embeddings.create(model="text-embedding-3-small", input="alpha", encoding_format="float")

    assert result.data[0].embedding == fake_embedding("alpha")
    assert len(result.data[0].embedding) == 8


def test_models_are_listed(client: openai.OpenAI) -> None:
    assert "gpt-4o-mini" in [model.id for model in client.models.list()]


def test_transcription_reports_the_size_of_the_uploaded_file(
    client: openai.OpenAI, upstream: RunningFakeUpstream
) -> None:
    audio = os.urandom(1234)
    transcription = client.audio.transcriptions.create(file=("clip.wav", audio), model="whisper-1")

    assert transcription.text == "1234 bytes received"
    received = upstream.app.requests[-1]
    assert received.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert audio in received.body


# -- errors and faults --------------------------------------------------------------------------


def test_unknown_paths_get_an_openai_style_404(upstream: RunningFakeUpstream) -> None:
    response = httpx.post(f"{upstream.url}/nope", json={})

    assert response.status_code == 404
    assert response.json() == {
        "error": {
            "message": "Invalid URL (POST /v1/nope)",
            "type": "invalid_request_error",
            "param": None,
            "code": "not_found",
        }
    }


def test_every_response_carries_a_request_id(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=USER)

    assert raw.headers["x-request-id"].startswith("req_")


def test_echo_header_returns_the_request_headers_received(client: openai.OpenAI) -> None:
    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=USER, extra_headers={"x-fake-echo": "1", "x-app-user": "u-42"}
    )

    headers = json.loads(completion.choices[0].message.content)
    assert headers["x-app-user"] == "u-42"
    assert headers["authorization"] == "Bearer sk-test"


# -- recording and running ----------------------------------------------------------------------


def test_requests_records_exactly_what_arrived(upstream: RunningFakeUpstream) -> None:
    body = b'{"model": "gpt-4o-mini",  "messages": []}'
    httpx.post(f"{upstream.url}/chat/completions?trace=1", content=body, headers={"X-Custom": "yes"})

    [received] = upstream.app.requests
    assert (received.method, received.path, received.query_string) == ("POST", "/v1/chat/completions", "trace=1")
    assert received.headers["x-custom"] == "yes"
    assert received.body == body


async def test_runs_inside_an_async_test_and_refuses_connections_once_stopped() -> None:
    with run_fake_upstream() as running:
        async with openai.AsyncOpenAI(base_url=running.url, api_key="sk-test", max_retries=0) as sdk:
            models = await sdk.models.list()
    assert models.data

    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", running.port), timeout=1).close()


def test_runs_on_uvloop_and_httptools() -> None:
    with (
        run_fake_upstream(loop="uvloop", http="httptools") as running,
        openai.OpenAI(base_url=running.url, api_key="sk-test", max_retries=0) as sdk,
    ):
        chunks = list(sdk.chat.completions.create(model="gpt-4o-mini", messages=USER, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Echo: hello there world"


def test_module_runs_as_a_command() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-m", "gateway.demo.fake_upstream", "--port", str(port)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as process:
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    response = httpx.get(f"http://127.0.0.1:{port}/v1/models")
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline and process.poll() is None
                    time.sleep(0.05)
            assert response.json()["object"] == "list"
        finally:
            process.terminate()
