"""The proxy hot path: a raw ASGI app that forwards `/v1/*` and tees answers to the writer.

Kept off the web framework on purpose: every microsecond here is added to every
call an app makes. Nothing on this path touches the database, but for a later look at a
Responses call when several upstreams are configured (gateway.proxy.response_homes).

One call goes through four stages: resolve the caller (who is it, what did they send),
decide (the app's request policies, if any claim it), forward (send upstream, relay the
answer: gateway.proxy.forward_upstream), record (one Exchange handed to the writer when the
call is over).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from contextvars import Token
from typing import Any

from gateway.config_entries import Upstream
from gateway.observability.context import INTERACTION_ID
from gateway.observability.request_metrics import RequestMetrics, request_metrics
from gateway.proxy.call import ProxyCall
from gateway.proxy.credentials import (
    PREFLIGHT_CALLER,
    CallerResolver,
    GatewayKeyInPassThrough,
    KeyLookupUnavailable,
    UnknownKey,
    is_cors_preflight,
)
from gateway.proxy.decide_call import body_to_forward
from gateway.proxy.forward_upstream import WATCH_CLIENT_AFTER_SECONDS, UpstreamForwarder
from gateway.proxy.headers import (
    PLAIN_CONNECTION,
    connection_options,
    header_text,
    header_utf8,
)
from gateway.proxy.model_listing import MODELS_PATH, ModelListing, routed_model
from gateway.proxy.own_cors import NULL_ORIGIN
from gateway.proxy.policy import Policy
from gateway.proxy.read_timeouts import CLIENT_READ_TIMEOUT_HEADER, ReadTimeouts
from gateway.proxy.refusals import crashed, refuse, stopped_by_shutdown
from gateway.proxy.relay import (
    DisconnectWatcher,
    Headers,
    UpstreamBrokeOff,
    unless_client_leaves,
)
from gateway.proxy.request_body import ClientLeft, PastLimit, read_body
from gateway.proxy.request_json import BAD_METADATA, climbs, metadata_object, request_object, v1_written_plainly
from gateway.proxy.response_homes import ResponseHomes, ResponseHomeUnavailable
from gateway.proxy.response_looks import RESPONSE_PATHS, ResponseLook, looked_at, response_look
from gateway.proxy.routing import UpstreamRouter
from gateway.proxy.upstream import UpstreamClient
from gateway.recording.exchange import RECORDED_ENDPOINTS, Exchange
from gateway.recording.identifiers import end_user_id
from gateway.request_coding import UNSUPPORTED_CODING, names_a_coding, uncompressed_please

Scope = dict[str, Any]

__all__ = ["ProxyApp", "UpstreamBrokeOff"]

# The request headers the proxy reads itself.
_READ_HEADERS = frozenset(
    {
        b"authorization",
        b"content-length",
        b"content-encoding",
        b"x-feedgate-user",
        b"x-feedgate-metadata",
        CLIENT_READ_TIMEOUT_HEADER,
        b"connection",
        b"origin",
    }
)


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
        # Headers for a recorded call's answer, from its interaction id and the end user it names.
        identity_headers: Callable[[str, str | None], Headers] | None = None,
        policies: Sequence[Policy] = (),
        # Counts calls once they are over (default: this process's metrics).
        metrics: RequestMetrics | None = None,
        # The read timeout and how far a client's longer one may stretch it (None: the upstream client's alone).
        read_timeouts: ReadTimeouts | None = None,
        # Where a later look at a Responses call goes (its create's upstream); used only with several upstreams.
        response_homes: ResponseHomes | None = None,
    ) -> None:
        self._router = router
        self._resolver = resolver
        self._submit = submit
        self._max_request_bytes = max_request_bytes
        self._identity_headers = identity_headers
        # Kept as given (not copied): the services may register policies after the proxy is built.
        self._policies = policies
        self._metrics = metrics if metrics is not None else request_metrics()
        # Only set when a client's timeout may be honoured: otherwise its header is not even read.
        self._read_timeouts = read_timeouts if read_timeouts is not None and read_timeouts.on else None
        self._listing = ModelListing(router, client) if len(router.upstreams) > 1 else None
        # With one upstream every look goes there: no lookup, no cost.
        self._homes = response_homes if len(router.upstreams) > 1 else None
        # The forward stage (gateway.proxy.forward_upstream): the request sent upstream, its answer relayed.
        self._forwarder = UpstreamForwarder(client, upstream_authorization, self._metrics)

    async def __call__(self, scope: Scope, receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        started = time.perf_counter()
        # Set as the call goes: what the end of the call (below) records, and a crash answers for.
        call: ProxyCall | None = None
        look: ResponseLook | None = None
        interaction_bound: Token[str | None] | None = None
        try:
            request_headers: Headers = scope["headers"]
            if "/." in scope["path"] and climbs(scope["path"]):
                # "/v1/../x" (or %2e%2e) would reach a path outside the upstream's base, in gateway-key
                # mode with Feedgate's key for that upstream.
                message = (
                    "The path may not hold '.' or '..' segments: "
                    "call the OpenAI route itself, e.g. /v1/chat/completions."
                )
                await refuse(send, request_headers, None, 400, message, "invalid_path")
                self._metrics.refused("other", 400)
                return
            if not v1_written_plainly(scope.get("raw_path")):
                message = "The path must start with /v1/ as written, not percent-encoded: e.g. /v1/chat/completions."
                await refuse(send, request_headers, None, 400, message, "invalid_path")
                self._metrics.refused("other", 400)
                return
            authorization = content_length = content_encoding = end_user = metadata_header = hop_names = None
            client_read_timeout = origin = None
            for name, value in request_headers:
                if name not in _READ_HEADERS:
                    continue  # most of a call's headers: one set lookup, and their hash is reused when they are forwarded
                if name == b"authorization":
                    authorization = value
                elif name == b"content-length":
                    content_length = value
                elif name == CLIENT_READ_TIMEOUT_HEADER:  # sent on every call by the OpenAI SDKs
                    client_read_timeout = value
                elif name == b"content-encoding":
                    content_encoding = value
                elif name == b"x-feedgate-user":
                    end_user = end_user_id(header_text(value))
                elif name == b"x-feedgate-metadata":
                    metadata_header = header_utf8(value)
                elif name == b"origin":  # a browser page's call
                    if value != NULL_ORIGIN:  # every opaque origin's: it names no page (gateway.proxy.own_cors)
                        origin = value
                elif value not in PLAIN_CONNECTION:  # connection
                    # The headers it names (beyond keep-alive or close) are for this hop alone: not forwarded.
                    hop_names = connection_options(value, hop_names)
            if authorization is None:
                authorization = self._resolver.pass_through_api_key(request_headers)
            try:
                caller = await self._resolver.resolve(authorization)
            except UnknownKey as exc:
                if not is_cors_preflight(scope["method"], request_headers):
                    # Refused before anything is recorded: the answer names no interaction.
                    message = f"Incorrect API key provided ({exc})."
                    if not isinstance(exc, GatewayKeyInPassThrough):  # that key is one `keys create` issued
                        message += " Use a key issued by `feedgate keys create`."
                    await refuse(send, request_headers, None, 401, message, "invalid_api_key")
                    self._metrics.refused(RECORDED_ENDPOINTS.get(scope["path"], "other"), 401)
                    return
                # A browser never sends a key with its preflight: refused, it reported a CORS failure, not a key,
                # and the page's call never went. It goes upstream as in pass-through mode, with no key at all.
                caller = PREFLIGHT_CALLER
            except KeyLookupUnavailable as exc:
                # As the other endpoints answer an outage: 503 with Retry-After, in OpenAI's shape.
                await refuse(
                    send, request_headers, None, 503, str(exc), "database_unavailable", [(b"retry-after", b"5")]
                )
                self._metrics.refused(RECORDED_ENDPOINTS.get(scope["path"], "other"), 503)
                return

            # A client that waits longer than the gateway (the SDKs' own timeout) is waited for: read only when set longer.
            longer_read = None
            if client_read_timeout is not None and self._read_timeouts is not None:
                longer_read = self._read_timeouts.longer(client_read_timeout)

            if self._listing is not None and scope["path"] == MODELS_PATH and scope["method"] == "GET":
                # Several upstreams: the models of each (gateway.proxy.model_listing), each asked with its own key.
                replaces = caller.replaces_authorization
                headers_for = self._forwarder.headers_for
                return await self._listing.answer(send, scope, lambda up: headers_for(up, scope, replaces, hop_names))
            endpoint = RECORDED_ENDPOINTS.get(scope["path"]) if scope["method"] == "POST" else None
            # A later look at a Responses call (a background one's poll): its answer goes to the writer too.
            look = (
                None if endpoint or not scope["path"].startswith(RESPONSE_PATHS) else response_look(scope, caller.app)
            )
            # Only calls that become interactions get an id and a feedback token: an id the
            # admin API could not find, or a token for nothing, would be a broken promise.
            if endpoint is not None:
                call = ProxyCall(
                    started, caller.app, endpoint, end_user, self._router.default.name, caller.gateway_key_id
                )
                # Every log line about this call (here, and in tasks it starts) names its interaction.
                interaction_bound = INTERACTION_ID.set(call.id)
                if self._identity_headers is not None:
                    call.id_headers += self._identity_headers(call.id, end_user)
                    call.identity = self._identity_headers
            try:
                body = await read_body(receive, content_length, self._max_request_bytes)
            except ClientLeft:
                # Nobody to answer, and a cut-off request must not reach the upstream (nor cost tokens there).
                if call is not None:
                    call.fail(499, "the request did not arrive whole: the client disconnected, or sent it too slowly")
                return
            # Read (once) for every call, its body streamed or not: one rule refuses a header that is no object.
            metadata = metadata_object(metadata_header) if metadata_header is not None else None
            if isinstance(body, PastLimit):
                if call is not None:
                    message = (
                        f"Request body is larger than this gateway's limit of {self._max_request_bytes} bytes "
                        "(FEEDGATE_MAX_REQUEST_BYTES): send a smaller request, or raise that setting."
                    )
                    await refuse(send, request_headers, call, 413, message, "request_too_large")
                    return
                if metadata is False:
                    await refuse(send, request_headers, None, 400, BAD_METADATA, "invalid_metadata")
                    return
                # Not recorded (a file, an upload's part, audio): streamed upstream as it arrives, never
                # held whole, to the default upstream (its model, if any, is not read).
                await self._forwarder.forward_streamed_body(
                    scope,
                    send,
                    caller.replaces_authorization,
                    self._router.default,
                    body,
                    hop_names,
                    longer_read,
                    origin is not None,
                )
                return
            if call is not None and content_encoding is not None and names_a_coding(content_encoding):
                # A compressed body can be neither routed by its model nor recorded nor given the app's fixes.
                message = uncompressed_please(content_encoding, "route and record the call")
                await refuse(send, request_headers, call, 415, message, UNSUPPORTED_CODING)
                return
            request_json = request_object(body)
            if call is not None:
                # Parsed by orjson, for speed; the writer reads the bytes again exactly if need be.
                call.request, call.request_body = request_json, body
            if metadata is False:
                await refuse(send, request_headers, call, 400, BAD_METADATA, "invalid_metadata")
                return
            if metadata is not None and call is not None:
                call.metadata, call.metadata_header = metadata, metadata_header
            if request_json:
                model = request_json.get("model")
            else:  # a call with no JSON body: a recorded one names no model, GET /v1/models/{id} names its own
                model = None if call is not None else routed_model(scope["path"])
            if isinstance(model, str) or self._homes is None or not scope["path"].startswith(RESPONSE_PATHS):
                upstream = self._router.route(model if isinstance(model, str) else None)
            else:  # a look at a response (it names no model): where its create went
                home = await self._response_home(self._homes, caller.app, scope, send)
                if home is None:
                    return
                upstream = home
            if call is not None:
                call.upstream = upstream.name
                if self._policies and request_json is not None:
                    decided_body = await body_to_forward(
                        self._policies, call, request_json, request_headers, body, send
                    )
                    if decided_body is None:
                        return
                    body = decided_body
            # A client that leaves before its answer is complete (an SDK's timeout, an abort) ends the wait
            # for the upstream, and the upstream's work with it: the call is stored as given up (499), not
            # as an answer served that the app never got.
            watcher = DisconnectWatcher(receive, after=WATCH_CLIENT_AFTER_SECONDS)
            forwarding = self._forwarder.forward(
                scope,
                watcher,
                send,
                caller.replaces_authorization,
                upstream,
                body,
                call,
                hop_names,
                longer_read,
                look,
                origin is not None,
            )
            await unless_client_leaves(watcher, forwarding, call)
        except asyncio.CancelledError:
            if call is None:
                raise
            # Only the server cancels a call (its graceful-shutdown timeout passed; a client that
            # leaves is handled by its watcher): answer and record what there was.
            await stopped_by_shutdown(send, scope["headers"], call)
        except Exception as error:
            if getattr(error, "expected_abort", False):
                raise  # an answer cut off on purpose (the upstream broke off): its raiser logged why
            # A bug: answered as the gateway's other errors are, not as the server's bare text 500.
            await crashed(send, scope["headers"], call, error)
        finally:
            if call is not None:
                exchange = call.exchange()
                self._submit(exchange)
                # Counted here, once the call is over: a tally per (route, status, upstream), no dict built.
                seconds = exchange.latency_ms / 1000 if exchange.latency_ms is not None else 0.0
                added = call.gateway_seconds(seconds)
                self._metrics.record(call.endpoint, call.status_code, call.upstream, seconds, added)
                if interaction_bound is not None:
                    INTERACTION_ID.reset(interaction_bound)
            elif look is not None and look.answered():
                self._submit(look.exchange())

    async def _response_home(
        self, homes: ResponseHomes, app: str, scope: Scope, send: Callable[..., Any]
    ) -> Upstream | None:
        """The upstream a look at the response at the scope's path goes to; None once the app was told it cannot be known."""
        response_id = looked_at(scope["path"])
        if response_id is None:
            return self._router.default
        try:
            return await homes.upstream(app, response_id)
        except ResponseHomeUnavailable as exc:
            await refuse(send, scope["headers"], None, 503, str(exc), "database_unavailable", [(b"retry-after", b"5")])
            self._metrics.refused("other", 503)
            return None
