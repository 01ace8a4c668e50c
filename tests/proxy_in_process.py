"""The proxy alone, in process: one default upstream, pass-through keys (or gateway keys), calls handed to `submit`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from gateway.config_entries import Upstream
from gateway.proxy.credentials import CallerResolver
from gateway.proxy.forward import ProxyApp
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import UpstreamClient
from gateway.recording.exchange import Exchange
from gateway.store.keys import LiveKey

# The default upstream's own key, which a gateway-key proxy sends in place of the app's.
UPSTREAM_KEY = b"Bearer sk-upstream-own"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


async def no_gateway_keys(_: str) -> None:
    return None


def passthrough_proxy(url: str, client: UpstreamClient, submit: Callable[[Exchange], Any], **options: Any) -> ProxyApp:
    """A ProxyApp forwarding to the upstream at `url` with the caller's own key (`options`: ProxyApp's others)."""
    resolver = CallerResolver(mode="passthrough", salt="s", lookup_gateway_key=no_gateway_keys)
    return _proxy(url, client, submit, resolver, None, **options)


def _proxy(
    url: str,
    client: UpstreamClient,
    submit: Callable[[Exchange], Any],
    resolver: CallerResolver,
    upstream_key: bytes | None,
    **options: Any,
) -> ProxyApp:
    """A ProxyApp before the one upstream at `url`, taking callers as `resolver` does and sending `upstream_key`."""
    return ProxyApp(
        router=UpstreamRouter([Upstream(name="default", url=url)]),
        resolver=resolver,
        client=client,
        submit=submit,
        upstream_authorization={"default": upstream_key},
        max_request_bytes=1 << 20,
        **options,
    )


async def post_chat(proxy: ProxyApp, body: dict[str, Any] = CHAT) -> httpx.Response:
    """A chat completion posted through `proxy`, with a caller's key."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=proxy), base_url="http://gw") as client:
        return await client.post("/v1/chat/completions", json=body, headers={"authorization": "Bearer sk-a"})


@asynccontextmanager
async def raw_upstream(
    answer: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[str]:
    """An upstream on a real socket that answers each connection with `answer`; its base URL (…/v1)."""
    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/v1"
    finally:
        server.close()
        await server.wait_closed()


def gateway_key_proxy(
    url: str, client: UpstreamClient, submit: Callable[[Exchange], Any], keys: dict[str, LiveKey]
) -> ProxyApp:
    """A ProxyApp in gateway-key mode taking the issued `keys` (value: key), forwarding to `url` with UPSTREAM_KEY."""

    async def lookup(token: str) -> LiveKey | None:
        return keys.get(token)

    return _proxy(
        url, client, submit, CallerResolver(mode="gateway", salt="s", lookup_gateway_key=lookup), UPSTREAM_KEY
    )
