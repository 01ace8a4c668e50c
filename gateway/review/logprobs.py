"""Asking the upstream for token log-probabilities and hiding them again (pure functions).

The confidence gate needs the answer's log-probabilities even when the client did not ask for
them. It then sends a copy of the request that asks for them (`request_with_logprobs`), computes
confidence from the answer, and returns the answer as the upstream would have sent it without
the flag (`strip_logprobs` and friends), so the client sees exactly what it asked for.

"As the upstream would have sent it" means each chat choice's ``logprobs`` becomes ``null`` (what
OpenAI sends when logprobs were not requested; the key is kept, not removed) and each Responses
API ``output_text`` part's ``logprobs`` becomes ``[]``. Bodies that carry no log-probabilities
come back as the very same bytes; rewritten ones are equal as JSON, not byte for byte (orjson
writes compact JSON and raw UTF-8), with every number as it was sent: an integer beyond 64 bits
(which orjson reads as a float) is read again and written exactly (gateway.exact_json), only
when what is written back holds a float that large.

Legacy ``/v1/completions`` (``logprobs`` is an integer there, with another answer shape) is not
covered: the gate should leave that endpoint alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from gateway.exact_json import dumps_exact, exactly_parsed, may_have_lost_wide_int

Json = dict[str, Any]

TOP_LOGPROBS = 2  # enough for the first token's margin; each extra alternative adds ~60 bytes a token
RESPONSES_LOGPROBS = "message.output_text.logprobs"
_EVENT_END = re.compile(rb"\r\n\r\n|\n\n|\r\r")
_LOGPROBS_KEY = b'"logprobs"'
_RESPONSES_TEXT_EVENTS = {"output_text", "response.output_text.delta", "response.output_text.done"}


# -- asking -------------------------------------------------------------------------------------


def request_with_logprobs(request_json: Json) -> tuple[Json | None, bool]:
    """A chat request that asks for log-probabilities, and whether the client asked itself.

    Returns ``(None, True)`` when the client asked (its request goes out unchanged), and
    ``(None, False)`` when it set ``top_logprobs`` without ``logprobs``: the upstream refuses
    such a request, and the gateway must not turn it into one that succeeds. Never mutates.
    """
    if request_json.get("logprobs") is True:
        return None, True
    if request_json.get("top_logprobs") is not None:
        return None, False
    return {**request_json, "logprobs": True, "top_logprobs": TOP_LOGPROBS}, False


def responses_request_with_logprobs(request_json: Json) -> tuple[Json | None, bool]:
    """Like `request_with_logprobs`, for a Responses API request (``include`` names the logprobs)."""
    include = request_json.get("include")
    if isinstance(include, list) and RESPONSES_LOGPROBS in include:
        return None, True
    if include is not None and not isinstance(include, list):
        return None, False  # a malformed request stays the upstream's to refuse
    new = {**request_json, "include": [*(include or []), RESPONSES_LOGPROBS]}
    if new.get("top_logprobs") is None:
        new["top_logprobs"] = TOP_LOGPROBS
    return new, False


# -- hiding: chat completions -----------------------------------------------------------------


def strip_logprobs(body: bytes) -> bytes:
    """A chat completion (JSON) with every choice's ``logprobs`` set to null; other bodies unchanged."""
    return _rewrite_json(body, chat_without_logprobs)


def strip_logprobs_sse(events: bytes) -> bytes:
    """Whole chat completion SSE events with each chunk's choice ``logprobs`` set to null.

    ``events`` must end on an event boundary (see `split_complete_events`); a trailing
    incomplete event is passed through unchanged.
    """
    return _rewrite_sse(events, chat_without_logprobs)


def chat_without_logprobs(answer: Json) -> Json | None:
    """A copy of a parsed chat completion (or chunk) with every choice's ``logprobs`` null; None if none had any.

    For a policy that has parsed the body already (to compute confidence): dumping this copy
    costs far less than `strip_logprobs` parsing the body a second time.
    """
    choices = answer.get("choices")
    if not isinstance(choices, list) or not any(_has_logprobs(choice) for choice in choices):
        return None
    return {**answer, "choices": [{**c, "logprobs": None} if _has_logprobs(c) else c for c in choices]}


def _has_logprobs(choice: Any) -> bool:
    return isinstance(choice, dict) and choice.get("logprobs") is not None


# -- hiding: Responses API --------------------------------------------------------------------


def strip_responses_logprobs(body: bytes) -> bytes:
    """A Responses API object (JSON) with every ``output_text`` part's ``logprobs`` emptied."""
    return _rewrite_json(body, responses_without_logprobs)


def strip_responses_logprobs_sse(events: bytes) -> bytes:
    """Whole Responses API SSE events with their ``logprobs`` emptied (text deltas, parts, final response)."""
    return _rewrite_sse(events, responses_without_logprobs)


def responses_without_logprobs(answer: Json) -> Json | None:
    """A copy of a parsed Responses API object (or stream event) with its ``logprobs`` emptied; None if none had any."""
    new = _without_text_logprobs(answer)
    return new if new is not answer else None


def _without_text_logprobs(node: Any) -> Any:
    # Log-probabilities sit in output_text parts, which appear at several depths (the final
    # response, output_item.done, content_part.done), and directly on the text delta/done events.
    # Copy on change: untouched branches are shared with the input, which is never mutated.
    if isinstance(node, dict):
        changed: Json = {}
        if node.get("type") in _RESPONSES_TEXT_EVENTS and node.get("logprobs"):
            changed["logprobs"] = []
        for key, value in node.items():
            if key not in changed and isinstance(value, (dict, list)):
                new = _without_text_logprobs(value)
                if new is not value:
                    changed[key] = new
        return {**node, **changed} if changed else node
    if isinstance(node, list):
        items = [_without_text_logprobs(value) for value in node]
        return items if any(new is not old for new, old in zip(items, node, strict=True)) else node
    return node


# -- streams ------------------------------------------------------------------------------------


def split_complete_events(buffer: bytes) -> tuple[bytes, bytes]:
    """``buffer`` cut after its last SSE event boundary: (whole events, the incomplete rest).

    Network chunks need not end on an event boundary; a relay keeps the rest and prepends it
    to the next chunk, and sends whatever is left unchanged when the stream ends.
    """
    last = None
    for match in _EVENT_END.finditer(buffer):
        last = match
    if last is None:
        return b"", buffer
    return buffer[: last.end()], buffer[last.end() :]


def rewritten_exactly(payload: bytes, answer: Json, strip: Callable[[Json], Json | None]) -> bytes | None:
    """`answer` (orjson's reading of `payload`) without its log-probabilities, as JSON keeping every integer
    `payload` holds exactly; None when it had none to take out."""
    stripped = strip(answer)
    if stripped is None:
        return None
    written = orjson.dumps(stripped)
    if not may_have_lost_wide_int(stripped, written):
        return written
    # Rare: orjson may have read an integer beyond 64 bits as a float; read the payload again exactly.
    exact = exactly_parsed(answer, payload)
    again = strip(exact) if exact is not answer and isinstance(exact, dict) else None
    return written if again is None else dumps_exact(again)


def _rewrite_json(body: bytes, strip: Callable[[Json], Json | None]) -> bytes:
    if _LOGPROBS_KEY not in body:
        return body
    answer = _parsed_object(body)
    rewritten = rewritten_exactly(body, answer, strip) if answer is not None else None
    return body if rewritten is None else rewritten


def _rewrite_sse(events: bytes, strip: Callable[[Json], Json | None]) -> bytes:
    if _LOGPROBS_KEY not in events:
        return events
    if b"\r" not in events:  # the usual case: splitting in C is ~5x faster than the regex
        return b"\n\n".join([_rewrite_event(event, strip) for event in events.split(b"\n\n")])
    out: list[bytes] = []
    start = 0
    for end in _EVENT_END.finditer(events):
        out.append(_rewrite_event(events[start : end.start()], strip))
        out.append(end.group())
        start = end.end()
    out.append(events[start:])
    return b"".join(out)


def _rewrite_event(event: bytes, strip: Callable[[Json], Json | None]) -> bytes:
    """One SSE event (no trailing blank line) with its JSON data rewritten; other fields kept as they were."""
    if _LOGPROBS_KEY not in event:
        return event
    if event.startswith(b"data: ") and b"\n" not in event and b"\r" not in event:  # the usual one-line event
        payload = event[6:]
        answer = _parsed_object(payload)
        rewritten = rewritten_exactly(payload, answer, strip) if answer is not None else None
        return event if rewritten is None else b"data: " + rewritten
    lines = event.splitlines(keepends=True)
    data_at = [i for i, line in enumerate(lines) if line.startswith(b"data:")]
    if not data_at:
        return event
    payload = b"\n".join(_field_value(lines[i]) for i in data_at)
    answer = _parsed_object(payload)
    rewritten = rewritten_exactly(payload, answer, strip) if answer is not None else None
    if rewritten is None:
        return event
    first = lines[data_at[0]]
    newline = first[len(first.rstrip(b"\r\n")) :]
    kept = [line for i, line in enumerate(lines) if i not in data_at[1:]]
    kept[data_at[0]] = b"data: " + rewritten + newline
    return b"".join(kept)


def _parsed_object(payload: bytes) -> Json | None:
    try:
        answer = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return None
    return answer if isinstance(answer, dict) else None


def _field_value(line: bytes) -> bytes:
    value = line[5:].rstrip(b"\r\n")
    return value[1:] if value.startswith(b" ") else value
