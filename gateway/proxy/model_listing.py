"""GET /v1/models with several upstreams: every model an app can call through the gateway, in one list.

With one upstream the call is forwarded untouched, as any call that is not recorded. With `[[upstreams]]`
entries each upstream is asked at once, concurrently, with the credentials a call routed there gets (bounded
by the upstream client's connect and read timeouts); a model is listed from the upstream its name is routed to
(gateway.proxy.routing: a model the default upstream lists under another upstream's prefix is not the default's
to serve), and each name an upstream's `models` lists is listed even where its upstream does not list it. An
upstream that fails (unreachable, an error status, an answer that is no model list) leaves its models out and
says so in a log line; only when every upstream fails does the app get an error: the default upstream's own
answer, or the gateway's 502/504 when it gave none. GET /v1/models/{id} goes to the upstream serving that model.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

import orjson

from gateway.config_entries import Upstream
from gateway.proxy.own_cors import readable_by_its_page
from gateway.proxy.relay import Headers, send_error, send_json, send_whole
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import UpstreamClient, UpstreamFailed
from gateway.recording.content_coding import UnreadableCoding, decoded_content
from gateway.request_ids import with_request_id

logger = logging.getLogger("feedgate.proxy")

MODELS_PATH = "/v1/models"
# A model's own path: GET /v1/models/{id} (an id may hold slashes: "meta-llama/Llama-3.1-8B").
MODEL_PATHS = MODELS_PATH + "/"
# The most of one upstream's list read (a list of thousands of models is well under it).
MAX_LIST_BYTES = 8 * 1024 * 1024
# The headers of an upstream's failed list relayed with it, when it is the default's and every upstream failed:
# its `x-request-id` too, the SDKs' request_id, the id to quote to the provider about it.
_KEPT_OF_A_FAILED_LIST = frozenset({b"content-type", b"content-encoding", b"x-request-id"})


class _Failed(Exception):
    """One upstream gave no model list: why (for the log), and what the app may be told of it.

    `answer`: the upstream's own answer (status, headers, body), when it sent one; `gateway`: the status and
    code of the gateway's error otherwise, and `said` its words (without the HTTP client's own account).
    """

    def __init__(
        self,
        why: str,
        answer: tuple[int, Headers, bytes] | None = None,
        gateway: tuple[int, str] = (502, "upstream_unavailable"),
        said: str | None = None,
    ) -> None:
        super().__init__(why)
        self.answer = answer
        self.gateway = gateway
        self.said = said or why


def _unreachable(upstream: Upstream, exc: UpstreamFailed) -> _Failed:
    gateway = (504, "upstream_timeout") if exc.timed_out else (502, "upstream_unavailable")
    said = exc.message(upstream.name)
    return _Failed(f"{said} ({exc.technical})", gateway=gateway, said=said)


def routed_model(path: str) -> str | None:
    """The model a GET of `path` names, when it is a model's own path (routed to the upstream serving it)."""
    return path[len(MODEL_PATHS) :] or None if path.startswith(MODEL_PATHS) else None


class ModelListing:
    """Answers GET /v1/models from every configured upstream (made only when there are several)."""

    def __init__(self, router: UpstreamRouter, client: UpstreamClient) -> None:
        self._router = router
        self._client = client

    async def answer(
        self, send: Callable[..., Any], scope: dict[str, Any], headers_for: Callable[[Upstream], Headers]
    ) -> None:
        """Send the merged list; `headers_for(upstream)`: the request's headers as that upstream should get them."""
        upstreams, query = self._router.upstreams, scope["query_string"].decode("latin-1")
        lists = await asyncio.gather(
            *(self._list(upstream, query, headers_for(upstream)) for upstream in upstreams), return_exceptions=True
        )
        models: list[Any] = []
        seen: set[str] = set()
        failures: list[tuple[Upstream, _Failed]] = []
        for upstream, listed in zip(upstreams, lists, strict=True):
            if isinstance(listed, _Failed):
                logger.warning("GET /v1/models: upstream %r is left out of the list: %s", upstream.name, listed)
                failures.append((upstream, listed))
                continue
            if isinstance(listed, BaseException):
                raise listed
            for model in listed:
                name = model.get("id")
                if isinstance(name, str) and name not in seen and self._router.route(name) is upstream:
                    seen.add(name)
                    models.append(model)
        # The gateway's own answer: the page that asked may read it, as it read one upstream's (gateway.proxy.own_cors).
        readable = readable_by_its_page(scope["headers"])
        if len(failures) == len(upstreams):
            await _send_failure(send, failures, readable)
            return
        for upstream in upstreams:
            for name in upstream.models:
                if name not in seen and self._router.route(name) is upstream:
                    seen.add(name)
                    models.append({"id": name, "object": "model", "created": 0, "owned_by": upstream.name})
        await send_json(send, 200, {"object": "list", "data": models}, readable)

    async def _list(self, upstream: Upstream, query: str, headers: Headers) -> list[dict[str, Any]]:
        """The models `upstream` lists; raises _Failed."""
        # Read here, not relayed: asked uncompressed (one that compresses anyway is decoded).
        headers = [(name, value) for name, value in headers if name != b"accept-encoding"]
        headers.append((b"accept-encoding", b"identity"))
        try:
            response = await self._client.send("GET", upstream.address("/models", query), headers, b"")
        except UpstreamFailed as exc:
            raise _unreachable(upstream, exc) from exc
        try:
            chunks, size = [], 0
            async for chunk in response.aiter_raw():
                size += len(chunk)
                if size > MAX_LIST_BYTES:
                    raise _Failed(f"its list is larger than {MAX_LIST_BYTES} bytes")
                chunks.append(chunk)
        except UpstreamFailed as exc:
            raise _unreachable(upstream, exc) from exc
        finally:
            await response.aclose()
        body = b"".join(chunks)
        if not 200 <= response.status_code < 300:
            # As the bytes came: read as text and written back as Latin-1, a UTF-8 "é" went back as the one byte E9,
            # and a character past U+00FF ("日本") was a 500.
            answered = [(name.lower(), value) for name, value in response.raw_headers]
            kept = [(name, value) for name, value in answered if name in _KEPT_OF_A_FAILED_LIST]
            raise _Failed(f"it answered {response.status_code}", (response.status_code, kept, body))
        return _models_of(body, response.header("content-encoding"))


def _models_of(body: bytes, encoding: str) -> list[dict[str, Any]]:
    """The model objects of a list's body; raises _Failed for one that is no list of models."""
    if encoding and encoding.strip().lower() != "identity":
        try:
            decoded = decoded_content(body, encoding, max_bytes=MAX_LIST_BYTES).body
        except UnreadableCoding:
            decoded = None
        if decoded is None:
            raise _Failed(f"its list came in content-encoding {encoding!r}, which could not be decoded")
        body = decoded
    try:
        listed = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise _Failed("its answer is not JSON") from None
    data = listed.get("data") if isinstance(listed, dict) else None
    if not isinstance(data, list):
        raise _Failed("its answer lists no models (no `data` list)")
    return [model for model in data if isinstance(model, dict)]


async def _send_failure(
    send: Callable[..., Any], failures: Sequence[tuple[Upstream, _Failed]], readable: Headers
) -> None:
    """Every upstream failed: the default's own answer as it came, else the gateway's error naming each failure."""
    default = failures[-1][1]  # the default upstream is the last one
    if default.answer is not None:
        status, headers, body = default.answer
        length = (b"content-length", str(len(body)).encode())
        await send_whole(send, status, with_request_id([*headers, length, *readable]), body)
        return
    status, code = default.gateway
    message = "No upstream listed its models: " + "; ".join(f"{up.name!r}: {failed.said}" for up, failed in failures)
    await send_error(send, status, message, code, [*readable])
