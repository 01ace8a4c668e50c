"""Replaying one recorded request, as a fix would shape it, through the gateway's upstream client.

The replay asks for a whole answer (`stream` false, no `stream_options`, no `background`) whatever the app did,
so one JSON body carries the new answer; its text is read as the recorder reads it
(gateway.recording.record.summarise_response). It is not recorded as an interaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson

from gateway.config_entries import Upstream
from gateway.exact_json import dumps_exact
from gateway.proxy.upstream import UpstreamClient, UpstreamFailed
from gateway.recording.record import summarise_response

Json = dict[str, Any]
# The upstream path of each replayable endpoint, after the upstream's /v1 base.
PATHS = {"chat.completions": "/chat/completions", "responses": "/responses"}
# Long enough to say what went wrong, short enough to store per item.
MAX_ERROR_CHARS = 500


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """The new answer's text and tool calls, or why there is none (`error`), with the upstream's status."""

    answer: str | None
    error: str | None
    status_code: int | None
    # The calls the new answer made (an answer calling the app's tools may have no text at all).
    tool_calls: list[Json] | None = None


# Keys that would make the upstream answer other than with one whole body: a stream's options, and a background
# Responses call's flag (its answer is a queued response with no output, to be polled).
NOT_REPLAYED = frozenset({"stream_options", "background"})


def replay_body(body: Json) -> Json:
    """`body` asking for a whole answer now (a stream's options and a background flag dropped)."""
    whole = {key: value for key, value in body.items() if key not in NOT_REPLAYED}
    whole["stream"] = False
    return whole


async def replay(
    client: UpstreamClient, upstream: Upstream, endpoint: str, body: Json, authorization: bytes | None
) -> ReplayResult:
    """Send `body` to `upstream` once and read the answer's text; a failure is a result, never raised."""
    headers = [(b"content-type", b"application/json"), (b"accept-encoding", b"identity")]
    if authorization:
        headers.append((b"authorization", authorization))
    url = upstream.address(PATHS[endpoint])
    try:
        response = await client.send("POST", url, headers, dumps_exact(replay_body(body)))
        try:
            raw = b"".join([chunk async for chunk in response.aiter_raw()])
        finally:
            await response.aclose()
    except UpstreamFailed as failure:
        return ReplayResult(None, f"upstream {upstream.name} failed: {failure}"[:MAX_ERROR_CHARS], None)
    try:
        answer = orjson.loads(raw)
    except orjson.JSONDecodeError:
        answer = None
    if not isinstance(answer, dict):
        text = raw[:MAX_ERROR_CHARS].decode("utf-8", errors="replace")
        status = response.status_code
        return ReplayResult(None, f"upstream answered {status} without JSON: {text}", status)
    if response.status_code >= 400:
        error = answer.get("error")
        message = error.get("message") if isinstance(error, dict) else None
        detail = str(message or raw[:MAX_ERROR_CHARS].decode("utf-8", errors="replace"))
        status = response.status_code
        return ReplayResult(None, f"upstream answered {status}: {detail}"[:MAX_ERROR_CHARS], status)
    summary = summarise_response(endpoint, answer)
    answer_text, calls = summary.get("response_text"), summary.get("tool_calls")
    return ReplayResult(
        answer_text if isinstance(answer_text, str) else None,
        None,
        response.status_code,
        calls if isinstance(calls, list) else None,
    )
