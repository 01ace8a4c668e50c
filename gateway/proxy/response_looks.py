"""A later look at a Responses call: GET /v1/responses/{id} (plain or streamed) or its cancel, whose answer may be the
one a background create only queued (docs/recording.md, "What is recorded"). Not a call of its own: its answer is handed to the
writer, which fills the create's interaction with it once it tells how the response ended
(gateway.recording.later_answers)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from gateway.recording.exchange import Answer, Exchange

# Every path a look has starts so: one check, for calls that are not recorded, before anything else is read.
RESPONSE_PATHS = "/v1/responses/"


class ResponseLook(Answer):
    """The answer to one look at response `response_id` by `app`, filled in by the proxy as it passes through."""

    __slots__ = ("app", "response_id")

    def __init__(self, response_id: str, app: str) -> None:
        super().__init__()
        self.response_id = response_id
        self.app = app

    def answered(self) -> bool:
        """Whether the upstream answered with success (only then can the answer tell how the response ended)."""
        return self.status_code is not None and 200 <= self.status_code < 300

    def exchange(self) -> Exchange:
        """The look as the writer takes it: an answer for the interaction that recorded `response_id`."""
        return Exchange(
            self.response_id,
            datetime.now(UTC),
            self.app,
            "responses",
            "",
            None,
            status_code=self.status_code,
            content_type=self.content_type,
            content_encoding=self.content_encoding,
            body_chunks=self.body_chunks,
            partial=self.partial,
            answer_bytes=self.body_bytes,
            answer_of=self.response_id,
        )


def looked_at(path: str) -> str | None:
    """The response id a path under RESPONSE_PATHS names (/v1/responses/{id}, /v1/responses/{id}/...), if any."""
    return path[len(RESPONSE_PATHS) :].partition("/")[0] or None


def response_look(scope: dict[str, Any], app: str) -> ResponseLook | None:
    """The look a request under RESPONSE_PATHS is, if it is one: GET /v1/responses/{id}, POST .../{id}/cancel."""
    response_id, _, action = scope["path"][len(RESPONSE_PATHS) :].partition("/")
    if not response_id or (scope["method"], action) not in (("GET", ""), ("POST", "cancel")):
        return None
    return ResponseLook(response_id, app)
