"""A browser page calling through the gateway can read its own feedback token on the upstream's answer.

The upstream's answer carries the upstream's CORS headers. When it lets the calling page read it
(`Access-Control-Allow-Origin`), its `Access-Control-Expose-Headers` listed only the upstream's own headers, so
the page read `x-feedgate-interaction-id` and `x-feedgate-feedback-token` as null and could post no feedback.
The gateway now adds its own headers to that list, keeping the upstream's. An answer the upstream does not let
the page read (tests/test_proxy_own_answers_cors.py), and any answer to a call with no Origin, is relayed untouched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from proxy_in_process import CHAT, passthrough_proxy, raw_upstream

from gateway.feedback.token import FeedbackTokens
from gateway.proxy.forward import ProxyApp
from gateway.proxy.upstream import UpstreamClient
from gateway.recording.exchange import Exchange

ORIGIN = "https://app.example"
FROM_THE_PAGE = {"origin": ORIGIN, "authorization": "Bearer sk-a"}
COMPLETION = b'{"id":"chatcmpl-1","choices":[{"index":0,"message":{"role":"assistant","content":"hello"}}]}'
EVENTS = b'data: {"id":"chatcmpl-1","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n'
FEEDGATES = ["x-request-id", "x-feedgate-interaction-id", "x-feedgate-feedback-token"]


def answering(cors_lines: bytes, stream: bool = False) -> Callable[[Any, Any], Awaitable[None]]:
    """An upstream whose answer (a completion, or a stream's events) carries the header lines `cors_lines`."""
    content_type, body = (b"text/event-stream", EVENTS) if stream else (b"application/json", COMPLETION)

    async def answer(reader: Any, writer: Any) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")),
            0,
        )
        await reader.readexactly(length)
        writer.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: " + content_type + b"\r\ncontent-length: " + str(len(body)).encode()
            + b"\r\n" + cors_lines + b"connection: close\r\n\r\n" + body
        )  # fmt: skip
        await writer.drain()
        writer.close()

    return answer


@pytest.fixture
def proxy_before(
    upstream_client: UpstreamClient, submitted: list[Exchange]
) -> Callable[..., AbstractAsyncContextManager[ProxyApp]]:
    """`async with proxy_before(cors_lines) as proxy`: the proxy, giving feedback tokens, before such an upstream."""

    @asynccontextmanager
    async def before(cors_lines: bytes, stream: bool = False) -> AsyncIterator[ProxyApp]:
        async with raw_upstream(answering(cors_lines, stream)) as url:
            tokens = FeedbackTokens("secret", 3600).response_headers
            yield passthrough_proxy(url, upstream_client, submitted.append, identity_headers=tokens)

    return before


async def call(proxy: ProxyApp, headers: dict[str, str], stream: bool = False) -> httpx.Response:
    """A chat completion posted through `proxy` with `headers`."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
        return await client.post("/v1/chat/completions", json={**CHAT, "stream": stream}, headers=headers)


def exposed(response: httpx.Response) -> list[str]:
    """The names the answer lets the page read, in order (all its Access-Control-Expose-Headers lines)."""
    lines = response.headers.get_list("access-control-expose-headers")
    return [name.strip() for line in lines for name in line.split(",") if name.strip()]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
async def test_a_page_the_upstream_allows_may_read_its_feedback_token(proxy_before, stream):
    async with proxy_before(b"access-control-allow-origin: *\r\n", stream) as proxy:
        response = await call(proxy, FROM_THE_PAGE, stream)

    assert response.status_code == 200
    assert response.headers["x-feedgate-feedback-token"]
    assert exposed(response) == FEEDGATES


async def test_the_upstreams_own_exposed_headers_are_kept_and_the_request_id_named_once(proxy_before):
    lines = b"access-control-allow-origin: " + ORIGIN.encode() + b"\r\n"
    lines += b"access-control-expose-headers: openai-organization, X-Request-ID\r\n"
    async with proxy_before(lines) as proxy:
        response = await call(proxy, FROM_THE_PAGE)

    assert exposed(response) == [
        "openai-organization",
        "X-Request-ID",
        "x-feedgate-interaction-id",
        "x-feedgate-feedback-token",
    ]


async def test_the_upstreams_expose_headers_lines_become_one(proxy_before):
    lines = b"access-control-allow-origin: *\r\n"
    lines += b"access-control-expose-headers: openai-model\r\naccess-control-expose-headers: openai-version\r\n"
    async with proxy_before(lines) as proxy:
        response = await call(proxy, FROM_THE_PAGE)

    assert response.headers.get_list("access-control-expose-headers") == [
        ", ".join(["openai-model", "openai-version", *FEEDGATES])
    ]


async def test_a_wildcard_is_kept_and_the_gateways_headers_named_for_a_page_sending_credentials(proxy_before):
    # The Fetch standard reads "*" as every header only on a call without credentials; with them
    # (fetch's credentials: "include"), "*" is a header's name, and only the names listed are readable.
    lines = b"access-control-allow-origin: " + ORIGIN.encode() + b"\r\naccess-control-allow-credentials: true\r\n"
    lines += b"access-control-expose-headers: *\r\n"
    async with proxy_before(lines) as proxy:
        response = await call(proxy, FROM_THE_PAGE)

    assert exposed(response) == ["*", *FEEDGATES]


async def test_a_call_without_an_origin_gets_the_upstreams_cors_headers_untouched(proxy_before):
    lines = b"access-control-allow-origin: *\r\naccess-control-expose-headers: openai-model\r\n"
    async with proxy_before(lines) as proxy:
        response = await call(proxy, {"authorization": "Bearer sk-a"})

    assert exposed(response) == ["openai-model"]


# An answer whose exposed names depend on the request's Origin names Origin in its Vary, so that a shared cache
# never hands the answer a page's call got to another origin's page, nor to a call without one.
@pytest.mark.parametrize(
    ("upstreams_vary", "vary"),
    [
        (b"", ["Origin"]),
        (b"vary: Accept-Encoding\r\n", ["Accept-Encoding, Origin"]),
        (b"vary: Accept-Encoding\r\nvary: Authorization\r\n", ["Accept-Encoding, Authorization, Origin"]),
        (b"vary: accept-encoding, origin\r\n", ["accept-encoding, origin"]),
        (b"vary: *\r\n", ["*"]),
    ],
    ids=["none", "one", "two lines", "origin named already", "everything"],
)
async def test_an_answer_whose_exposed_headers_the_gateway_changed_varies_on_origin(proxy_before, upstreams_vary, vary):
    async with proxy_before(b"access-control-allow-origin: *\r\n" + upstreams_vary) as proxy:
        response = await call(proxy, FROM_THE_PAGE)

    assert response.headers.get_list("vary") == vary


async def test_an_answer_the_upstream_lets_no_page_read_keeps_its_own_vary(proxy_before):
    async with proxy_before(b"vary: Accept-Encoding\r\n") as proxy:
        response = await call(proxy, FROM_THE_PAGE)

    assert response.headers.get_list("vary") == ["Accept-Encoding"]


async def test_a_page_with_the_null_origin_is_given_none_of_the_gateways_headers_to_read(proxy_before):
    # A sandboxed iframe's or a file:// page's Origin: any such page sends it, so it names no one page.
    async with proxy_before(
        b"access-control-allow-origin: *\r\naccess-control-expose-headers: openai-model\r\n"
    ) as proxy:
        response = await call(proxy, {**FROM_THE_PAGE, "origin": "null"})

    assert exposed(response) == ["openai-model"]
    assert "vary" not in response.headers


async def test_the_upstreams_leave_to_send_credentials_is_relayed_beside_the_gateways_names(proxy_before):
    lines = b"access-control-allow-origin: " + ORIGIN.encode() + b"\r\naccess-control-allow-credentials: true\r\n"
    async with proxy_before(lines) as proxy:
        response = await call(proxy, FROM_THE_PAGE)

    assert response.headers["access-control-allow-credentials"] == "true"
    assert exposed(response) == FEEDGATES
