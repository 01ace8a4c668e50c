"""A crash inside the proxy (an exception nothing expected) is answered as every other gateway answer is.

It reached the server as it was: a bare text 500 with no `x-request-id`, so the SDKs' `request_id` was
None and a recorded call's answer did not name its interaction. Now: a 500 in OpenAI's shape naming the
interaction (or a fresh id on a call that is not recorded), its traceback in the log; once an answer has
begun, no second one can follow: the connection is cut, as for an upstream that breaks off.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx
from proxy_in_process import passthrough_proxy, post_chat

from gateway.proxy.forward import ProxyApp
from gateway.proxy.upstream import HttpxUpstream, UpstreamResponse
from gateway.recording.exchange import Exchange

UPSTREAM = "https://llm.example/v1"
EVENTS = b'data: {"choices": [{"index": 0, "delta": {"content": "hi"}}]}\n\n'


@pytest.fixture
async def upstream() -> AsyncIterator[HttpxUpstream]:
    client = HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=5.0)
    try:
        yield client
    finally:
        await client.aclose()


@pytest.fixture
def proxy(upstream: HttpxUpstream, submitted: list[Exchange]) -> ProxyApp:
    return passthrough_proxy(UPSTREAM, upstream, submitted.append)


class CrashingMidway:
    """An upstream's answer whose relaying crashes once its bytes have passed."""

    def __init__(self, response: UpstreamResponse) -> None:
        self._response = response
        self.status_code = response.status_code
        self.raw_headers = response.raw_headers
        self.headers = response.headers

    def header(self, name: str) -> str:
        return self._response.header(name)

    async def aiter_raw(self) -> AsyncIterator[bytes]:
        async for chunk in self._response.aiter_raw():
            yield chunk
        raise RuntimeError("a bug in the gateway")

    async def aclose(self) -> None:
        await self._response.aclose()


def crash_on_send(monkeypatch: pytest.MonkeyPatch, upstream: HttpxUpstream) -> None:
    async def crash(*args: Any, **kwargs: Any) -> UpstreamResponse:
        raise RuntimeError("a bug in the gateway")

    monkeypatch.setattr(upstream, "send", crash)


async def test_a_crash_on_a_recorded_call_is_a_500_naming_its_interaction(monkeypatch, upstream, proxy):
    crash_on_send(monkeypatch, upstream)

    response = await post_chat(proxy)

    assert response.status_code == 500
    assert response.headers.get_list("x-request-id") == [response.headers["x-feedgate-interaction-id"]]


async def test_a_crash_is_answered_in_openai_s_error_shape(monkeypatch, upstream, proxy):
    crash_on_send(monkeypatch, upstream)

    response = await post_chat(proxy)

    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("server_error", "internal_error")
    assert "a bug in the gateway" not in error["message"]  # the exception's words are for the log alone


async def test_a_crash_on_a_recorded_call_is_stored_as_a_500(monkeypatch, upstream, proxy, submitted):
    crash_on_send(monkeypatch, upstream)

    await post_chat(proxy)

    assert submitted[0].status_code == 500
    assert submitted[0].error is not None and "internal error" in submitted[0].error


async def test_a_crash_on_a_call_that_is_not_recorded_is_a_500_with_a_fresh_request_id(monkeypatch, upstream, proxy):
    crash_on_send(monkeypatch, upstream)

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
        response = await client.get("/v1/models", headers={"authorization": "Bearer sk-a"})

    assert response.status_code == 500
    assert response.headers["x-request-id"].startswith("req_")


async def test_a_crash_leaves_its_traceback_in_the_log(monkeypatch, upstream, proxy, caplog):
    crash_on_send(monkeypatch, upstream)

    with caplog.at_level(logging.ERROR, logger="feedgate.proxy"):
        await post_chat(proxy)

    [record] = [record for record in caplog.records if record.name == "feedgate.proxy"]
    assert record.exc_info is not None and str(record.exc_info[1]) == "a bug in the gateway"


@respx.mock
async def test_a_crash_once_a_stream_has_begun_cuts_the_connection_and_sends_no_second_answer(
    monkeypatch, upstream, proxy, submitted
):
    respx.post(f"{UPSTREAM}/chat/completions").mock(
        return_value=httpx.Response(200, content=EVENTS, headers={"content-type": "text/event-stream"})
    )
    sent = upstream.send

    async def crashing_midway(*args: Any, **kwargs: Any) -> UpstreamResponse:
        return CrashingMidway(await sent(*args, **kwargs))

    monkeypatch.setattr(upstream, "send", crashing_midway)
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b'{"model": "m", "stream": true}', "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "method": "POST",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "headers": [(b"authorization", b"Bearer sk-a"), (b"content-type", b"application/json")],
    }
    with pytest.raises(Exception) as cut:
        await proxy(scope, receive, send)

    assert getattr(cut.value, "expected_abort", False)
    assert [message.get("status") for message in messages if message["type"] == "http.response.start"] == [200]
    assert submitted[0].partial and submitted[0].status_code == 200
