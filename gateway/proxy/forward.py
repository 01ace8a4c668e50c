"""The proxy hot path: a raw ASGI app that forwards `/v1/*` and tees answers to the writer.

Kept off the web framework on purpose: every microsecond here is added to every
call an app makes. Nothing on this path touches the database.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import uuid_utils

from gateway.errors import openai_error_body
from gateway.proxy.credentials import CallerResolver, UnknownKey
from gateway.proxy.headers import downstream_response_headers, upstream_request_headers
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import UpstreamClient, UpstreamFailed, UpstreamResponse
from gateway.recording.exchange import RECORDED_ENDPOINTS, Exchange

Scope = dict[str, Any]
Headers = list[tuple[bytes, bytes]]

_JSON_HEADERS: Headers = [(b"content-type", b"application/json")]


class UpstreamBrokeOff(Exception):
    """The upstream failed after the answer had started; the client connection is aborted."""


class ProxyApp:
    """Forwards one request to its upstream and streams the answer back untouched."""

    def __init__(
        self,
        *,
        router: UpstreamRouter,
        resolver: CallerResolver,
        client: UpstreamClient,
        submit: Callable[[Exchange], None],
        upstream_authorization: dict[str, bytes | None],
        max_request_bytes: int,
        identity_headers: Callable[[str], Headers] | None = None,
    ) -> None:
        self._router = router
        self._resolver = resolver
        self._client = client
        self._submit = submit
        self._upstream_authorization = upstream_authorization
        self._max_request_bytes = max_request_bytes
        self._identity_headers = identity_headers

    async def __call__(self, scope: Scope, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        started = time.perf_counter()
        created_at = datetime.now(UTC)
        interaction_id = str(uuid_utils.uuid7())
        # Every answer names its interaction, even an error, so a failure can be looked up.
        id_headers: Headers = [(b"x-feedgate-interaction-id", interaction_id.encode())]
        if self._identity_headers is not None:
            id_headers += self._identity_headers(interaction_id)

        request_headers: Headers = scope["headers"]
        authorization = content_length = end_user = metadata_header = None
        for name, value in request_headers:
            if name == b"authorization":
                authorization = value
            elif name == b"content-length":
                content_length = value
            elif name == b"x-feedgate-user":
                end_user = value.decode("utf-8", errors="replace")
            elif name == b"x-feedgate-metadata":
                metadata_header = value

        body = await self._read_body(receive, content_length)
        if body is None:
            limit = self._max_request_bytes
            message = f"Request body is larger than this gateway's limit of {limit} bytes."
            await _send_error(send, 413, message, "request_too_large", id_headers)
            return

        metadata = None
        if metadata_header is not None:
            metadata = _parse_json_object(metadata_header)
            if metadata is None:
                message = "The x-feedgate-metadata header must be a JSON object, e.g. {\"feature\": \"search\"}."
                await _send_error(send, 400, message, "invalid_metadata", id_headers)
                return

        try:
            caller = await self._resolver.resolve(authorization)
        except UnknownKey as exc:
            message = f"Incorrect API key provided ({exc}). Use a key issued by `feedgate keys create`."
            await _send_error(send, 401, message, "invalid_api_key", id_headers)
            return

        path: str = scope["path"]
        method: str = scope["method"]
        endpoint = RECORDED_ENDPOINTS.get(path) if method == "POST" else None
        request_json = _parse_json_object(body) if body[:1] == b"{" else None
        model = request_json.get("model") if request_json else None
        upstream = self._router.route(model if isinstance(model, str) else None)

        exchange = None
        if endpoint is not None:
            exchange = Exchange(
                id=interaction_id,
                created_at=created_at,
                app=caller.app,
                endpoint=endpoint,
                upstream=upstream.name,
                request=request_json,
                end_user=end_user,
                metadata=metadata,
            )

        raw_path: bytes = scope.get("raw_path") or path.encode()
        url = upstream.url + raw_path[3:].decode("latin-1")  # both carry the /v1 prefix once
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode("latin-1")
        replacement = self._upstream_authorization.get(upstream.name) or b"" if caller.replaces_authorization else None
        try:
            try:
                response = await self._client.send(
                    method, url, upstream_request_headers(request_headers, replacement), body
                )
            except UpstreamFailed as exc:
                status, message = _upstream_failure(exc, upstream.name)
                if exchange is not None:
                    exchange.status_code = status
                    exchange.error = message
                await _send_error(send, status, message, "upstream_unavailable", id_headers)
                return
            if exchange is not None:
                exchange.status_code = response.status_code
            await self._relay(response, id_headers, exchange, receive, send, started)
        finally:
            if exchange is not None:
                exchange.latency_ms = (time.perf_counter() - started) * 1000
                self._submit(exchange)

    async def _read_body(self, receive: Callable[..., Any], content_length: bytes | None) -> bytes | None:
        """The whole request body, or None when it exceeds the size limit."""
        limit = self._max_request_bytes
        if content_length is not None and content_length.isdigit() and int(content_length) > limit:
            return None
        message = await receive()
        body: bytes = message.get("body", b"")
        if not message.get("more_body"):
            return body
        parts = [body]
        size = len(body)
        while message.get("more_body"):
            message = await receive()
            part = message.get("body", b"")
            size += len(part)
            if size > limit:
                return None
            parts.append(part)
        return b"".join(parts)

    async def _relay(
        self,
        response: UpstreamResponse,
        id_headers: Headers,
        exchange: Exchange | None,
        receive: Callable[..., Any],
        send: Callable[..., Any],
        started: float,
    ) -> None:
        """Send the upstream's answer on, chunk by chunk for streams, in one piece otherwise."""
        headers = downstream_response_headers(response.raw_headers) + id_headers
        content_type = response.header("content-type")
        if exchange is not None:
            exchange.content_type = content_type
            exchange.content_encoding = response.header("content-encoding")
        chunks = exchange.body_chunks if exchange is not None else None
        try:
            if not content_type.startswith("text/event-stream"):
                try:
                    body = b"".join([chunk async for chunk in response.aiter_raw()])
                except UpstreamFailed as exc:
                    # Nothing has reached the client yet, so it can still get a clean 502.
                    message = f"Upstream broke off its answer: {exc}"
                    if exchange is not None:
                        exchange.status_code = 502
                        exchange.error = message
                    await _send_error(send, 502, message, "upstream_broke_off", id_headers)
                    return
                if exchange is not None:
                    exchange.ttfb_ms = (time.perf_counter() - started) * 1000
                    chunks.append(body)  # type: ignore[union-attr]
                await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
                await send({"type": "http.response.body", "body": body, "more_body": False})
                return
            await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
            await self._relay_stream(response, exchange, chunks, receive, send, started)
        except UpstreamFailed as exc:
            if exchange is not None:
                exchange.partial = True
                exchange.error = f"upstream broke off the answer: {exc}"
            raise UpstreamBrokeOff(str(exc)) from exc
        finally:
            await response.aclose()

    async def _relay_stream(
        self,
        response: UpstreamResponse,
        exchange: Exchange | None,
        chunks: list[bytes] | None,
        receive: Callable[..., Any],
        send: Callable[..., Any],
        started: float,
    ) -> None:
        """Pass server-sent events through as they arrive; stop early if the client leaves."""
        watcher = _DisconnectWatcher(receive)
        try:
            async for chunk in response.aiter_raw():
                if chunks is not None:
                    if not chunks:
                        exchange.ttfb_ms = (time.perf_counter() - started) * 1000  # type: ignore[union-attr]
                    chunks.append(chunk)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            watcher.finished = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        except asyncio.CancelledError:
            if not watcher.disconnected:
                raise
            asyncio.current_task().uncancel()  # type: ignore[union-attr]
            if exchange is not None:
                exchange.partial = True
                exchange.error = "client disconnected before the answer was complete"
        finally:
            watcher.stop()


class _DisconnectWatcher:
    """Cancels the relaying task when the client goes away mid-stream.

    Without it a stream would run on, unread, until the upstream finished;
    uvicorn silently drops sends to a closed connection.
    """

    def __init__(self, receive: Callable[..., Any]) -> None:
        self._receive = receive
        self._relay = asyncio.current_task()
        self.disconnected = False
        self.finished = False
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        message = await self._receive()
        if message["type"] == "http.disconnect" and not self.finished:
            self.disconnected = True
            self._relay.cancel()  # type: ignore[union-attr]

    def stop(self) -> None:
        self._task.cancel()


def _parse_json_object(body: bytes) -> dict[str, Any] | None:
    """`body` as a JSON object, or None when it is not one (a body or the metadata header)."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def _upstream_failure(exc: UpstreamFailed, upstream: str) -> tuple[int, str]:
    """Status and message for a request that never got an answer from its upstream."""
    if exc.timed_out:
        return 504, f"Upstream '{upstream}' did not answer in time."
    return 502, f"Upstream '{upstream}' could not be reached: {exc}"


async def _send_error(send: Callable[..., Any], status: int, message: str, code: str, extra: Headers) -> None:
    body = openai_error_body(status, message, code)
    headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode()), *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})
