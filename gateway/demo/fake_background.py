"""Background Responses for the fake upstream: a create queues its answer, GETs poll it, a cancel stops it.

    POST /v1/responses {"background": true}   the response, `queued`, with no output yet
    GET  /v1/responses/{id}                   `in_progress` the first time, then `completed` (or `cancelled`)
    GET  /v1/responses/{id}?stream=true       its events, response.created to response.completed (if it did)
    POST /v1/responses/{id}/cancel            `cancelled`, if it had not completed (else 400, as OpenAI)

An id it never queued is a 404. Each running fake upstream keeps its own queue (`reset` empties it).
"""

from __future__ import annotations

import threading
from typing import Any

import orjson

from gateway.demo import payloads

Json = dict[str, Any]
# The answer of a path: its status, and a JSON body or a list of SSE events.
Answer = tuple[int, bytes | list[bytes]]

# GETs that find a response still in progress before it is completed.
POLLS_BEFORE_DONE = 1
_PREFIX = "/v1/responses/"


class BackgroundResponses:
    """The background responses one fake upstream has queued, by id."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._finals: dict[str, Json] = {}
        self._polls: dict[str, int] = {}
        self._cancelled: set[str] = set()

    def reset(self) -> None:
        """Forget every queued response."""
        with self._lock:
            self._finals.clear()
            self._polls.clear()
            self._cancelled.clear()

    def create(self, final: bytes) -> bytes:
        """Queue `final` (a whole response, as a create without `background` gets it); the queued response's body."""
        response = orjson.loads(final)
        response["background"] = True
        with self._lock:
            self._finals[response["id"]] = response
            self._polls[response["id"]] = 0
        return orjson.dumps(_pending(response, "queued"))

    def answer(self, method: str, path: str, query: str) -> Answer | None:
        """The answer to a GET or a cancel of a background response; None for any other path."""
        if not path.startswith(_PREFIX):
            return None
        response_id, _, action = path.removeprefix(_PREFIX).partition("/")
        if (method, action) not in (("GET", ""), ("POST", "cancel")):
            return None
        with self._lock:
            response = self._current(response_id, cancel=action == "cancel")
        if response is None:
            return 404, payloads.error_body(404, f"No response found with id '{response_id}'.")
        if isinstance(response, bytes):
            return 400, response
        if method == "GET" and "stream=true" in query:
            return 200, _events(response)
        return 200, orjson.dumps(response)

    def _current(self, response_id: str, *, cancel: bool) -> Json | bytes | None:
        final = self._finals.get(response_id)
        if final is None:
            return None
        if cancel:
            if self._polls[response_id] > POLLS_BEFORE_DONE:
                return payloads.error_body(400, "Cannot cancel a completed response.")
            self._cancelled.add(response_id)
        if response_id in self._cancelled:
            return _pending(final, "cancelled")
        self._polls[response_id] += 1
        return final if self._polls[response_id] > POLLS_BEFORE_DONE else _pending(final, "in_progress")


def _pending(final: Json, status: str) -> Json:
    """`final` as it reads before it completed: `status`, no output, no usage."""
    return {**final, "status": status, "output": [], "usage": None, "completed_at": None}


def _events(response: Json) -> list[bytes]:
    """A stream of `response`: created, its output items, and its final event."""
    started = _pending(response, "in_progress")
    events: list[Json] = [{"type": "response.created", "response": started}]
    for index, item in enumerate(response.get("output") or []):
        events.append({"type": "response.output_item.added", "output_index": index, "item": {**item, "content": []}})
        events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    if response["status"] == "completed":  # OpenAI names no event for a cancel: the stream just ends
        events.append({"type": "response.completed", "response": response})
    return [
        b"event: " + event["type"].encode() + b"\ndata: " + orjson.dumps({**event, "sequence_number": n}) + b"\n\n"
        for n, event in enumerate(events)
    ]
