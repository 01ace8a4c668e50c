"""Which answers are streams of server-sent events: one rule, for the record and for the proxy relaying them.

An answer is a stream when its content type names one (`text/event-stream`, in any case, with any parameters),
or when its call asked for one (`"stream": true`) and its body reads as events whatever it is named: some
OpenAI-compatible servers send a stream as `text/plain`, or with no content type. The recording rebuilds such
an answer as the stream it is (gateway.recording.record); the proxy relays it as it arrives, reading its first
bytes (`start_undecided`; decoded, when the answer is compressed) only when the name alone does not tell
(gateway.proxy.stream_start), and telling a name in another case (`Text/Event-Stream`) on any recorded call.
"""

from __future__ import annotations

from typing import Any

# How an SSE body's first line begins: a field (`data:`, `event:`, `id:`, `retry:`) or a comment (`:`).
_FIRST_LINE_STARTS = (b"data:", b"event:", b"id:", b"retry:", b":")
# What an SSE body may open with before its first line: a BOM, and blank lines.
_BEFORE_FIRST_LINE = b"\xef\xbb\xbf \t\r\n"
# The most of an answer's start read to tell (a stream may be megabytes long).
LOOKED_AT_BYTES = 256


def named_event_stream(content_type: str) -> bool:
    """Whether a content type names an event stream: `text/event-stream` in any case, with any parameters."""
    return "text/event-stream" in content_type.lower()


def asked_for_stream(request: dict[str, Any] | None) -> bool:
    """Whether a call's request (as parsed; None if it was no JSON object) asked for a stream.

    (The proxy's hot path has it inlined, gateway.proxy.forward_upstream: a call of it cost ~40 ns a call.)
    """
    return bool(request.get("stream")) if request else False


def looks_like_events(body: bytes) -> bool:
    """Whether `body` reads as server-sent events (its first line a field or a comment), whatever it was named.

    For an answer to a call that asked for a stream under another content type (`text/plain`, none): a
    JSON answer begins with `{`, an error page with `<`: neither reads as events.
    """
    return body[:LOOKED_AT_BYTES].lstrip(_BEFORE_FIRST_LINE).startswith(_FIRST_LINE_STARTS)


def reads_as_stream(content_type: str, asked: bool, start: bytes) -> bool:
    """The rule: whether an answer named `content_type`, to a call that `asked` for a stream or not, is one.

    `start`: the answer's first bytes (LOOKED_AT_BYTES are enough), read only for a call that asked.
    """
    return named_event_stream(content_type) or (asked and looks_like_events(start))


def start_undecided(start: bytes) -> bool:
    """Whether an answer's first bytes are too few to tell whether it reads as events: more of it may tell.

    Blank lines alone, or the start of a field's name (`da`, which `data:` may follow), tell nothing yet.
    """
    if len(start) >= LOOKED_AT_BYTES:
        return False
    opening = start.lstrip(_BEFORE_FIRST_LINE)
    return not opening.startswith(_FIRST_LINE_STARTS) and any(field.startswith(opening) for field in _FIRST_LINE_STARTS)
