"""The confidence gate's own error answers (OpenAI-style), each saying what the client can do about it."""

from __future__ import annotations

import orjson

from gateway.errors import openai_error_body
from gateway.proxy.policy import Hold

# A risky answer the review queue could not take under the refuse fallback: 503 with this code.
QUEUE_UNAVAILABLE = "review_unavailable"
QUEUE_RETRY_SECONDS = 5
# A stream the gate would have to hold, which it cannot: 400 with this code, before any upstream call.
STREAM_NOT_REVIEWABLE = "stream_not_reviewable"
# The same Idempotency-Key again while its first call is still being answered: 409, retried by the SDKs.
KEY_IN_USE = "idempotency_key_in_use"
KEY_IN_USE_RETRY_SECONDS = 1
# The same Idempotency-Key with another request body: 422.
KEY_REUSED = "idempotency_key_reused"

_SEND_WITHOUT_STREAM = (
    "Send it without stream (an answer held for review then comes back as 202 with a location to poll)"
)


def _error(status: int, message: str, code: str, headers: list[tuple[bytes, bytes]] | None = None) -> Hold:
    body = orjson.loads(openai_error_body(status, message, code))
    return Hold(status, body, note={"outcome": code}, headers=headers or [])


def queue_unavailable() -> Hold:
    """The answer to a call whose risky answer could not be held under the refuse fallback: a retryable 503."""
    message = (
        "This answer needs a reviewer's approval, but the review queue is unreachable for the moment, so it "
        f"was withheld; try again in {QUEUE_RETRY_SECONDS} s"
    )
    return _error(503, message, QUEUE_UNAVAILABLE, [(b"retry-after", str(QUEUE_RETRY_SECONDS).encode())])


def stream_not_reviewable(flagged: bool) -> Hold:
    """400 for a stream on an app whose gate holds risky answers: it could not be held, so it is not sent."""
    if flagged:
        message = (
            "This call asks for review (x-feedgate-review: required), and this app's gate holds such answers "
            "until a reviewer decides, but a stream's tokens would reach you before anyone could review them. "
            f"{_SEND_WITHOUT_STREAM}, or without the x-feedgate-review header."
        )
    else:
        message = (
            "This app's gate holds risky answers until a reviewer decides, but a stream's tokens would reach "
            "you before its answer could be judged. "
            f"{_SEND_WITHOUT_STREAM}; or, to let this app's streams through unheld (audited when risky), set "
            'streams = "audit" on its [[review_gates]] entry (review_gate_streams = "audit" for every gate).'
        )
    return _error(400, message, STREAM_NOT_REVIEWABLE)


def key_in_use() -> Hold:
    """409 for a retry whose first call, under the same Idempotency-Key, is still being answered."""
    message = (
        "A call with this Idempotency-Key is still being answered; retry it in a moment to get its answer "
        "(its held-for-review task, if it is held)."
    )
    return _error(409, message, KEY_IN_USE, [(b"retry-after", str(KEY_IN_USE_RETRY_SECONDS).encode())])


def key_reused(task_id: str) -> Hold:
    """422 for an Idempotency-Key that named another request, held as task `task_id`."""
    message = (
        f"This Idempotency-Key was already used for another request, held for review as task {task_id}; "
        "nothing was sent now: send a new key for a new request, and repeat a key only to retry the very same one."
    )
    return _error(422, message, KEY_REUSED)


def bad_key() -> Hold:
    """400 for an Idempotency-Key header that cannot be one."""
    message = "The Idempotency-Key header must be 1-255 visible ASCII characters (a UUID, say), without spaces."
    return _error(400, message, "invalid_idempotency_key")
