"""The fake upstream's fault models (error, gated, reset, slow, hang, stall), as the proxy's fault tests use them."""

from __future__ import annotations

import time

import httpx
import openai
import pytest

from gateway.demo.fake_upstream import RunningFakeUpstream

USER = [{"role": "user", "content": "hello there world"}]


def test_error_429_model_raises_rate_limit_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(model="error-429", messages=USER)

    assert raised.value.status_code == 429
    assert raised.value.code == "rate_limit_exceeded"
    assert raised.value.request_id and raised.value.request_id.startswith("req_")


def test_error_500_model_raises_internal_server_error(client: openai.OpenAI) -> None:
    with pytest.raises(openai.InternalServerError) as raised:
        client.responses.create(model="error-500", input="hi")

    assert raised.value.type == "server_error"


def test_gated_stream_sends_its_first_chunks_and_holds_the_rest_until_released(
    upstream: RunningFakeUpstream,
) -> None:
    with openai.OpenAI(base_url=upstream.url, api_key="sk-test", max_retries=0, timeout=0.3) as impatient:
        stream = iter(impatient.chat.completions.create(model="gated", messages=USER, stream=True))

        assert next(stream).choices[0].delta.role == "assistant"
        assert next(stream).choices[0].delta.content == "Echo:"
        with pytest.raises(openai.APITimeoutError):
            next(stream)


def test_gated_stream_finishes_after_release(client: openai.OpenAI, upstream: RunningFakeUpstream) -> None:
    stream = iter(client.chat.completions.create(model="gated", messages=USER, stream=True))
    first = [next(stream), next(stream)]

    upstream.app.release()

    rest = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in first + rest) == "Echo: hello there world"


def test_reset_stream_aborts_the_connection_mid_body(client: openai.OpenAI) -> None:
    received = []
    with pytest.raises(openai.APIConnectionError):
        for chunk in client.chat.completions.create(model="reset", messages=USER, stream=True):
            received.append(chunk)  # noqa: PERF402 - list() would lose the chunks read before the reset

    assert len(received) == 2


def test_reset_json_answer_is_cut_short(client: openai.OpenAI) -> None:
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="reset", messages=USER)


def test_slow_model_delays_every_stream_chunk(client: openai.OpenAI) -> None:
    started = time.monotonic()
    chunks = list(
        client.chat.completions.create(model="slow", messages=USER, stream=True, extra_headers={"x-fake-delay": "0.02"})
    )

    assert time.monotonic() - started >= 0.02 * len(chunks)


def test_hang_model_never_answers(upstream: RunningFakeUpstream) -> None:
    with (
        openai.OpenAI(base_url=upstream.url, api_key="sk-test", max_retries=0, timeout=0.2) as impatient,
        pytest.raises(openai.APITimeoutError),
    ):
        impatient.chat.completions.create(model="hang", messages=USER)


def test_stall_stream_sends_its_first_events_then_goes_silent(upstream: RunningFakeUpstream) -> None:
    body = {"model": "stall", "messages": USER, "stream": True}
    events: list[str] = []
    with (
        httpx.Client(timeout=httpx.Timeout(5, read=0.3)) as http,
        http.stream("POST", upstream.url + "/chat/completions", json=body) as response,
    ):
        assert response.status_code == 200
        with pytest.raises(httpx.ReadTimeout):
            events.extend(line for line in response.iter_lines() if line.startswith("data: "))

    assert len(events) == 2
    assert "data: [DONE]" not in events


def test_stall_json_answer_never_comes(upstream: RunningFakeUpstream) -> None:
    with (
        openai.OpenAI(base_url=upstream.url, api_key="sk-test", max_retries=0, timeout=0.2) as impatient,
        pytest.raises(openai.APITimeoutError),
    ):
        impatient.chat.completions.create(model="stall", messages=USER)
