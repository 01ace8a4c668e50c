"""The gateway's own answers to a proxied call it cannot complete: an OpenAI-style error, noted on the call."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from typing import Any

from gateway.proxy.call import ProxyCall
from gateway.proxy.own_cors import readable_by_its_page
from gateway.proxy.policy import Hold
from gateway.proxy.relay import GatewayStopped, send_error, send_error_event, send_json

logger = logging.getLogger("feedgate.proxy")

Headers = Sequence[tuple[bytes, bytes]]


async def refuse(
    send: Callable[..., Any],
    request_headers: Headers,
    call: ProxyCall | None,
    status: int,
    message: str,
    code: str,
    extra: Headers = (),
) -> None:
    """Answer with the gateway's own error (with `extra` headers), and note it on the call's record.

    The page that sent the request (its Origin, in `request_headers`) may read it (gateway.proxy.own_cors).

    The SDKs read `x-request-id` as the error's request_id, the id a developer quotes: unless `extra`
    carries the upstream's, it is the interaction's, which finds the record. A call that is not
    recorded has no interaction id: its answer gets a fresh request id (gateway.request_ids).
    """
    extra = [*extra, *readable_by_its_page(request_headers)]
    if call is None:
        await send_error(send, status, message, code, extra)
        return
    call.fail(status, message)
    await send_error(send, status, message, code, own_answer_headers(call, extra))


# The app's words for a crash: the exception's own are for the operator (the log), never the app.
CRASHED = (
    "The gateway failed on this call (an internal error, logged with its details); send it again, and if it "
    "keeps failing, tell the gateway's operator."
)


async def crashed(send: Callable[..., Any], request_headers: Headers, call: ProxyCall | None, error: Exception) -> None:
    """The proxy failed (`error`, nothing expected) before any answer: logged with its traceback, answered 500.

    In OpenAI's shape, naming the interaction (a fresh request id if the call is not recorded), as every other
    answer the gateway makes; the server's own was a bare text 500 with no `x-request-id`. A failure once the
    answer has begun is no crash here: the relay cuts the connection (gateway.proxy.relay.failed_mid_answer).
    """
    logger.error("the proxy failed on a call: answered 500", exc_info=error)
    await refuse(send, request_headers, call, 500, CRASHED, "internal_error")


def own_answer_headers(call: ProxyCall, extra: Headers) -> list[tuple[bytes, bytes]]:
    """`extra` and the call's identity headers, for an answer the gateway composes on a recorded call (see `refuse`).

    Its `x-request-id` is the interaction's, unless `extra` names one (the upstream's, or a held answer's own).
    """
    if any(name == b"x-request-id" for name, _ in extra):
        return [*extra, *call.id_headers]
    return [*extra, *answer_id_headers(call)]


def answer_id_headers(call: ProxyCall) -> list[tuple[bytes, bytes]]:
    """The call's identity headers for an upstream's answer that names no `x-request-id`: the interaction as one.

    The SDKs' `request_id` then finds the record, as for the gateway's own answers; an upstream's own id is kept.
    """
    return [*call.id_headers, (b"x-request-id", call.id.encode())]


async def send_held(
    send: Callable[..., Any], request_headers: Headers, call: ProxyCall, held: Hold, body: bytes | None = None
) -> None:
    """Send a policy's held answer (`body`: its bytes, if encoded already) in place of the upstream's, named as refusals are."""
    encoded = held.encoded() if body is None else body
    extra = [*held.headers, *readable_by_its_page(request_headers)]
    if held.answer_of is None or held.answer_of == call.id:
        await send_json(send, held.status, encoded, own_answer_headers(call, extra))
        return
    # Another call's answer (a held call's repeat): feedback on it belongs to that call; `x-request-id` still
    # names this call's own record, as the SDKs' `request_id`.
    names = [*extra, *call.identity_of(held.answer_of)]
    if not any(name == b"x-request-id" for name, _ in extra):
        names.append((b"x-request-id", call.id.encode()))
    await send_json(send, held.status, encoded, names)


def upstream_request_id(headers: Headers) -> Headers:
    """The upstream's `x-request-id` among its answer's headers, which the SDKs read as the error's `request_id`."""
    return [(name, value) for name, value in headers if name == b"x-request-id"]


async def stopped_by_shutdown(send: Callable[..., Any], request_headers: Headers, call: ProxyCall) -> None:
    """The server stopped the call before its answer was complete: a 503 if nothing was sent, else a cut stream."""
    task = asyncio.current_task()
    if task is not None:  # always, in a coroutine
        task.uncancel()
    if getattr(call, "streaming", False):  # its head is out: only an error event can end it
        call.partial = True
        call.error = "the gateway shut down before the answer was complete"
        logger.warning("shutdown: %s", call.error)
        last = call.last_sent()
        message = "The gateway shut down before this answer was complete; send the call again."
        await send_error_event(send, last, 503, message, "gateway_shutting_down")
        raise GatewayStopped(call.error)
    message = "The gateway shut down before this call was answered; send it again."
    logger.warning("shutdown: the gateway shut down before a call was answered")
    await refuse(send, request_headers, call, 503, message, "gateway_shutting_down")
