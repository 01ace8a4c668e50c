"""What an app reads when the upstream gives no answer: plain words, the same from either upstream client.

The proxy runs in process in front of real sockets (a closed port, a `.invalid` host, the fake
upstream, a server that resets the connection), once with each upstream client.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from proxy_in_process import CHAT, passthrough_proxy, post_chat, raw_upstream

from gateway.proxy.relay import UpstreamBrokeOff
from gateway.proxy.upstream import AiohttpUpstream, HttpxUpstream, UpstreamClient
from gateway.recording.exchange import Exchange

# RFC 6761: a name under .invalid never resolves, on any resolver that follows it.
UNRESOLVABLE_HOST = "upstream.feedgate.invalid"
# The class names an app developer should never have to read (the server's log keeps them).
LIBRARY_NAMES = ("aiohttp", "httpx", "httpcore", "Client", "Error", "Exception")

CLIENTS: dict[str, Callable[[], UpstreamClient]] = {
    "aiohttp": lambda: AiohttpUpstream(max_connections=4, connect_timeout=5.0, read_timeout=5.0),
    "httpx": lambda: HttpxUpstream(httpx.AsyncHTTPTransport(), connect_timeout=5.0, read_timeout=5.0),
}
# What each client's own account of a refused connection starts with, in the server's log.
REFUSED_IN_THE_LOG = {"aiohttp": "(ClientConnectorError: ", "httpx": "(ConnectError: "}


@pytest.fixture(params=sorted(CLIENTS))
def client_name(request: pytest.FixtureRequest) -> str:
    """Each upstream client the gateway can be configured with (`upstream_http_client`)."""
    name: str = request.param
    return name


@pytest.fixture
async def call_proxy(
    client_name: str, submitted: list[Exchange]
) -> AsyncIterator[Callable[..., Awaitable[httpx.Response]]]:
    """Post a chat completion through the proxy to an upstream at `url`: `await call_proxy(url, body)`."""
    upstream_clients: list[UpstreamClient] = []

    async def call(url: str, body: dict[str, Any] = CHAT) -> httpx.Response:
        upstream_client = CLIENTS[client_name]()
        upstream_clients.append(upstream_client)
        return await post_chat(passthrough_proxy(url, upstream_client, submitted.append), body)

    yield call
    for upstream_client in upstream_clients:
        await upstream_client.aclose()


@pytest.fixture
def unresolvable_url() -> str:
    """An upstream URL whose host resolves nowhere; skipped where the resolver is slow to say so, or answers."""
    outcome: list[str] = []

    def resolve() -> None:
        try:
            socket.getaddrinfo(UNRESOLVABLE_HOST, 8080)
        except socket.gaierror:
            outcome.append("unresolved")
        else:
            outcome.append("resolved")

    probe = threading.Thread(target=resolve, daemon=True)
    probe.start()
    probe.join(2.0)
    if outcome != ["unresolved"]:
        pytest.skip(f"this machine's resolver does not promptly refuse {UNRESOLVABLE_HOST} ({outcome or 'slow'})")
    return f"http://{UNRESOLVABLE_HOST}:8080/v1"


@pytest.fixture
async def resetting_url() -> AsyncIterator[str]:
    """An upstream that reads the request and resets the connection without answering."""

    async def reset(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        # Linger 0: closing sends a reset (RST), not an orderly end.
        writer.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00" * 2)
        writer.transport.abort()

    async with raw_upstream(reset) as url:
        yield url


def port_of(url: str) -> int:
    port = httpx.URL(url).port
    assert port is not None
    return port


async def test_a_refused_connection_names_the_address_and_what_to_check(call_proxy, unused_url):
    response = await call_proxy(unused_url)

    assert response.status_code == 502
    assert response.json()["error"] == {
        "message": f"Upstream 'default' could not be reached: 127.0.0.1:{port_of(unused_url)} refused the "
        "connection. Check the host and port in this upstream's URL in Feedgate's configuration, and that the "
        "server there is running.",
        "type": "upstream_error",
        "param": None,
        "code": "upstream_unavailable",
    }


async def test_an_unreachable_upstream_502_names_the_interaction_as_the_request_id(call_proxy, unused_url, submitted):
    # No upstream answered, so no upstream id: the SDK's request_id is the gateway's record of the call.
    response = await call_proxy(unused_url)

    assert response.status_code == 502
    assert response.headers["x-request-id"] == response.headers["x-feedgate-interaction-id"] == submitted[0].id


async def test_a_host_name_that_does_not_resolve_is_named_with_the_resolvers_reason(call_proxy, unresolvable_url):
    response = await call_proxy(unresolvable_url)

    message = response.json()["error"]["message"]
    assert response.status_code == 502
    assert message.startswith(
        f"Upstream 'default' could not be reached: the host name {UNRESOLVABLE_HOST} did not resolve ("
    )
    assert message.endswith(
        "). Check the host name in this upstream's URL in Feedgate's configuration, and the DNS of the gateway's "
        "machine."
    )
    assert not [name for name in LIBRARY_NAMES if name in message]


async def test_https_to_a_port_without_tls_is_a_failed_tls_handshake(call_proxy, fake_upstream):
    url = fake_upstream.url.replace("http://", "https://")

    response = await call_proxy(url)

    message = response.json()["error"]["message"]
    assert response.status_code == 502
    assert message.startswith(
        f"Upstream 'default' could not be reached: the TLS handshake with 127.0.0.1:{port_of(url)} failed ("
    )
    assert message.endswith(
        "Check that this upstream's URL in Feedgate's configuration uses https only for a port that speaks TLS, "
        "and that the gateway's machine trusts the upstream's certificate."
    )
    assert not [name for name in LIBRARY_NAMES if name in message]


async def test_a_connection_reset_before_any_answer_says_it_was_closed(call_proxy, resetting_url):
    response = await call_proxy(resetting_url)

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_unavailable"
    assert response.json()["error"]["message"] == (
        f"Upstream 'default' did not answer: the connection to 127.0.0.1:{port_of(resetting_url)} was closed "
        "before an answer arrived. Sending the request again may work; if it keeps failing, check that the "
        "upstream is up."
    )


async def test_an_answer_cut_off_mid_body_is_a_502_that_says_it_broke_off(call_proxy, fake_upstream):
    response = await call_proxy(fake_upstream.url, {**CHAT, "model": "reset-model"})

    assert response.status_code == 502
    assert response.json()["error"]["code"] == "upstream_broke_off"
    assert response.json()["error"]["message"] == (
        "Upstream 'default' broke off its answer: the connection was closed before the answer was complete. "
        "Sending the request again may work."
    )


async def test_a_stream_cut_off_is_recorded_in_the_words_of_an_answer_cut_off(call_proxy, fake_upstream, submitted):
    # One wording for one failure: it was "upstream broke off the answer: ..." for a stream alone.
    await call_proxy(fake_upstream.url, {**CHAT, "model": "reset-model"})
    with pytest.raises(UpstreamBrokeOff):  # the client's connection is aborted: it has had the status already
        await call_proxy(fake_upstream.url, {**CHAT, "model": "reset-model", "stream": True})

    whole, stream = submitted
    assert stream.partial
    assert (
        stream.error
        == whole.error
        == (
            "Upstream 'default' broke off its answer: the connection was closed before the answer was complete. "
            "Sending the request again may work."
        )
    )


async def test_the_servers_log_keeps_the_client_librarys_own_account(call_proxy, client_name, unused_url, caplog):
    with caplog.at_level(logging.WARNING, logger="feedgate.proxy"):
        await call_proxy(unused_url)

    [line] = [record.getMessage() for record in caplog.records if record.name == "feedgate.proxy"]
    assert line.startswith(f"Upstream 'default' could not be reached: 127.0.0.1:{port_of(unused_url)} refused")
    assert REFUSED_IN_THE_LOG[client_name] in line
