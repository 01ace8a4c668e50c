"""Replaying a recorded request: what goes to the upstream."""

from __future__ import annotations

import json

import httpx
import respx
from chat_replies import chat_reply

from gateway.config_entries import Upstream
from gateway.fixes.replay import replay
from gateway.proxy.upstream import HttpxUpstream

UPSTREAM = "https://llm.example/v1"


@respx.mock
async def test_a_recorded_integer_beyond_64_bits_is_replayed_as_recorded():
    # Stored requests keep such integers exactly; orjson refused to send one.
    seed = 123456789012345678901234567890
    route = respx.post(f"{UPSTREAM}/chat/completions").mock(return_value=chat_reply("Paris."))
    client = HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=5.0)
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Capital?"}], "seed": seed}

    result = await replay(client, Upstream(name="default", url=UPSTREAM), "chat.completions", body, None)

    assert result.answer == "Paris."
    assert json.loads(route.calls.last.request.content)["seed"] == seed


async def test_a_background_responses_call_is_replayed_for_its_whole_answer(fake_upstream):
    # Sent with `background` still true, the upstream answered a queued response with no output: the
    # preview showed "replayed" and no new answer.
    client = HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=5.0)
    body = {"model": "gpt-4o-mini", "input": "What is the transfer fee?", "background": True, "store": True}

    result = await replay(client, Upstream(name="default", url=fake_upstream.url), "responses", body, None)

    assert result.error is None and result.answer == "There is no fee."
    assert "background" not in fake_upstream.app.requests[-1].json()
