"""The upstream gets the headers the client sent, and none the proxy's HTTP client makes up.

aiohttp gave a body sent without a `Content-Type` (a file's bytes, an empty POST such as a cancel) one of its
own, `application/octet-stream`, which the client never said; the httpx client sent none. Real socket upstream.
"""

from __future__ import annotations

import asyncio

import httpx
import pytest
from proxy_in_process import passthrough_proxy, raw_upstream

from gateway.proxy.upstream import UpstreamClient


async def header_names_upstream_got(upstream_client: UpstreamClient, path: str, content: bytes, sent: dict) -> set[str]:
    """The header names of the request the upstream got for a POST of `content` to `path` with headers `sent`."""
    heads: list[bytes] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append(await reader.readuntil(b"\r\n\r\n"))
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}"
        )
        await writer.drain()
        writer.close()

    async with raw_upstream(answer) as url:
        proxy = passthrough_proxy(url, upstream_client, lambda exchange: None)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
            response = await client.post(path, content=content, headers={"authorization": "Bearer sk-a", **sent})
    assert response.status_code == 200
    return {line.split(b":")[0].decode().lower() for line in heads[0].split(b"\r\n")[1:] if line}


@pytest.mark.parametrize(
    ("path", "content"),
    [
        ("/v1/files", b"file bytes"),
        ("/v1/files", b"x" * (2 << 20)),  # past the proxy's limit here: streamed upstream as it arrives
        ("/v1/uploads/upload-1/cancel", b""),
    ],
    ids=["body", "streamed body", "empty body"],
)
async def test_a_body_sent_without_a_content_type_reaches_the_upstream_without_one(upstream_client, path, content):
    names = await header_names_upstream_got(upstream_client, path, content, {})

    assert "content-type" not in names


async def test_the_clients_own_content_type_reaches_the_upstream(upstream_client):
    names = await header_names_upstream_got(upstream_client, "/v1/files", b"x", {"content-type": "text/csv"})

    assert "content-type" in names
