"""The `x-request-id` of every answer the gateway makes itself: one rule, wherever the answer is sent.

The OpenAI SDKs read that header into a response's (and an error's) `request_id`, the id a developer
quotes in a bug report; without it the SDK's `request_id` is None. So:

- an answer that names one already keeps it: a recorded call's refusals and held answers name the
  interaction (gateway.proxy.refusals), an upstream's answer passes its own through;
- any other answer the gateway makes (a refusal before any interaction exists, a wrong base URL, its
  own /v1 endpoints, the admin API, a 431 written by the server) gets a fresh id, in OpenAI's shape
  ("req_" and 32 hex digits), one per answer: it names that answer alone and is stored nowhere, unlike
  an interaction id, which finds the record.

The proxy's own answers take it in gateway.proxy.relay, the API's through `with_request_ids`, the
server's hand-written ones as `request_id_line`. An upstream's answer to a recorded call that names
none is given the interaction's (gateway.proxy.refusals.answer_id_headers), so the SDK's id finds the
record there too; one that names its own, and any answer to a call that is not recorded, is left as it
came.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import uuid_utils

if TYPE_CHECKING:  # types alone: the proxy imports this module, and none of the framework
    from litestar.types import Message, Send

REQUEST_ID = b"x-request-id"


def fresh_request_id() -> bytes:
    """A new request id for one answer, in OpenAI's shape (time-ordered, so ids of one moment sort together)."""
    return b"req_" + uuid_utils.uuid7().hex.encode()


def with_request_id(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers`, with a fresh `x-request-id` appended (to the list given) unless they carry one."""
    for name, _ in headers:
        if name.lower() == REQUEST_ID:
            return headers
    headers.append((REQUEST_ID, fresh_request_id()))
    return headers


def with_request_ids(send: Send) -> Send:
    """`send`, giving each answer that names no request id a fresh one (see `with_request_id`)."""

    async def send_with_request_id(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = with_request_id(list(message.get("headers") or []))
        await send(message)

    return send_with_request_id


def request_id_line() -> bytes:
    """A fresh `x-request-id` as a header line, for an answer the server writes by hand (gateway.request_limits)."""
    return REQUEST_ID + b": " + fresh_request_id() + b"\r\n"
