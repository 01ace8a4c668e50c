"""The gateway's own answers on a proxied `/v1/*` route can be read by the browser page that made the call.

The upstream's answers carry the upstream's CORS headers, relayed as they are; a page calling through the
gateway reached it only once the upstream's answer to its preflight allowed the page (tests/test_proxy_cors_preflight.py).
The gateway's own refusals carried none, so the browser told the page only "Failed to fetch" (a CORS failure),
never why the call was refused. Each now lets the request's Origin read it, and the headers a developer quotes.
A call with no Origin (a server's, an SDK's) gets no CORS headers, and an upstream's answer that does not let the
page read it is not touched (one that does exposes the gateway's headers too: tests/test_proxy_upstream_cors_exposed.py).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from proxy_in_process import CHAT, gateway_key_proxy, passthrough_proxy, raw_upstream

from gateway.proxy.forward import ProxyApp
from gateway.proxy.upstream import UpstreamClient
from gateway.recording.exchange import Exchange
from gateway.store.keys import LiveKey

ORIGIN = "https://app.example"
ISSUED = "fgk-issued"
COMPLETION = b'{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"hello"}}]}'


async def answer_without_cors(reader: Any, writer: Any) -> None:
    """An upstream whose answer carries no CORS headers of its own."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")), 0
    )
    await reader.readexactly(length)
    writer.write(
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: "
        + str(len(COMPLETION)).encode()
        + b"\r\nconnection: close\r\n\r\n"
        + COMPLETION
    )
    await writer.drain()
    writer.close()


@pytest.fixture
async def keyed_proxy(upstream_client: UpstreamClient, submitted: list[Exchange]) -> AsyncIterator[ProxyApp]:
    """The proxy in gateway-key mode before an upstream that sends no CORS headers."""
    async with raw_upstream(answer_without_cors) as url:
        yield gateway_key_proxy(url, upstream_client, submitted.append, {ISSUED: LiveKey("key-1", "support-bot")})


async def call(proxy: ProxyApp, path: str = "/v1/chat/completions", **request: Any) -> httpx.Response:
    """A POST through `proxy` (httpx's request arguments in `request`)."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
        return await client.post(path, **request)


def readable_by(response: httpx.Response) -> tuple[int, str | None, str | None]:
    """The answer's status, the origin it lets read it, and the headers it lets that origin read."""
    return (
        response.status_code,
        response.headers.get("access-control-allow-origin"),
        response.headers.get("access-control-expose-headers"),
    )


# A held answer's 202 carries the URL to poll and the review's outcome too (docs/review.md).
EXPOSED = (
    "retry-after, x-request-id, x-feedgate-interaction-id, x-feedgate-feedback-token, "
    "x-feedgate-review-outcome, location"
)
KEYED = {"origin": ORIGIN, "authorization": f"Bearer {ISSUED}"}


async def test_an_unknown_gateway_key_is_refused_readably_to_the_page(keyed_proxy):
    headers = {"origin": ORIGIN, "authorization": "Bearer fgk-never-issued"}

    response = await call(keyed_proxy, json=CHAT, headers=headers)

    assert readable_by(response) == (401, ORIGIN, EXPOSED)
    assert response.headers["vary"] == "Origin"


async def test_a_request_too_large_is_refused_readably_to_the_page(keyed_proxy):
    response = await call(keyed_proxy, content=b"{" + b" " * (1 << 20) + b"}", headers=KEYED)

    assert readable_by(response) == (413, ORIGIN, EXPOSED)


async def test_a_compressed_body_is_refused_readably_to_the_page(keyed_proxy):
    headers = {**KEYED, "content-encoding": "gzip", "content-type": "application/json"}

    response = await call(keyed_proxy, content=b"\x1f\x8b not really", headers=headers)

    assert readable_by(response) == (415, ORIGIN, EXPOSED)


async def test_bad_metadata_is_refused_readably_to_the_page(keyed_proxy):
    response = await call(keyed_proxy, json=CHAT, headers={**KEYED, "x-feedgate-metadata": "[1]"})

    assert readable_by(response) == (400, ORIGIN, EXPOSED)


async def test_a_climbing_path_is_refused_readably_to_the_page(keyed_proxy):
    response = await call(keyed_proxy, "/v1/%2e%2e/admin", json=CHAT, headers=KEYED)

    assert readable_by(response) == (400, ORIGIN, EXPOSED)


async def test_an_unreachable_upstream_is_answered_readably_to_the_page(upstream_client, submitted, unused_url):
    proxy = passthrough_proxy(unused_url, upstream_client, submitted.append)

    response = await call(proxy, json=CHAT, headers={"origin": ORIGIN, "authorization": "Bearer sk-a"})

    assert readable_by(response) == (502, ORIGIN, EXPOSED)


async def test_a_refusal_without_an_origin_carries_no_cors_headers(keyed_proxy):
    response = await call(keyed_proxy, json=CHAT, headers={"authorization": "Bearer fgk-never-issued"})

    assert response.status_code == 401
    assert [name for name in response.headers if name.startswith("access-control-")] == []


async def test_the_upstreams_own_answer_keeps_its_own_cors_headers(keyed_proxy):
    # Its CORS is the upstream's to give (here none): the gateway adds nothing to an answer the page may not read.
    response = await call(keyed_proxy, json=CHAT, headers=KEYED)

    assert response.status_code == 200
    assert [name for name in response.headers if name.startswith("access-control-")] == []


async def test_a_refusal_without_an_origin_still_varies_on_origin(keyed_proxy):
    # A shared cache keeping it must not hand it to a page's call, whose answer lets the page read it.
    response = await call(keyed_proxy, json=CHAT, headers={"authorization": "Bearer fgk-never-issued"})

    assert response.headers.get_list("vary") == ["Origin"]


async def test_a_refusal_to_a_page_with_the_null_origin_lets_no_page_read_it(keyed_proxy):
    # Sandboxed iframes and file:// pages all send `Origin: null`: allowing it would allow every one of them.
    response = await call(
        keyed_proxy, json=CHAT, headers={"origin": "null", "authorization": "Bearer fgk-never-issued"}
    )

    assert readable_by(response) == (401, None, None)
    assert response.headers.get_list("vary") == ["Origin"]


async def test_the_gateways_own_answer_never_lets_a_page_read_it_with_the_users_cookies(keyed_proxy):
    # The gateway reads no cookie; a deployment behind a proxy that signs users in by cookie must not
    # let another site read these answers with them (docs/proxy.md: call without credentials).
    response = await call(
        keyed_proxy, json=CHAT, headers={"origin": ORIGIN, "authorization": "Bearer fgk-never-issued"}
    )

    assert response.status_code == 401
    assert "access-control-allow-credentials" not in response.headers
