"""Numbers are stored exactly as sent: integers beyond 64 bits in requests, metadata, answers and feedback.

orjson, which the proxy parses with, turns such an integer into a float; these were stored as,
say, 1.2345678901234568e+29. The upstream is respx's, so an answer can hold one too.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import respx

from gateway.app import FeedgateApp
from gateway.config import Settings

UPSTREAM = "http://llm.test/v1"
AUTH = {"authorization": "Bearer sk-app-one", "content-type": "application/json"}
SEED = 123456789012345678901234567890
ORDER = 98765432109876543210
BELOW_INT64 = -9223372036854775809  # -2**63 - 1: 19 digits, the shortest integer orjson loses
# The standard library's encoder: orjson (httpx's json=) refuses integers past 64 bits.
CHAT = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "seed": SEED})
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1_741_569_952,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hello."}}],
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The gateway's default upstream is the respx one."""
    return settings.model_copy(update={"upstream_url": UPSTREAM, "upstream_http_client": "httpx"})


@pytest.fixture
def upstream() -> Iterator[respx.MockRouter]:
    """The upstream: a whole chat completion unless a test routes it otherwise."""
    with respx.mock(base_url=UPSTREAM, assert_all_called=False) as router:
        router.post("/chat/completions", name="chat").mock(return_value=httpx.Response(200, json=COMPLETION))
        yield router


async def stored(gateway: FeedgateApp, response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    await gateway.services.writer.flush()
    row = await gateway.services.interactions.get(response.headers["x-feedgate-interaction-id"])
    assert row is not None
    return row


async def test_a_request_integer_beyond_64_bits_is_stored_as_sent(gateway, client, upstream):
    response = await client.post("/v1/chat/completions", content=CHAT, headers=AUTH)

    row = await stored(gateway, response)
    assert row["request"]["seed"] == SEED
    assert isinstance(row["request"]["seed"], int)


async def test_a_request_integer_just_below_the_64_bit_range_is_stored_as_sent(gateway, client, upstream):
    body = json.dumps({"model": "gpt-4o-mini", "messages": [], "seed": BELOW_INT64})

    response = await client.post("/v1/chat/completions", content=body, headers=AUTH)

    assert (await stored(gateway, response))["request"]["seed"] == BELOW_INT64


async def test_metadata_integer_beyond_64_bits_is_stored_as_sent(gateway, client, upstream):
    headers = {**AUTH, "x-feedgate-metadata": json.dumps({"order": ORDER, "feature": "cards"})}

    response = await client.post("/v1/chat/completions", content=CHAT, headers=headers)

    assert (await stored(gateway, response))["metadata"] == {"order": ORDER, "feature": "cards"}


async def test_an_answer_integer_beyond_64_bits_is_stored_as_received(gateway, client, upstream):
    answer = json.dumps({**COMPLETION, "created": SEED}).encode()
    upstream["chat"].mock(
        return_value=httpx.Response(200, content=answer, headers={"content-type": "application/json"})
    )

    response = await client.post("/v1/chat/completions", content=CHAT, headers=AUTH)

    assert response.content == answer
    row = await stored(gateway, response)
    assert row["response"]["created"] == SEED
    assert row["response_text"] == "Hello."


async def test_a_streamed_answer_integer_beyond_64_bits_is_stored_as_received(gateway, client, upstream):
    chunk = {"id": "chatcmpl-2", "object": "chat.completion.chunk", "created": SEED, "model": "gpt-4o-mini"}
    events = [
        {**chunk, "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hel"}}]},
        {**chunk, "choices": [{"index": 0, "delta": {"content": "lo."}, "finish_reason": "stop"}]},
    ]
    body = b"".join(b"data: " + json.dumps(event).encode() + b"\n\n" for event in events) + b"data: [DONE]\n\n"
    upstream["chat"].mock(return_value=httpx.Response(200, content=body, headers={"content-type": "text/event-stream"}))

    response = await client.post("/v1/chat/completions", content=CHAT, headers=AUTH)

    row = await stored(gateway, response)
    assert (row["response"]["created"], row["response_text"]) == (SEED, "Hello.")


async def feedback_on_a_call(client: httpx.AsyncClient) -> tuple[str, httpx.Response]:
    """Make a call, then post feedback on it whose metadata holds an integer beyond 64 bits."""
    answered = await client.post("/v1/chat/completions", content=CHAT, headers=AUTH)
    interaction_id = answered.headers["x-feedgate-interaction-id"]
    feedback = json.dumps({"interaction_id": interaction_id, "thumbs": "down", "metadata": {"order": ORDER}})
    return interaction_id, await client.post("/v1/feedback", content=feedback, headers=AUTH)


async def test_feedback_metadata_integer_beyond_64_bits_is_stored_as_sent(client, upstream, admin_headers):
    interaction_id, posted = await feedback_on_a_call(client)

    assert posted.status_code == 201, posted.text
    found = await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)
    [event] = found.json()["feedback"]["events"]
    assert event["metadata"] == {"order": ORDER}


async def test_feedback_with_an_integer_beyond_64_bits_is_answered_as_sent(client, upstream):
    _, posted = await feedback_on_a_call(client)

    assert posted.status_code == 201, posted.text
    assert posted.json()["metadata"] == {"order": ORDER}
