"""Turning a captured exchange into an interaction row (pure, runs in the writer)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Any

import orjson

from gateway.exact_json import exactly_parsed, loads_exact
from gateway.recording.content_coding import MAX_DECODED_BYTES, Decoded, UnreadableCoding, decoded_content
from gateway.recording.exchange import MAX_RECORDED_BYTES, Exchange
from gateway.recording.identifiers import FINISH_REASON_CHARS, IDENTIFIER_CHARS, end_user_id, fitted_identifier
from gateway.recording.reassembly import (
    content_text,
    message_calls,
    reassemble_chat_stream,
    reassemble_completion_stream,
)
from gateway.recording.responses_stream import ended_status, reassemble_responses_stream
from gateway.recording.stream_rule import asked_for_stream, looks_like_events, named_event_stream, reads_as_stream

Json = dict[str, Any]

_STREAM_REASSEMBLERS = {
    "chat.completions": reassemble_chat_stream,
    "completions": reassemble_completion_stream,
    "responses": reassemble_responses_stream,
}


# What the error of an answer of a success status that is not JSON adds to "upstream answered 200".
NOT_JSON = " with an answer that is not JSON"

# Streams rebuilt from choice chunks, whose rebuilt answer has an `error` only if an error event came.
_CHOICE_STREAMS = {"chat.completions", "completions"}


def build_interaction_row(exchange: Exchange) -> Json:
    """The database row for one exchange; never raises on odd upstream answers."""
    # The proxy parsed these with orjson, which turns integers beyond 64 bits into floats.
    request = exactly_parsed(exchange.request, exchange.request_body)
    stream = asked_for_stream(request)
    row: Json = {
        "id": exchange.id,
        "created_at": exchange.created_at,
        "app": exchange.app,
        "endpoint": exchange.endpoint,
        "upstream": exchange.upstream,
        "model": _text_or_none(request.get("model")) if request else None,
        "stream": stream,
        "request": request,
        "response": None,
        "response_text": None,
        "tool_calls": None,
        "finish_reason": None,
        "upstream_response_id": None,
        "status_code": exchange.status_code,
        "error": exchange.error,
        "partial": exchange.partial,
        "prompt_tokens": None,
        "completion_tokens": None,
        "total_tokens": None,
        "latency_ms": exchange.latency_ms,
        "ttfb_ms": exchange.ttfb_ms,
        "end_user": exchange.end_user or (end_user_of(request) if request else None),
        "metadata": exactly_parsed(exchange.metadata, exchange.metadata_header),
        "policies": exchange.policies,
        "gateway_key_id": exchange.gateway_key_id,
    }
    body, undecodable, cut = _decoded_body(exchange, stream)
    if cut:
        row["partial"] = True
    failed = exchange.status_code is not None and exchange.status_code >= 400
    if undecodable is not None and not row["error"]:
        row["error"] = f"upstream answered {exchange.status_code}; {undecodable}" if failed else undecodable
    if not body:
        if failed and not row["error"]:
            row["error"] = f"upstream answered {exchange.status_code}"
        return row
    if reads_as_stream(exchange.content_type, stream, body):
        reassemble = _STREAM_REASSEMBLERS.get(exchange.endpoint)
        response = reassemble(body) if reassemble else None
        if isinstance(response, dict) and response.get("error"):
            # An error event broke the stream off (with what had arrived), or a Responses stream
            # ended in response.failed (a whole answer that says it failed).
            row["error"] = row["error"] or _error_message(response) or "the stream ended in an error event"
            if exchange.endpoint in _CHOICE_STREAMS or ended_status(response) is None:
                row["partial"] = True  # not a Responses answer that ended failed, whole
    else:
        try:
            response = loads_exact(body)
        except orjson.JSONDecodeError:
            response = None
            row["response"] = {"raw": body[:65536].decode("utf-8", errors="replace")}
            if not row["error"]:
                # An HTML page from a load balancer or proxy in front of the upstream, plain text…; with a
                # success status too: every recorded endpoint answers JSON (or a stream, read above).
                answered = f"upstream answered {exchange.status_code}" + ("" if failed else NOT_JSON)
                row["error"] = f"{answered}: {_start_of_text(body)}".removesuffix(": ")
    if isinstance(response, dict):
        row.update(summarise_response(exchange.endpoint, response))
        if not row["error"] and (failed or isinstance(response.get("error"), dict)):
            # A failed status, or a Responses answer of status "failed" (200, with its error).
            row["error"] = _error_message(response)
    if failed and not row["error"]:
        # A JSON error in another server's shape: vLLM's top-level "message", FastAPI's "detail", or neither.
        said = (
            _text_or_none(response.get("message")) or _text_or_none(response.get("detail"))
            if isinstance(response, dict)
            else None
        )
        row["error"] = f"upstream answered {exchange.status_code}: {said or _start_of_text(body)}".removesuffix(": ")
    return fitted_names(row)


# The bounded text columns a client or an upstream names, and their widths.
_FITTED_COLUMNS = (
    ("model", IDENTIFIER_CHARS),
    ("end_user", IDENTIFIER_CHARS),
    ("upstream_response_id", IDENTIFIER_CHARS),
    ("finish_reason", FINISH_REASON_CHARS),
)


def fitted_names(row: Json) -> Json:
    """The row with each bounded name fitted to its column (a longer one lost the row on PostgreSQL)."""
    for key, width in _FITTED_COLUMNS:
        value = row.get(key)
        if isinstance(value, str) and len(value) > width:
            row[key] = fitted_identifier(value, width)
        elif value is not None and not isinstance(value, str):
            row[key] = None  # a finish reason that is not text (a list, a number) names nothing
    return row


# Markup to drop from an HTML error page to leave its text: scripts and styles whole, then every tag.
_MARKUP = re.compile(rb"<(script|style)\b.*?</\1\s*>|<!--.*?-->|<[^>]*>", re.DOTALL | re.IGNORECASE)
ERROR_TEXT_CHARS = 200


def _start_of_text(body: bytes) -> str:
    """The first words of a non-JSON answer's text (tags dropped, spaces collapsed), for its error."""
    text = html.unescape(_MARKUP.sub(b" ", body[:8192]).decode("utf-8", errors="replace"))
    text = " ".join(text.split())
    return text if len(text) <= ERROR_TEXT_CHARS else text[: ERROR_TEXT_CHARS - 1] + "…"


def _decoded_body(exchange: Exchange, asked: bool) -> tuple[bytes, str | None, bool]:
    """The answer's bytes uncompressed, what kept them from being read whole, and whether they were cut.

    Cut: decoding stopped at MAX_DECODED_BYTES, their start kept (a stream's events, a JSON answer's raw start).
    `asked`: whether the call asked for a stream (then events under another name are one too, see stream_rule).
    """
    body = b"".join(exchange.body_chunks)
    # The proxy kept only the answer's first MAX_RECORDED_BYTES (gateway.recording.exchange).
    raw_cut = exchange.answer_bytes > len(body)
    raw_note = _recorded_bound_note(exchange.answer_bytes) if raw_cut else None
    if exchange.content_encoding in ("", "identity"):
        return body, raw_note, raw_cut
    try:
        # A stream cut short keeps the events that had arrived; a whole answer cut short is not the answer,
        # but its start, when the proxy kept no more, is stored as it reads (a JSON answer's raw start).
        keep_cut_off = raw_cut or named_event_stream(exchange.content_type)
        decoded = decoded_content(body, exchange.content_encoding, keep_cut_off=keep_cut_off or asked)
        if asked and not keep_cut_off and decoded.short and not looks_like_events(decoded.body or b""):
            # Not a stream by the rule: a whole answer cut short is not the answer. Told by `short`, from the
            # one decoding: decoding it again to learn so doubled the work for every compressed JSON error.
            decoded = Decoded(None, False)
    except UnreadableCoding as exc:
        # Its bytes, stored as they are, would read as mojibake.
        message = f"the answer came in content-encoding {exc.content_encoding!r}, which Feedgate cannot decode"
        return b"", f"{message}: not recorded", False
    if decoded.cut:
        size = f"{MAX_DECODED_BYTES // (1024 * 1024)} MiB"
        coding = exchange.content_encoding.strip().lower()
        message = f"the answer, in content-encoding {coding!r}, decodes to more than {size} (a compression bomb?)"
        return decoded.body or b"", f"{message}: only its first {size} were read", True
    return (decoded.body if decoded.body is not None else b""), raw_note, raw_cut


def _recorded_bound_note(answer_bytes: int) -> str:
    """Why a record holds only the start of an answer the proxy kept no more of (written once per such row)."""
    bound = f"{MAX_RECORDED_BYTES // (1024 * 1024)} MiB"
    return f"the answer was {answer_bytes:,} bytes, more than the {bound} Feedgate records: only its first {bound} were kept"


def summarise_response(endpoint: str, response: Json) -> Json:
    """Response text, tool calls, finish reason, ids and usage of one answer."""
    given_usage = response.get("usage")
    usage = given_usage if isinstance(given_usage, dict) else {}
    summary: Json = {
        "response": response,
        "upstream_response_id": _text_or_none(response.get("id")) or None,  # never "": no answer is named that
        "prompt_tokens": _count_or_none(usage.get("prompt_tokens", usage.get("input_tokens"))),
        "completion_tokens": _count_or_none(usage.get("completion_tokens", usage.get("output_tokens"))),
        "total_tokens": _count_or_none(usage.get("total_tokens")),
    }
    if endpoint == "chat.completions":
        choice = _first(response.get("choices"))
        message = choice.get("message")
        message = message if isinstance(message, dict) else {}
        summary["response_text"] = content_text(message.get("content"))
        summary["tool_calls"] = message_calls(message)
        summary["finish_reason"] = choice.get("finish_reason")
    elif endpoint == "completions":
        choice = _first(response.get("choices"))
        summary["response_text"] = _text_or_none(choice.get("text"))
        summary["finish_reason"] = choice.get("finish_reason")
    elif endpoint == "responses":
        summary.update(_summarise_responses_output(response))
    elif endpoint == "embeddings":
        # Vectors are large and say nothing about quality: keep only their sizes.
        summary["response"] = _without_vectors(response)
    return summary


def _summarise_responses_output(response: Json) -> Json:
    texts: list[str] = []
    tool_calls: list[Json] = []
    for item in response.get("output") or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "message":
            for part in item.get("content") or []:
                if isinstance(part, dict) and part.get("type") == "output_text":
                    texts.append(part.get("text") or "")
        elif item.get("type") in {"function_call", "custom_tool_call"}:
            tool_calls.append(item)
    return {
        "response_text": "".join(texts) if texts else None,
        "tool_calls": tool_calls or None,
        # A response that has not ended (a stream cut short, a background call's queued answer) finished for no reason.
        "finish_reason": ended_status(response),
    }


def _without_vectors(response: Json) -> Json:
    data = []
    for item in response.get("data") or []:
        if isinstance(item, dict) and "embedding" in item:
            item = {**item, "embedding": _vector_size(item["embedding"])}
        data.append(item)
    return {**response, "data": data}


def _vector_size(vector: object) -> object:
    # The OpenAI SDKs ask for base64 by default: little-endian float32s, 4 bytes each.
    if isinstance(vector, str):
        return f"<{len(vector.rstrip('=')) * 3 // 4 // 4} floats, base64>"
    return f"<{len(vector)} floats>" if isinstance(vector, list) else vector


def end_user_of(request: Json) -> str | None:
    """The end user an OpenAI request names in `user` or `safety_identifier`, if any."""
    return next((named for _, named in _request_users(request)), None)


def end_user_as_given(request: Json) -> str | None:
    """The `user` or `safety_identifier` that names the request's end user (end_user_of), as the request gives it."""
    return next((given for given, _ in _request_users(request)), None)


def _request_users(request: Json) -> Iterator[tuple[str, str]]:
    """(as given, as end_user_id reads it) of each of the request's fields naming an end user, in the order read."""
    for key in ("user", "safety_identifier"):
        value = request.get(key)
        if isinstance(value, str) and (user := end_user_id(value)) is not None:
            yield value, user


def _error_message(response: Json) -> str | None:
    error = response.get("error")
    if isinstance(error, dict):
        return _text_or_none(error.get("message"))
    return _text_or_none(error)


def _first(choices: Any) -> Json:
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        return choices[0]
    return {}


def _text_or_none(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# The largest token count the integer columns hold on PostgreSQL (SQLite's hold more).
MAX_TOKEN_COUNT = 2**31 - 1


def _count_or_none(value: Any) -> int | None:
    """A token count as an upstream gave it, or None for anything that is not one.

    Text ("12"), a fraction or a number past MAX_TOKEN_COUNT counts nothing: PostgreSQL refused such
    a row, and the call was stored without its request and answer there, while SQLite kept them.
    """
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_TOKEN_COUNT:
        return value
    return None
