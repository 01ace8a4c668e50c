"""An upstream's answer that names no `x-request-id` reaches the app naming the interaction as one.

The OpenAI SDKs read that header as a response's (and an error's) `_request_id`/`request_id`, the id a
developer quotes; the gateway's own answers on a recorded call name the interaction so. An upstream that
sends none (vLLM, by default) left the SDK's id None through Feedgate. An upstream's own id is never
replaced, and an answer to a call Feedgate does not record (a file, audio) is left as it came: it has no
interaction to name. Real socket upstream, both upstream clients, the real openai SDK.
"""

from __future__ import annotations

import asyncio

import httpx
import openai
import pytest
from proxy_in_process import passthrough_proxy, raw_upstream

from gateway.proxy.forward import ProxyApp

COMPLETION = b'{"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "m", "choices": []}'
EVENTS = b'data: {"id": "c-1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": []}\n\n'
ERROR = b'{"error": {"message": "model overloaded", "type": "server_error"}}'


def answering(status: int, content_type: bytes, body: bytes, named: bytes = b""):
    """An upstream answering every request with `body` (`named`: extra header lines, each ending CRLF)."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = [
            int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")
        ]
        await reader.readexactly(length[0] if length else 0)
        writer.write(
            b"HTTP/1.1 %d X\r\ncontent-type: %s\r\ncontent-length: %d\r\n%s\r\n"
            % (status, content_type, len(body), named)
            + body
        )
        await writer.drain()
        writer.close()

    return answer


def sdk(proxy: ProxyApp) -> openai.AsyncOpenAI:
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy))
    return openai.AsyncOpenAI(base_url="http://gw/v1", api_key="sk-a", http_client=http, max_retries=0)


async def test_an_answer_that_names_no_request_id_gives_the_sdk_the_interactions(upstream_client, submitted):
    async with raw_upstream(answering(200, b"application/json", COMPLETION)) as url:
        completion = await sdk(passthrough_proxy(url, upstream_client, submitted.append)).chat.completions.create(
            model="m", messages=[{"role": "user", "content": "hi"}]
        )

    assert completion._request_id == submitted[0].id


async def test_an_error_that_names_no_request_id_gives_the_sdks_error_the_interactions(upstream_client, submitted):
    async with raw_upstream(answering(503, b"application/json", ERROR)) as url:
        with pytest.raises(openai.InternalServerError) as caught:
            await sdk(passthrough_proxy(url, upstream_client, submitted.append)).chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi"}]
            )

    assert caught.value.request_id == submitted[0].id


async def test_a_stream_that_names_no_request_id_names_the_interaction_once(upstream_client, submitted):
    async with raw_upstream(answering(200, b"text/event-stream", EVENTS)) as url:
        proxy = passthrough_proxy(url, upstream_client, submitted.append)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
            body = {"model": "m", "messages": [], "stream": True}
            response = await client.post("/v1/chat/completions", json=body, headers={"authorization": "Bearer sk-a"})

    assert response.headers.get_list("x-request-id") == [submitted[0].id]


async def test_the_upstreams_own_request_id_is_the_only_one(upstream_client, submitted):
    upstream = answering(200, b"application/json", COMPLETION, named=b"X-Request-ID: req_upstream\r\n")
    async with raw_upstream(upstream) as url:
        proxy = passthrough_proxy(url, upstream_client, submitted.append)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
            body = {"model": "m", "messages": []}
            response = await client.post("/v1/chat/completions", json=body, headers={"authorization": "Bearer sk-a"})

    assert response.headers.get_list("x-request-id") == ["req_upstream"]


async def test_an_answer_to_a_call_that_is_not_recorded_is_left_without_one(upstream_client, submitted):
    async with raw_upstream(answering(200, b"application/octet-stream", b"file bytes")) as url:
        proxy = passthrough_proxy(url, upstream_client, submitted.append)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
            response = await client.get("/v1/files/file-1/content", headers={"authorization": "Bearer sk-a"})

    assert (response.content, "x-request-id" in response.headers, submitted) == (b"file bytes", False, [])
