"""Header values with bytes past ASCII cross the proxy as sent, both ways, with each upstream client.

aiohttp, the default client, read each value as Latin-1 and wrote it out as UTF-8, so a UTF-8 "é" (C3 A9)
reached the upstream as C3 83 C2 A9. aiohttp can write a header only as UTF-8 text: a value that is not
UTF-8 (a Latin-1 client's lone E9 for "é") goes upstream as its Latin-1 characters in UTF-8 there, as
docs/proxy.md says; httpx sends it as it came. The upstream is a real socket that records the request's
head as it arrived, and answers with the same bytes in a header of its own; the merged /v1/models list relays
the default upstream's failed answer with its headers' bytes too.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from proxy_in_process import CHAT, no_gateway_keys, passthrough_proxy, raw_upstream

from gateway.config_entries import Upstream
from gateway.proxy.credentials import CallerResolver
from gateway.proxy.forward import ProxyApp
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import AiohttpUpstream, UpstreamClient
from gateway.recording.exchange import Exchange

UTF8 = {"é": "é".encode(), "日本": "日本".encode()}
NOT_UTF8 = "José".encode("latin-1")  # as Node's fetch and browsers send it: é is the one byte E9
ANSWER = b'{"id": "chatcmpl-1", "choices": []}'


class EchoingUpstream:
    """Records each request's head; answers `status` with `note` in an `x-upstream-note` header and `x-request-id`."""

    def __init__(self, note: bytes, status: bytes = b"200 OK") -> None:
        self.note, self.status = note, status
        self.heads: list[bytes] = []

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        self.heads.append(head)
        lengths = [
            int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
        ]
        await reader.readexactly(sum(lengths))  # a GET has none
        lines = [
            b"HTTP/1.1 " + self.status,
            b"content-type: application/json",
            b"x-upstream-note: " + self.note,
            b"x-request-id: req_" + self.note,
            b"content-length: " + str(len(ANSWER)).encode(),
        ]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + ANSWER)
        await writer.drain()
        writer.close()


async def _call(upstream: EchoingUpstream, client: UpstreamClient, note: bytes) -> httpx.Response:
    """A chat completion sent through the proxy with `note` in an `x-app-note` header."""
    submitted: list[Exchange] = []
    async with raw_upstream(upstream.answer) as url:
        proxy = passthrough_proxy(url, client, submitted.append)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as app:
            headers = {"authorization": "Bearer sk-a", "x-app-note": note}
            return await app.post("/v1/chat/completions", json=CHAT, headers=headers)


def _sent_value(head: bytes, name: bytes) -> bytes:
    """The value of header `name` in a request's raw `head`."""
    return next(line.split(b": ", 1)[1] for line in head.split(b"\r\n") if line.lower().startswith(name + b":"))


def _answered_value(response: httpx.Response, name: bytes) -> bytes:
    """The raw value of header `name` in the proxy's answer."""
    return next(value for key, value in response.headers.raw if key.lower() == name)


@pytest.fixture
async def plain_upstream() -> AsyncIterator[EchoingUpstream]:
    yield EchoingUpstream(b"plain")


@pytest.mark.parametrize("text", sorted(UTF8))
async def test_a_utf8_header_value_reaches_the_upstream_as_sent(upstream_client, plain_upstream, text):
    response = await _call(plain_upstream, upstream_client, UTF8[text])

    assert response.status_code == 200, response.text
    assert _sent_value(plain_upstream.heads[0], b"x-app-note") == UTF8[text]


async def test_a_header_value_that_is_not_utf8_reaches_the_upstream_as_its_client_can_write_it(
    upstream_client, plain_upstream
):
    response = await _call(plain_upstream, upstream_client, NOT_UTF8)

    assert response.status_code == 200, response.text
    # aiohttp writes header text as UTF-8 alone: the Latin-1 "José" arrives as the UTF-8 "José"; httpx sends its bytes.
    expected = "José".encode() if isinstance(upstream_client, AiohttpUpstream) else NOT_UTF8
    assert _sent_value(plain_upstream.heads[0], b"x-app-note") == expected


@pytest.mark.parametrize("note", [*UTF8.values(), NOT_UTF8], ids=[*UTF8, "latin-1"])
async def test_an_upstream_answer_header_past_ascii_reaches_the_app_as_sent(upstream_client, note):
    response = await _call(EchoingUpstream(note), upstream_client, b"plain")

    assert response.status_code == 200, response.text
    assert _answered_value(response, b"x-upstream-note") == note


async def test_the_default_upstreams_failed_model_list_reaches_the_app_with_its_header_bytes(
    upstream_client, unused_url
):
    # Every upstream failed GET /v1/models: the default's answer is relayed, its x-request-id read as text and
    # written back as Latin-1, so a UTF-8 "日本" in it was a 500 and a UTF-8 "é" went back as the byte E9.
    note = UTF8["日本"]
    upstream = EchoingUpstream(note, status=b"401 Unauthorized")
    async with raw_upstream(upstream.answer) as url:
        router = UpstreamRouter(
            [Upstream(name="local", url=unused_url, models=["qwen"]), Upstream(name="default", url=url)]
        )
        resolver = CallerResolver(mode="passthrough", salt="s", lookup_gateway_key=no_gateway_keys)
        proxy = ProxyApp(
            router=router, resolver=resolver, client=upstream_client, submit=lambda _: None,
            upstream_authorization={}, max_request_bytes=1 << 20,
        )  # fmt: skip
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as app:
            response = await app.get("/v1/models", headers={"authorization": "Bearer sk-a"})

    assert response.status_code == 401, response.text
    assert _answered_value(response, b"x-request-id") == b"req_" + note
