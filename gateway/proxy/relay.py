"""Sending answers to the client: the upstream's (whole, or streamed as it arrives) and the gateway's own."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from gateway.errors import openai_error_body
from gateway.proxy.upstream import UpstreamFailed, UpstreamResponse
from gateway.recording.exchange import Answer
from gateway.request_ids import with_request_id

logger = logging.getLogger("feedgate.proxy")

Headers = list[tuple[bytes, bytes]]
Send = Callable[..., Any]
Receive = Callable[..., Any]

_JSON_HEADERS: Headers = [(b"content-type", b"application/json")]

# The error stored for a call whose client left before its answer was complete.
CLIENT_LEFT = "client disconnected before the answer was complete"


class UpstreamBrokeOff(Exception):
    """The upstream failed after the answer had started; the client connection is aborted."""

    # The server's "Exception in ASGI application" traceback for it is dropped from the logs
    # (gateway.observability.logs.ExpectedAbortFilter): the proxy logs a warning of its own.
    expected_abort = True

    def __init__(self, account: str, *, timed_out: bool = False) -> None:
        # `account`: the message the client was given, and the client library's own account of the failure.
        super().__init__(account)
        self.timed_out = timed_out


class GatewayStopped(Exception):
    """The gateway shut down mid-answer; the client connection is aborted (the proxy has logged why)."""

    expected_abort = True


class GatewayFailed(Exception):
    """The proxy failed (a bug) once the answer had begun: no error answer can follow, the connection is cut.

    The failure is logged, with its traceback, where it is turned into this one (see `failed_mid_answer`).
    """

    expected_abort = True


# The error stored for a call whose answer the proxy itself failed to relay to its end.
FAILED_MID_ANSWER = "the gateway failed while relaying the answer (an internal error, logged)"


def failed_mid_answer(answer: Answer | None, error: Exception) -> GatewayFailed:
    """The abort for `error`, raised by the proxy itself after the answer had begun; logged, and noted on `answer`."""
    logger.error("the proxy failed while relaying an answer: its connection is cut", exc_info=error)
    if answer is not None:
        answer.partial = True
        answer.error = answer.error or FAILED_MID_ANSWER
    return GatewayFailed(FAILED_MID_ANSWER)


async def read_whole(response: UpstreamResponse, answer: Answer | None, started: float) -> bytes:
    """The whole body of an answer that is not a stream; raises UpstreamFailed if it is cut off."""
    body = b"".join([chunk async for chunk in response.aiter_raw()])
    if answer is not None:
        answer.ttfb_ms = (time.perf_counter() - started) * 1000
        answer.body_bytes = len(body)
        # Past the bound only its start is kept for the record (a copy, while the whole goes to the client).
        answer.body_chunks.append(body if len(body) <= answer.max_kept_bytes else body[: answer.max_kept_bytes])
    return body


async def send_whole(send: Send, status: int, headers: Headers, body: bytes) -> None:
    """Send a complete answer in one piece."""
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


async def send_json(send: Send, status: int, payload: dict[str, Any] | bytes, extra: Headers) -> None:
    """Send a JSON answer the gateway makes itself (an error, or a policy's held answer): an object, or its bytes."""
    body = payload if isinstance(payload, bytes) else orjson.dumps(payload)
    await send_own(send, status, body, extra)


async def send_error(send: Send, status: int, message: str, code: str, extra: Headers) -> None:
    """Send an error in OpenAI's format, so SDKs raise their usual exceptions."""
    await send_own(send, status, openai_error_body(status, message, code), extra)


async def send_own(send: Send, status: int, body: bytes, extra: Headers) -> None:
    """Send a JSON answer of the gateway's own with `extra` headers, and an `x-request-id` (gateway.request_ids)."""
    headers = [*_JSON_HEADERS, (b"content-length", str(len(body)).encode()), *extra]
    await send_whole(send, status, with_request_id(headers), body)


async def relay_stream(
    response: UpstreamResponse,
    answer: Answer | None,
    receive: Receive,
    send: Send,
    started: float,
    upstream: str,
    watcher: DisconnectWatcher | None = None,
    error_event: bool = True,
) -> None:
    """Pass server-sent events (or any answer's bytes) through as they arrive; stop early if the client leaves.

    The response has started (status and headers sent) when this is called. Chunks are
    kept in `answer` for the record; a call that is not recorded passes None and keeps none.
    If the upstream breaks off, the client gets an error event saying so (see `send_error_event`;
    not when `error_event` is False: an answer that is no event stream) and then its connection
    is cut, as the upstream cut the gateway's. `watcher` is the one already watching this call's
    client, if any (two would both wait on the client's next message).
    """
    if watcher is None:
        watcher = DisconnectWatcher(receive)
    else:
        watcher.watch_now()  # a client leaving mid-stream is noticed at once, however early
    try:
        # The last two chunks the client got: an event's end may be split between them.
        before, last = b"", b"\n\n"
        try:
            async for chunk in response.aiter_raw():
                if answer is not None:
                    if not answer.body_bytes:
                        answer.ttfb_ms = (time.perf_counter() - started) * 1000
                    answer.body_bytes += len(chunk)
                    if answer.body_bytes <= answer.max_kept_bytes:
                        answer.body_chunks.append(chunk)
                    else:
                        answer.keep_past_bound(chunk)  # kept whole, a long stream grew without bound
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                if chunk:
                    before, last = last, chunk
        except UpstreamFailed as exc:
            message = exc.message(upstream)
            if answer is not None:
                answer.partial = True
                answer.error = message  # the words the client's error event has, and an answer not streamed gets
            if error_event:
                status, code = exc.cut_short()
                await send_error_event(send, before[-3:] + last, status, message, code)
            # Its text goes to the server's log only (the client's connection is aborted), with the library's account.
            raise UpstreamBrokeOff(f"{message} ({exc.technical})", timed_out=exc.timed_out) from exc
        watcher.finished = True
        await send({"type": "http.response.body", "body": b"", "more_body": False})
    except asyncio.CancelledError:
        if not watcher.cancelled_for_leaving():
            raise
        if answer is not None:
            answer.partial = True
            answer.error = CLIENT_LEFT
    finally:
        watcher.stop()


async def unless_client_leaves(watcher: DisconnectWatcher, work: Awaitable[None], answer: Answer | None) -> None:
    """Await `work` (started after `watcher`) to its end, or until the client leaves: then 499 on `answer`."""
    try:
        await work
    except asyncio.CancelledError:
        if not watcher.cancelled_for_leaving():
            raise
        if answer is not None and not answer.partial:
            # Nothing of the answer reached the client (relay_stream marks a stream cut short partial).
            answer.fail(499, CLIENT_LEFT)
    finally:
        watcher.stop()


# The end of a server-sent event: after one, a new event can begin.
_EVENT_ENDS = (b"\n\n", b"\r\r", b"\r\n\r\n")


async def send_error_event(send: Send, last: bytes, status: int, message: str, code: str) -> None:
    """Tell the client why its stream ends early, in OpenAI's error event; only between two events.

    `last` is the end of what the client got (its last chunks: the network splits an event's blank line
    between two at times). The OpenAI SDKs raise an `APIError` with this message
    instead of a bare connection error when the connection is then cut. A stream cut inside an
    event leaves no way to add one: that event's data, ended, would be dispatched half-written, so
    the connection is only cut.
    """
    if not last.endswith(_EVENT_ENDS):
        return
    event = b"data: " + openai_error_body(status, message, code) + b"\n\n"
    await send({"type": "http.response.body", "body": event, "more_body": True})


class DisconnectWatcher:
    """Cancels the relaying task when the client goes away before its answer is complete.

    Without it a stream would run on, unread, until the upstream finished, and a whole answer
    would be waited for and stored as served; uvicorn silently drops sends to a closed connection.
    Set `finished` once nothing more is to be given up on the client's behalf.

    With `after` > 0 it starts watching only once the call has lasted that long (or when `watch_now`
    is called, as a stream starts): a task waiting on the client costs every call tens of
    microseconds, most calls a proxy sees in a benchmark end sooner, and a client that left meanwhile
    is still noticed at once when the watch begins (its next message is the disconnect).
    """

    def __init__(self, receive: Receive, after: float = 0.0) -> None:
        self.receive = receive
        relay = asyncio.current_task()
        if relay is None:
            raise RuntimeError("a disconnect watcher is made inside the relaying task")
        self._relay = relay
        # `disconnected`: the client left and the relaying task was cancelled for it; `gone`: it left at all.
        self.disconnected = self.gone = False
        self.finished = False
        self._task: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None
        if after > 0:
            self._timer = asyncio.get_running_loop().call_later(after, self.watch_now)
        else:
            self.watch_now()

    def watch_now(self) -> None:
        """Start watching the client now, if not yet."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._task is None:
            self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        message = await self.receive()
        if message["type"] == "http.disconnect":
            self.gone = True
            if not self.finished:
                self.disconnected = True
                self._relay.cancel()

    def cancelled_for_leaving(self) -> bool:
        """In the relaying task, on its CancelledError: whether this watcher cancelled it (then undone), the client gone."""
        if not self.disconnected:
            return False
        relaying = asyncio.current_task()
        if relaying is not None:  # always, in a coroutine
            relaying.uncancel()
        return True

    def rearm(self) -> None:
        """Watch again after `finished` was set: the call goes upstream once more (a policy's `Resend`)."""
        self.finished = False
        if self.gone:
            # The client left while the first answer was looked at (no answer was sent: that would wake this).
            self.disconnected = True
            self._relay.cancel()

    def stop(self) -> None:
        if self._task is None:
            # Never started: the call ended before it had lasted `after`.
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        elif self.finished:
            # The final send woke the pending receive (uvicorn answers it with http.disconnect at
            # once), so the watcher ends by itself in this turn of the loop. Cancelling it instead
            # leaves the CancelledError, its traceback and the request's objects in a reference
            # cycle that only the garbage collector frees: about 30 objects a stream, most of the
            # collector's work and its longest pauses at 1,500 streams/s. A server that does not
            # wake it gets it cancelled one turn later (cancelling a finished task does nothing).
            asyncio.get_running_loop().call_soon(self._task.cancel)
        else:
            self._task.cancel()
