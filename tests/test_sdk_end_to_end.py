"""The real openai SDK, pointed at a gateway on a real socket, in front of a local OpenAI-speaking server."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import openai
import pytest

MESSAGES = [{"role": "user", "content": "My transfer failed twice"}]
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "lookup_transfer",
            "description": "Find a transfer",
            "parameters": {"type": "object", "properties": {"id": {"type": "string"}}},
        },
    }
]


@pytest.fixture
def sdk(live_gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=live_gateway.url, api_key="sk-e2e", max_retries=0)


@pytest.fixture
def async_sdk(live_gateway) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=live_gateway.url, api_key="sk-e2e", max_retries=0)


def test_sync_chat_completion_is_answered_and_recorded(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES)
    completion = raw.parse()

    assert completion.choices[0].message.content == "Echo: My transfer failed twice"
    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["response_text"] == completion.choices[0].message.content
    assert record["upstream_response_id"] == completion.id


async def test_async_chat_completion_is_answered(async_sdk, live_gateway):
    completion = await async_sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert completion.choices[0].message.content == "Echo: My transfer failed twice"


def test_interaction_can_be_fetched_by_the_upstream_response_id(sdk, live_gateway):
    completion = sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert live_gateway.interaction(completion.id)["upstream_response_id"] == completion.id


def test_streamed_chat_is_passed_through_and_recorded_whole(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True, stream_options={"include_usage": True}
    )
    chunks = list(raw.parse())
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)

    assert text == "Echo: My transfer failed twice"
    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["stream"] is True
    assert record["response_text"] == text
    assert record["finish_reason"] == "stop"
    assert record["usage"]["total_tokens"] == chunks[-1].usage.total_tokens


def test_streamed_tool_calls_are_recorded(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(
        model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS, stream=True
    )
    list(raw.parse())

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["finish_reason"] == "tool_calls"
    assert record["tool_calls"][0]["function"]["name"] == "lookup_transfer"


def test_tool_calls_are_recorded(sdk, live_gateway):
    raw = sdk.chat.completions.with_raw_response.create(model="gpt-4o-mini", messages=MESSAGES, tools=TOOLS)
    call = raw.parse().choices[0].message.tool_calls[0]

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["tool_calls"][0]["function"]["arguments"] == call.function.arguments


def test_responses_api_is_answered_and_recorded(sdk, live_gateway):
    raw = sdk.responses.with_raw_response.create(model="gpt-4o-mini", input="Cancel my card")
    response = raw.parse()

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["endpoint"] == "responses"
    assert record["response_text"] == response.output_text
    assert record["upstream_response_id"] == response.id


def test_streamed_responses_api_is_recorded_whole(sdk, live_gateway):
    raw = sdk.responses.with_raw_response.create(model="gpt-4o-mini", input="Cancel my card", stream=True)
    events = list(raw.parse())
    final = events[-1].response

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["response_text"] == final.output_text
    assert record["upstream_response_id"] == final.id
    assert record["finish_reason"] == "completed"


def test_legacy_completions_are_recorded(sdk, live_gateway):
    raw = sdk.completions.with_raw_response.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
    completion = raw.parse()

    record = live_gateway.interaction(raw.headers["x-feedgate-interaction-id"])
    assert record["endpoint"] == "completions"
    assert record["response_text"] == completion.choices[0].text


def test_embeddings_work_through_the_gateway(sdk):
    result = sdk.embeddings.create(model="text-embedding-3-small", input=["one", "two"])

    assert [len(item.embedding) for item in result.data] == [8, 8]


def test_stream_chunks_reach_the_client_before_the_upstream_finishes(sdk, live_gateway, fake_upstream):
    # The upstream sends its first events, then waits for release(): the client can
    # only see content now if the gateway forwards chunk by chunk.
    stream = sdk.chat.completions.create(model="gated-model", messages=MESSAGES, stream=True)
    first = next(iter(stream))

    assert first.choices[0].delta.role == "assistant"
    fake_upstream.app.release()
    rest = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert rest == "Echo: My transfer failed twice"


def test_upstream_errors_reach_the_sdk_as_its_own_exceptions(sdk):
    with pytest.raises(openai.RateLimitError):
        sdk.chat.completions.create(model="error-429", messages=MESSAGES)


def test_upstream_that_is_down_gives_502(settings, start_gateway, unused_url):
    gateway = start_gateway(settings.model_copy(update={"upstream_url": unused_url}))
    client = openai.OpenAI(base_url=gateway.url, api_key="sk-e2e", max_retries=0)

    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert caught.value.status_code == 502
    assert "could not be reached" in caught.value.response.json()["error"]["message"]
    record = gateway.interaction(caught.value.response.headers["x-feedgate-interaction-id"])
    assert record["status_code"] == 502


def test_upstream_that_never_answers_gives_504(settings, start_gateway):
    # No ceiling set (the default): the SDK's own wait (600 s, x-stainless-read-timeout) is not honoured.
    gateway = start_gateway(settings.model_copy(update={"upstream_read_timeout": 0.3}))
    client = openai.OpenAI(base_url=gateway.url, api_key="sk-e2e", max_retries=0)

    with pytest.raises(openai.APIStatusError) as caught:
        client.chat.completions.create(model="hang", messages=MESSAGES)

    assert caught.value.status_code == 504
    record = gateway.interaction(caught.value.response.headers["x-feedgate-interaction-id"])
    assert "did not answer within 0.3 s (FEEDGATE_UPSTREAM_READ_TIMEOUT)" in record["error"]


def test_an_sdk_that_waits_longer_than_the_gateway_gets_a_slow_answer_where_the_operator_allows_it(
    settings, start_gateway
):
    # The SDK sends its read timeout (x-stainless-read-timeout): the gateway waits as long, up to its ceiling.
    limits = {"upstream_read_timeout": 0.3, "upstream_max_read_timeout": 60.0}
    gateway = start_gateway(settings.model_copy(update=limits))
    client = openai.OpenAI(base_url=gateway.url, api_key="sk-e2e", max_retries=0, timeout=30.0)

    completion = client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-fake-delay": "0.8"}
    )

    assert completion.choices[0].message.content


def test_upstream_reset_mid_stream_fails_the_client_and_leaves_a_partial_record(live_gateway):
    with httpx.stream(
        "POST",
        f"{live_gateway.url}/chat/completions",
        json={"model": "reset-model", "messages": MESSAGES, "stream": True},
        headers={"authorization": "Bearer sk-e2e"},
    ) as response:
        interaction_id = response.headers["x-feedgate-interaction-id"]
        with pytest.raises(httpx.HTTPError):
            for _ in response.iter_raw():
                pass

    record = live_gateway.interaction(interaction_id)
    assert record["partial"] is True
    assert "broke off" in record["error"]
    assert record["response_text"]  # what arrived before the reset is kept


def test_upstream_reset_mid_stream_reaches_the_sdk_as_an_api_error_saying_so(sdk):
    stream = sdk.chat.completions.create(model="reset-model", messages=MESSAGES, stream=True)

    with pytest.raises(openai.APIError) as caught:
        for _ in stream:
            pass

    assert not isinstance(caught.value, openai.APIConnectionError)  # not a bare "Connection error."
    assert caught.value.message.startswith("Upstream 'default' broke off its answer")


def test_an_answer_cut_off_mid_body_keeps_the_upstreams_request_id(sdk, fake_upstream):
    with pytest.raises(openai.InternalServerError) as caught:
        sdk.chat.completions.create(model="reset-model", messages=MESSAGES)

    assert caught.value.status_code == 502
    # The upstream's id for the request it failed, to quote to its support, as the SDK reads it.
    assert caught.value.request_id is not None
    assert caught.value.request_id.startswith("req_")


def test_the_gateways_own_error_gives_the_sdk_the_interaction_as_its_request_id(sdk, live_gateway):
    with pytest.raises(openai.BadRequestError) as caught:
        sdk.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, extra_headers={"x-feedgate-metadata": "[]"})

    # What a developer pastes into a bug report: it finds the recorded call.
    assert caught.value.request_id is not None
    assert live_gateway.interaction(caught.value.request_id)["status_code"] == 400


def test_client_gone_mid_stream_leaves_a_partial_record(live_gateway, fake_upstream):
    with httpx.stream(
        "POST",
        f"{live_gateway.url}/chat/completions",
        json={"model": "gated-model", "messages": MESSAGES, "stream": True},
        headers={"authorization": "Bearer sk-e2e"},
    ) as response:
        interaction_id = response.headers["x-feedgate-interaction-id"]
        next(response.iter_raw())
    # The client hung up while the upstream was still holding the rest back.

    deadline = time.monotonic() + 5
    while True:
        live_gateway.flush()
        record = httpx.get(
            f"{live_gateway.origin}/api/interactions/{interaction_id}",
            headers={"authorization": "Bearer test-admin-token"},
        )
        if record.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert record.status_code == 200
    assert record.json()["partial"] is True
    assert "client disconnected" in record.json()["error"]


def test_concurrent_streams_are_each_recorded(live_gateway):
    async def one(client: openai.AsyncOpenAI, n: int) -> str:
        raw = await client.chat.completions.with_raw_response.create(
            model="slow-model", messages=[{"role": "user", "content": f"question {n}"}], stream=True
        )
        async for _ in raw.parse():
            pass
        return raw.headers["x-feedgate-interaction-id"]

    async def many() -> list[str]:
        client = openai.AsyncOpenAI(base_url=live_gateway.url, api_key="sk-e2e", max_retries=0)
        return await asyncio.gather(*(one(client, n) for n in range(10)))

    ids = asyncio.run(many())

    texts = {live_gateway.interaction(i)["response_text"] for i in ids}
    assert texts == {f"Echo: question {n}" for n in range(10)}


def test_threads_share_one_gateway(sdk):
    answers: list[str] = []

    def ask(n: int) -> None:
        completion = sdk.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": str(n)}])
        answers.append(completion.choices[0].message.content)

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == sorted(f"Echo: {n}" for n in range(8))


def test_a_base_url_without_v1_is_told_to_add_it(live_gateway):
    client = openai.OpenAI(base_url=live_gateway.origin, api_key="sk-e2e", max_retries=0)

    with pytest.raises(openai.NotFoundError) as refused:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert refused.value.code == "base_url_without_v1"
    assert "Set your client's base URL to the address you reach Feedgate at, followed by /v1" in refused.value.message


@pytest.mark.parametrize("prefix", ["/openai/v1", "/api/v1", "/llm/openai/v1"])
def test_a_base_url_with_v1_under_another_path_is_told_the_one_to_use(live_gateway, prefix):
    # As other gateways and Azure's v1 API spell it: the copied base URL reached the admin API's bare 404.
    client = openai.OpenAI(base_url=live_gateway.origin + prefix, api_key="sk-e2e", max_retries=0)

    with pytest.raises(openai.NotFoundError) as refused:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert refused.value.code == "base_url_without_v1"
    assert f"under /v1, not {prefix}" in refused.value.message
    assert "et your client's base URL to the address you reach Feedgate at, followed by /v1" in refused.value.message


def test_an_azure_openai_client_is_told_to_use_the_v1_api_with_its_deployment_as_the_model(live_gateway):
    client = openai.AzureOpenAI(
        azure_endpoint=live_gateway.origin, api_key="azure-key", api_version="2024-10-21", max_retries=0
    )

    with pytest.raises(openai.NotFoundError) as refused:
        client.chat.completions.create(model="support-gpt4o", messages=MESSAGES)

    assert refused.value.code == "base_url_without_v1"
    assert "not Azure OpenAI's deployment URLs" in refused.value.message
    assert "followed by /v1, and model='support-gpt4o'" in refused.value.message


def test_a_base_url_ending_in_capital_v1_is_told_to_use_v1(live_gateway):
    client = openai.OpenAI(base_url=live_gateway.origin + "/V1", api_key="sk-e2e", max_retries=0)

    with pytest.raises(openai.NotFoundError) as refused:
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    assert refused.value.code == "base_url_without_v1"
    assert "under /v1, not /V1" in refused.value.message
