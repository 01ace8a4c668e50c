"""The proxy's forward stage: send one call's request to its upstream and relay the answer back.

The answer is relayed as it arrives (a stream, or any answer nothing records) or read whole, the app's
policies see it and may replace it, hold it or send the call once more (gateway.proxy.policy), and an
upstream that fails or breaks off is answered and counted here. The ASGI app that resolves the caller,
reads the body and records the call is gateway.proxy.forward.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

from gateway.config_entries import Upstream
from gateway.exact_json import dumps_exact
from gateway.observability.metrics import UPSTREAM_BROKE_OFF, UPSTREAM_TIMEOUT, UPSTREAM_UNREACHABLE
from gateway.observability.request_metrics import RequestMetrics
from gateway.proxy.call import ProxyCall
from gateway.proxy.decide import observe
from gateway.proxy.headers import downstream_response_headers, upstream_request_headers
from gateway.proxy.own_cors import with_gateway_headers_exposed
from gateway.proxy.policy import Hold, PolicyAnswer, Resend
from gateway.proxy.read_timeouts import LongerRead
from gateway.proxy.refusals import answer_id_headers, refuse, send_held, upstream_request_id
from gateway.proxy.relay import (
    DisconnectWatcher,
    Headers,
    UpstreamBrokeOff,
    failed_mid_answer,
    read_whole,
    relay_stream,
    send_whole,
    unless_client_leaves,
)
from gateway.proxy.request_body import ClientLeft, PastLimit, streamed
from gateway.proxy.response_looks import ResponseLook
from gateway.proxy.stream_start import stream_or_not
from gateway.proxy.upstream import UpstreamClient, UpstreamFailed
from gateway.recording.exchange import Answer
from gateway.recording.stream_rule import named_event_stream

Scope = dict[str, Any]

logger = logging.getLogger("feedgate.proxy")
# A call that has lasted this long starts watching whether its client is still there (and a stream as it
# starts): a call answered sooner, as most are in a benchmark, spends nothing on it, and one whose client
# leaves and whose answer comes back both within this time is stored as answered.
WATCH_CLIENT_AFTER_SECONDS = 0.25


class UpstreamForwarder:
    """Sends a call's request to its upstream, with that upstream's key in gateway-key mode, and relays the answer."""

    def __init__(
        self,
        client: UpstreamClient,
        upstream_authorization: dict[str, bytes | None],
        metrics: RequestMetrics,
    ) -> None:
        self._client = client
        self._upstream_authorization = upstream_authorization
        self._metrics = metrics

    def headers_for(
        self, upstream: Upstream, scope: Scope, replaces: bool, hop_names: frozenset[bytes] | None
    ) -> Headers:
        """The request's headers as `upstream` gets them: with its own key in gateway-key mode."""
        replacement = self._upstream_authorization.get(upstream.name) or b"" if replaces else None
        return upstream_request_headers(scope["headers"], replacement, hop_names)

    async def forward_streamed_body(
        self,
        scope: Scope,
        send: Callable[..., Any],
        replaces: bool,
        upstream: Upstream,
        body: PastLimit,
        hop_names: frozenset[bytes] | None,
        longer_read: LongerRead | None,
        from_a_page: bool = False,
    ) -> None:
        """Forward a call that is not recorded with its body streamed; the client is watched once it is all read."""
        watcher = DisconnectWatcher(body.receive_after, after=WATCH_CLIENT_AFTER_SECONDS)
        forwarding = self.forward(
            scope, watcher, send, replaces, upstream, body, None, hop_names, longer_read, None, from_a_page
        )
        await unless_client_leaves(watcher, forwarding, None)

    async def forward(
        self,
        scope: Scope,
        watcher: DisconnectWatcher,
        send: Callable[..., Any],
        replaces_authorization: bool,
        upstream: Upstream,
        body: bytes | PastLimit,
        call: ProxyCall | None,
        hop_names: frozenset[bytes] | None = None,
        longer_read: LongerRead | None = None,
        look: ResponseLook | None = None,
        from_a_page: bool = False,
    ) -> None:
        """Send the request upstream and relay its answer, whole or as a stream; `watcher` stops it if the client goes.

        `hop_names`: the headers the client's Connection header named, which are not forwarded; `longer_read`:
        the longer wait for the answer the client's own timeout asks for, if any; `look`: a look at a Responses call;
        `from_a_page`: the request named its Origin (a browser page's call).
        """
        raw_path: bytes = scope.get("raw_path") or scope["path"].encode()
        # Both the path and the upstream's url carry the /v1 prefix once.
        url = upstream.address(raw_path[3:].decode("latin-1"), scope["query_string"].decode("latin-1"))
        headers_out = self.headers_for(upstream, scope, replaces_authorization, hop_names)
        if call is not None:
            call.forwarded_at = time.perf_counter()
        sent: bytes | AsyncIterator[bytes] = streamed(body, headers_out) if isinstance(body, PastLimit) else body
        try:
            if longer_read is None:
                response = await self._client.send(scope["method"], url, headers_out, sent)
            else:
                response = await self._client.send(scope["method"], url, headers_out, sent, longer_read)
        except ClientLeft:
            return  # mid-upload: nobody to answer, and the upstream got no whole request
        except UpstreamFailed as exc:
            watcher.finished = True  # the gateway's own answer follows: nothing is left to give up
            self._metrics.upstream_failed(upstream.name, UPSTREAM_TIMEOUT if exc.timed_out else UPSTREAM_UNREACHABLE)
            message = exc.message(upstream.name)
            # The client library's own account (its class names) is for operators, never the app's error.
            logger.warning("%s (%s)", message, exc.technical)
            if exc.timed_out:
                await refuse(send, scope["headers"], call, 504, message, "upstream_timeout")
            else:
                await refuse(send, scope["headers"], call, 502, message, "upstream_unavailable")
            return
        answer: Answer | None = call if call is not None else look
        if call is None:
            id_headers = []
        elif "x-request-id" in response.headers:  # one dict lookup: the upstream's own id names its answer
            id_headers = call.id_headers
        else:
            id_headers = answer_id_headers(call)
        try:
            headers = downstream_response_headers(response.raw_headers) + id_headers
            if from_a_page and "access-control-allow-origin" in response.headers:
                # The upstream lets the page read its answer: the gateway's headers too (gateway.proxy.own_cors).
                headers = with_gateway_headers_exposed(headers)
            content_type = response.header("content-type")
            if answer is not None:
                answer.status_code = response.status_code
                answer.content_type = content_type
                answer.content_encoding = response.header("content-encoding")
            # The usual name, as written: one string test. A stream the upstream names otherwise (`text/plain`, none)
            # is told by its first bytes, by the recording's rule (gateway.recording.stream_rule), on a call that
            # asked for one (`asked_for_stream`, inlined): on a plain JSON call this `in` and `.get` measured what
            # the `startswith` before them did alone (78 and 81 ns); calling the function added ~40 ns.
            stream = "text/event-stream" in content_type
            if not stream and call is not None:
                if (requested := call.request) and requested.get("stream"):
                    try:
                        response, stream = await stream_or_not(response, content_type)
                    except UpstreamFailed as exc:
                        await self._broke_off_unanswered(send, scope, call, upstream.name, exc, headers, watcher)
                        return
                elif content_type != "application/json":
                    # A call that asked for none: its answer is a stream by its name alone, in any case too
                    # (`Text/Event-Stream`), as the record reads it; OpenAI's JSON answer pays this one comparison.
                    stream = named_event_stream(content_type)
            # An answer nothing records is relayed as it arrives too: speech audio is played as it comes,
            # and a large file download must not wait whole in the gateway's memory.
            if stream or call is None:
                if call is not None:
                    call.streaming = True
                await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
                try:
                    started = call.started if call else 0.0
                    await relay_stream(
                        response, answer, watcher.receive, send, started, upstream.name, watcher, error_event=stream
                    )
                except UpstreamBrokeOff as exc:
                    self._metrics.upstream_failed(
                        upstream.name, UPSTREAM_TIMEOUT if exc.timed_out else UPSTREAM_BROKE_OFF
                    )
                    logger.warning("%s", exc)
                    raise
                except Exception as exc:
                    # A bug, with the status sent already: no 500 can follow it (gateway.proxy.refusals.crashed).
                    raise failed_mid_answer(answer, exc) from exc
                if call is None:
                    return
                call.upstream_done_at = time.perf_counter()
                if call.policy_request is not None:
                    whole = PolicyAnswer(response.status_code, content_type, b"".join(call.body_chunks), True)
                    await observe(call.policies, call.policy_request, whole, call.notes)
                return
            try:
                answer_body = await read_whole(response, answer, started=call.started)
            except UpstreamFailed as exc:
                await self._broke_off_unanswered(send, scope, call, upstream.name, exc, headers, watcher)
                return
            # The answer is in: the policies and the send are not cut short (the send wakes the watcher).
            watcher.finished = True
            if call is not None:
                call.upstream_done_at = time.perf_counter()
            if call is not None and call.policy_request is not None:
                encoding = response.header("content-encoding")
                whole = PolicyAnswer(response.status_code, content_type, answer_body, False, encoding)
                request = call.policy_request
                result = await observe(call.policies, request, whole, call.notes, may_resend=not request.resent)
                if isinstance(result, Resend):
                    # The client has seen nothing of this answer: the call goes out once more, as a policy asks.
                    call.forget_answer()
                    request.json, request.resent = result.json, True
                    body = dumps_exact(result.json)
                    watcher.rearm()
                    await self.forward(
                        scope,
                        watcher,
                        send,
                        replaces_authorization,
                        upstream,
                        body,
                        call,
                        hop_names,
                        longer_read,
                        None,
                        from_a_page,
                    )
                    return
                if isinstance(result, Hold):
                    await send_held(send, scope["headers"], call, result)
                    return
                if result is not None:
                    # Other (uncompressed) bytes: the upstream's length and encoding no longer describe them.
                    headers = [(n, v) for n, v in headers if n not in (b"content-length", b"content-encoding")]
                    headers.append((b"content-length", str(len(result.body)).encode()))
                    answer_body = result.body
            await send_whole(send, response.status_code, headers, answer_body)
        finally:
            await response.aclose()

    async def _broke_off_unanswered(
        self,
        send: Callable[..., Any],
        scope: Scope,
        call: ProxyCall,
        upstream_name: str,
        failure: UpstreamFailed,
        headers: Headers,
        watcher: DisconnectWatcher,
    ) -> None:
        """The upstream broke off, or went silent, before anything of its answer reached the client."""
        watcher.finished = True
        self._metrics.upstream_failed(upstream_name, UPSTREAM_TIMEOUT if failure.timed_out else UPSTREAM_BROKE_OFF)
        message = failure.message(upstream_name)
        logger.warning("%s (%s)", message, failure.technical)
        # Nothing has reached the client yet, so it can still get a clean error (a 504 for a wait that ran
        # out, else 502), naming the upstream's request.
        status, code = failure.cut_short()
        await refuse(send, scope["headers"], call, status, message, code, upstream_request_id(headers))
