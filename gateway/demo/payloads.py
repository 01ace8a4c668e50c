"""OpenAI wire-format bodies and SSE streams for the fake upstream (see gateway.demo.fake_upstream).

Every builder is a pure function of the parsed request: it returns ``bytes`` (a JSON body)
or, when the request asked for ``stream: true``, a ``list[bytes]`` of complete SSE events.
The serving side (pacing, gating, aborting) lives in gateway.demo.fake_upstream.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import time
from base64 import b64encode
from itertools import zip_longest
from typing import Any

import orjson

from gateway.demo import fake_answers, fake_logprobs, fake_rules

Reply = bytes | list[bytes]

SYSTEM_FINGERPRINT = "fp_feedgate"
MODEL_IDS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1-mini", "text-embedding-3-small", "whisper-1")
MODELS_BODY = orjson.dumps(
    {
        "object": "list",
        "data": [{"id": m, "object": "model", "created": 1700000000, "owned_by": "feedgate"} for m in MODEL_IDS],
    }
)
DONE_EVENT = b"data: [DONE]\n\n"
_WORDS = re.compile(r"\s*\S+\s*$|\s*\S+")
_ERROR_TYPES = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def new_id(prefix: str) -> str:
    return prefix + os.urandom(12).hex()


def split_words(text: str) -> list[str]:
    """Split into word-sized deltas that concatenate back to exactly ``text``."""
    return _WORDS.findall(text) or ([text] if text else [])


def count_tokens(text: str) -> int:
    """The fake tokenizer: one token per whitespace-separated word."""
    return len(text.split())


def content_text(content: Any) -> str:
    """Text of a message ``content``: a string, or a list of parts with ``text``."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p["text"] for p in content if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def last_user_text(messages: Any) -> str:
    if isinstance(messages, str):
        return messages
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            return content_text(message.get("content"))
    return ""


def prompt_tokens(messages: Any) -> int:
    if isinstance(messages, str):
        return count_tokens(messages)
    items = messages if isinstance(messages, list) else []
    return sum(count_tokens(content_text(m.get("content"))) for m in items if isinstance(m, dict))


def error_body(status: int, message: str) -> bytes:
    kind, code = _ERROR_TYPES.get(status, ("server_error" if status >= 500 else "invalid_request_error", None))
    return orjson.dumps({"error": {"message": message, "type": kind, "param": None, "code": code}})


# OpenAI's answer to a reasoning model asked for log-probabilities.
LOGPROBS_REFUSED = orjson.dumps(
    {
        "error": {
            "message": "Unsupported parameter: 'logprobs' is not supported with this model.",
            "type": "invalid_request_error",
            "param": "logprobs",
            "code": "unsupported_parameter",
        }
    }
)


def model_name(req: dict[str, Any]) -> str:
    model = req.get("model")
    return model if isinstance(model, str) else ""


def usage_counts(prompt: int, completion: int) -> dict[str, int]:
    """A chat or legacy completion's usage."""
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def answer_text(req: dict[str, Any], question: str) -> str:
    """A rule's answer when the question is on one of its topics (see fake_rules), else "Echo: " + the question."""
    answer = fake_rules.rule_answer(question, req)
    return answer if answer is not None else "Echo: " + question


# -- /v1/chat/completions ---------------------------------------------------------------------


def chat_completions(req: dict[str, Any], override: str | None = None) -> Reply:
    """A chat.completion body, or its chunk stream, of `n` choices (see gateway.demo.fake_answers)."""
    messages = req.get("messages")
    question = last_user_text(messages)
    text = override if override is not None else answer_text(req, question)
    # The membership tests keep the usual one-choice, plain-text request (benchmarks' traffic) at its old cost.
    count = fake_answers.choice_count(req) if "n" in req else 1
    texts = fake_answers.choice_texts(text, count) if count > 1 else [text]
    tools = req.get("tools")
    if isinstance(tools, list) and tools and not fake_answers.ends_with_tool_result(messages):
        parallel = req.get("parallel_tool_calls") is True
        calls: list[list[tuple[str, str]] | None] = [
            fake_answers.tool_calls(tools, t, parallel=parallel) for t in texts
        ]
    else:
        calls = [None] * count
        shape = fake_answers.json_format(req) if "response_format" in req else None
        if shape is not None:
            texts = [fake_answers.json_answer(shape, t) for t in texts]
    head = {
        "id": new_id("chatcmpl-"),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model_name(req),
    }
    if req.get("stream"):
        return _chat_stream(req, question, head, texts, calls)
    choices = []
    completion = 0
    for index, (answer, tool) in enumerate(zip(texts, calls, strict=True)):
        logprobs = None
        message: dict[str, Any]
        if tool is None:
            message = {"role": "assistant", "content": answer, "refusal": None, "annotations": []}
            finish = "stop"
            completion += count_tokens(answer)
            entries = _answer_logprobs(req, question, split_words(answer))
            logprobs = None if entries is None else {"content": entries, "refusal": None}
        else:
            made = [
                {"id": new_id("call_"), "type": "function", "function": {"name": name, "arguments": arguments}}
                for name, arguments in tool
            ]
            message = {"role": "assistant", "content": None, "tool_calls": made, "refusal": None, "annotations": []}
            finish = "tool_calls"
            completion += sum(count_tokens(arguments) for _, arguments in tool)
        choices.append({"index": index, "message": message, "logprobs": logprobs, "finish_reason": finish})
    usage: dict[str, Any] = usage_counts(prompt_tokens(messages), completion)
    usage["prompt_tokens_details"] = {"cached_tokens": 0, "audio_tokens": 0}
    usage["completion_tokens_details"] = {"reasoning_tokens": 0, "audio_tokens": 0}
    return orjson.dumps(
        {
            **head,
            "choices": choices,
            "usage": usage,
            "service_tier": "default",
            "system_fingerprint": SYSTEM_FINGERPRINT,
        }
    )


def _chat_stream(
    req: dict[str, Any],
    question: str,
    head: dict[str, Any],
    texts: list[str],
    calls: list[list[tuple[str, str]] | None],
) -> list[bytes]:
    head["object"] = "chat.completion.chunk"
    head["service_tier"], head["system_fingerprint"] = "default", SYSTEM_FINGERPRINT
    include_usage = bool((req.get("stream_options") or {}).get("include_usage"))
    if include_usage:
        head["usage"] = None
    # Fast path: every chunk shares one serialized prefix; only the delta is serialized per chunk.
    start = b"data: " + orjson.dumps(head)[:-1] + b',"choices":[{"index":'
    if len(texts) == 1:
        events = _choice_events(req, question, start + b'0,"delta":', texts[0], calls[0])
    else:  # as OpenAI does: one choice per chunk, the choices' chunks interleaved
        streams = [
            _choice_events(req, question, start + b"%d" % index + b',"delta":', answer, tool)
            for index, (answer, tool) in enumerate(zip(texts, calls, strict=True))
        ]
        events = [event for step in zip_longest(*streams) for event in step if event is not None]
    if include_usage:
        completion = sum(
            count_tokens(t) if c is None else sum(count_tokens(arguments) for _, arguments in c)
            for t, c in zip(texts, calls, strict=True)
        )
        usage = usage_counts(prompt_tokens(req.get("messages")), completion)
        events.append(b"data: " + orjson.dumps({**head, "choices": [], "usage": usage}) + b"\n\n")
    events.append(DONE_EVENT)
    return events


def _choice_events(
    req: dict[str, Any], question: str, prefix: bytes, text: str, tool: list[tuple[str, str]] | None
) -> list[bytes]:
    """The SSE events of one choice, each a chunk starting with `prefix` (the choice's index included)."""

    def chunk(delta: bytes, finish: bytes = b"null", logprobs: bytes = b"null") -> bytes:
        return prefix + delta + b',"logprobs":' + logprobs + b',"finish_reason":' + finish + b"}]}\n\n"

    if tool is None:
        pieces = split_words(text)
        entries = _answer_logprobs(req, question, pieces)
        events = [chunk(b'{"role":"assistant","content":"","refusal":null}')]
        if entries is None:
            events += [chunk(b'{"content":' + orjson.dumps(p) + b"}") for p in pieces]
        else:  # as OpenAI does: each chunk carries the log-probabilities of its own tokens
            events += [
                chunk(b'{"content":' + orjson.dumps(p) + b"}", logprobs=orjson.dumps({"content": [e], "refusal": None}))
                for p, e in zip(pieces, entries, strict=True)
            ]
        events.append(chunk(b"{}", b'"stop"'))
        return events
    events = []
    for at, (name, arguments) in enumerate(tool):  # as OpenAI streams parallel calls: each whole, in turn
        call = {"index": at, "id": new_id("call_"), "type": "function", "function": {"name": name, "arguments": ""}}
        opening: dict[str, Any] = {"tool_calls": [call]}
        if at == 0:
            opening = {"role": "assistant", "content": None, **opening, "refusal": None}
        events.append(chunk(orjson.dumps(opening)))
        pieces = [arguments[i : i + 8] for i in range(0, len(arguments), 8)]
        events += [chunk(orjson.dumps({"tool_calls": [{"index": at, "function": {"arguments": p}}]})) for p in pieces]
    events.append(chunk(b"{}", b'"tool_calls"'))
    return events


def _answer_logprobs(req: dict[str, Any], question: str, tokens: list[str]) -> list[dict[str, Any]] | None:
    """Log-probabilities of the answer's tokens when the chat request asked for them (the fake gives none for tool calls)."""
    top = fake_logprobs.requested_top_logprobs(req)
    return None if top is None else fake_logprobs.token_logprobs(tokens, fake_logprobs.target_confidence(question), top)


# -- /v1/completions (legacy) -----------------------------------------------------------------


def completions(req: dict[str, Any], override: str | None = None) -> Reply:
    """A text_completion body, or its chunk stream, of `n` choices of the (first) prompt (see gateway.demo.fake_answers)."""
    prompt = req.get("prompt")
    if isinstance(prompt, list):
        prompt = next((p for p in prompt if isinstance(p, str)), "")
    prompt = prompt if isinstance(prompt, str) else ""
    text = override if override is not None else "Echo: " + prompt
    count = fake_answers.choice_count(req) if "n" in req else 1
    texts = fake_answers.choice_texts(text, count) if count > 1 else [text]
    head = {"id": new_id("cmpl-"), "object": "text_completion", "created": int(time.time()), "model": model_name(req)}
    usage = usage_counts(count_tokens(prompt), sum(count_tokens(t) for t in texts))
    top = fake_logprobs.completions_top_logprobs(req)
    confidence = fake_logprobs.target_confidence(prompt)
    logprobs = [
        None if top is None else fake_logprobs.completion_logprobs(split_words(t), confidence, top, len(prompt))
        for t in texts
    ]
    if not req.get("stream"):
        choices = [
            {"text": answer, "index": index, "logprobs": logprobs[index], "finish_reason": "stop"}
            for index, answer in enumerate(texts)
        ]
        return orjson.dumps({**head, "system_fingerprint": SYSTEM_FINGERPRINT, "choices": choices, "usage": usage})
    prefix = b"data: " + orjson.dumps(head)[:-1] + b',"choices":[{"text":'

    def chunk(index: int, piece: str, finish: bytes = b"null", position: int | None = None) -> bytes:
        # As OpenAI does: each chunk carries the log-probabilities of its own tokens (one token here).
        given = logprobs[index]
        carried = b"null" if given is None or position is None else orjson.dumps(_nth_logprobs(given, position))
        choice = b',"index":%d,"logprobs":%b,"finish_reason":' % (index, carried)
        return prefix + orjson.dumps(piece) + choice + finish + b"}]}\n\n"

    # As OpenAI does with n > 1: one choice per chunk, the choices' chunks interleaved.
    streams = [
        [chunk(index, p, position=at) for at, p in enumerate(split_words(answer))] + [chunk(index, "", b'"stop"')]
        for index, answer in enumerate(texts)
    ]
    events = [event for step in zip_longest(*streams) for event in step if event is not None]
    if (req.get("stream_options") or {}).get("include_usage"):
        events.append(b"data: " + orjson.dumps({**head, "choices": [], "usage": usage}) + b"\n\n")
    events.append(DONE_EVENT)
    return events


def _nth_logprobs(logprobs: dict[str, list[Any]], position: int) -> dict[str, list[Any]]:
    """The legacy `logprobs` of one token of an answer, as the chunk carrying it has them."""
    return {key: values[position : position + 1] for key, values in logprobs.items()}


# -- /v1/embeddings, /v1/models, /v1/audio/transcriptions -------------------------------------


def fake_embedding(item: Any, dimensions: int = 8) -> list[float]:
    """Deterministic float32 vector in [-1, 1) for one input (a string or a token list)."""
    raw = hashlib.shake_256(orjson.dumps(item)).digest(4 * dimensions)
    values = [n / 2**31 - 1.0 for n in struct.unpack(f"<{dimensions}I", raw)]
    return list(struct.unpack(f"<{dimensions}f", struct.pack(f"<{dimensions}f", *values)))


def embeddings(req: dict[str, Any], override: str | None = None) -> bytes:
    given = req.get("input")
    single = isinstance(given, str) or (isinstance(given, list) and bool(given) and isinstance(given[0], int))
    items: list[Any] = [given] if single else list(given) if isinstance(given, list) else []
    asked = req.get("dimensions")
    dimensions = asked if isinstance(asked, int) else 8
    as_base64 = req.get("encoding_format") == "base64"
    data = []
    for index, item in enumerate(items):
        vector: Any = fake_embedding(item, dimensions)
        if as_base64:
            vector = b64encode(struct.pack(f"<{dimensions}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": vector})
    tokens = sum(count_tokens(i) if isinstance(i, str) else len(i) for i in items)
    usage = {"prompt_tokens": tokens, "total_tokens": tokens}
    return orjson.dumps({"object": "list", "data": data, "model": model_name(req), "usage": usage})


def model_object(model_id: str) -> bytes:
    return orjson.dumps({"id": model_id, "object": "model", "created": 1700000000, "owned_by": "feedgate"})


def multipart_file_size(body: bytes, content_type: str) -> int:
    """Size of the ``file`` part of a multipart/form-data body (the whole body if there is none)."""
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if match:
        for part in body.split(b"--" + match.group(1).encode()):
            headers, separator, content = part.partition(b"\r\n\r\n")
            if separator and b'name="file"' in headers:
                return len(content) - 2 if content.endswith(b"\r\n") else len(content)
    return len(body)


def transcription(body: bytes, content_type: str) -> bytes:
    return orjson.dumps({"text": f"{multipart_file_size(body, content_type)} bytes received"})
