"""Realistic streamed answers whose stored rows are pinned (test_stream_rows_pinned.py).

Each case is an exchange as the proxy captures it; the rows built from them are kept in
pinned/stream_rows.json, written by the code before the writer's stream rebuilding was made cheaper.
"""

from __future__ import annotations

from typing import Any

import orjson

from gateway.recording.exchange import Exchange
from tests.recording.exchanges import exchange
from tests.recording.sse_bodies import CREATED, chat_chunk, sse, usage_chunk

STREAM = {"content_type": "text/event-stream"}
CHAT_STREAM_REQUEST = {
    "model": "gpt-4o-mini",
    "stream": True,
    "stream_options": {"include_usage": True},
    "messages": [{"role": "user", "content": "Where is my order #48213?"}],
}


def _words(text: str) -> list[str]:
    words = text.split(" ")
    return [words[0], *(" " + word for word in words[1:])]


def _obfuscated(chunk: dict[str, Any], padding: str) -> dict[str, Any]:
    """A chunk as OpenAI sends it since 2025: random padding in `obfuscation`, after the choices."""
    return {**chunk, "obfuscation": padding}


def plain_chat() -> bytes:
    """OpenAI's usual chat stream: role, words, finish, usage, every chunk padded."""
    usage = {"usage": None}
    chunks = [chat_chunk({"role": "assistant", "content": "", "refusal": None}, **usage)]
    chunks += [chat_chunk({"content": word}, **usage) for word in _words("Your order left the warehouse today.")]
    chunks += [chat_chunk({}, finish_reason="stop", **usage), usage_chunk()]
    return sse(*(_obfuscated(chunk, "x" * (i % 7)) for i, chunk in enumerate(chunks)))


def unpadded_chat() -> bytes:
    """A chat stream without padding, with text that needs escapes, non-ASCII text, and an empty piece."""
    pieces = ["Line one\n", 'He said "hi"', " \\ back", " café ☕", "", " 😀", '"},"x":"y', " done"]
    chunks = [chat_chunk({"role": "assistant", "content": ""})]
    chunks += [chat_chunk({"content": piece}) for piece in pieces]
    chunks.append(chat_chunk({}, finish_reason="stop"))
    return sse(*chunks)


def spaced_chat() -> bytes:
    """A server that writes its JSON with spaces (Python's json.dumps defaults)."""
    chunks = [chat_chunk({"role": "assistant"})] + [chat_chunk({"content": w}) for w in _words("Spaced out answer")]
    chunks.append(chat_chunk({}, finish_reason="length"))
    body = b"".join(b"data: " + json_with_spaces(chunk) + b"\n\n" for chunk in chunks)
    return body + b"data: [DONE]\n\n"


def json_with_spaces(value: Any) -> bytes:
    import json

    return json.dumps(value, ensure_ascii=False).encode()


def tool_calls_chat() -> bytes:
    """Two parallel tool calls streamed in pieces, after a little text."""

    def call(index: int, **fields: Any) -> dict[str, Any]:
        return {"tool_calls": [{"index": index, **fields}]}

    chunks = [
        chat_chunk({"role": "assistant", "content": None, "tool_calls": [
            {"index": 0, "id": "call_a1", "type": "function", "function": {"name": "track_order", "arguments": ""}}
        ]}),
        chat_chunk(call(0, function={"arguments": '{"order'})),
        chat_chunk(call(0, function={"arguments": '": "48213"}'})),
        chat_chunk(call(1, id="call_b2", type="function", function={"name": "eta", "arguments": ""})),
        chat_chunk(call(1, function={"arguments": '{"zip": "10115"}'})),
        chat_chunk({}, finish_reason="tool_calls"),
    ]  # fmt: skip
    return sse(*chunks)


def several_choices() -> bytes:
    """n=2: the two choices' chunks interleaved, each finishing on its own."""
    chunks = []
    for index in (0, 1):
        chunks.append(chat_chunk({"role": "assistant", "content": ""}, index=index))
    for first, second in zip(_words("It ships tomorrow."), _words("Tomorrow it ships out."), strict=False):
        chunks.append(chat_chunk({"content": first}, index=0))
        chunks.append(chat_chunk({"content": second}, index=1))
    chunks.append(chat_chunk({"content": " out."}, index=1))
    chunks.append(chat_chunk({}, finish_reason="stop", index=0))
    chunks.append(chat_chunk({}, finish_reason="stop", index=1))
    return sse(*chunks)


def with_logprobs() -> bytes:
    """Log-probabilities beside each piece of text."""
    chunks = [chat_chunk({"role": "assistant", "content": ""})]
    for i, word in enumerate(_words("Yes it is")):
        chunk = chat_chunk({"content": word})
        token = {"token": word, "logprob": -0.25 * i, "bytes": list(word.encode()), "top_logprobs": []}
        chunk["choices"][0]["logprobs"] = {"content": [token], "refusal": None}
        chunks.append(chunk)
    chunks.append(chat_chunk({}, finish_reason="stop"))
    return sse(*chunks)


def azure_unnamed() -> bytes:
    """Azure OpenAI: a first chunk of prompt filter results with no id, model or created."""
    first = {"id": "", "object": "", "created": 0, "model": "", "choices": [], "prompt_filter_results": [{}]}
    chunks = [first, chat_chunk({"role": "assistant", "content": ""})]
    chunks += [chat_chunk({"content": word}) for word in _words("Filtered but fine")]
    chunks.append(chat_chunk({}, finish_reason="stop"))
    return sse(*chunks)


def wide_integer() -> bytes:
    """A chunk with an integer beyond 64 bits (kept exactly), among ordinary ones."""
    chunks = [chat_chunk({"role": "assistant", "content": ""})]
    chunks += [chat_chunk({"content": word}) for word in _words("Seed noted")]
    chunks.append(chat_chunk({}, finish_reason="stop", seed=1))
    return sse(*chunks).replace(b'"seed":1}', b'"seed":%d}' % (2**70 + 1))


def bad_utf8() -> bytes:
    """A piece of text with a byte that is not UTF-8 (read as U+FFFD), and a payload that is no JSON."""
    good = sse(chat_chunk({"content": "ok "}), done=False)
    bad = sse(chat_chunk({"content": "bad"}), done=False).replace(b"bad", b"b\xffd")
    return good + bad + b"data: {not json}\n\n" + good + b"data: [DONE]\n\n"


def cut_short() -> bytes:
    """A stream torn mid-event: the client left, or the upstream broke off."""
    chunks = [chat_chunk({"role": "assistant", "content": ""})]
    chunks += [chat_chunk({"content": word}) for word in _words("I will check the")]
    body = sse(*chunks, done=False)
    return body + b'data: {"id":"chatcmpl-AbC123","object":"chat.completion.ch'


def responses_stream() -> bytes:
    """A Responses API stream: created, text deltas, completed."""
    response = {"id": "resp_1", "object": "response", "created_at": CREATED, "status": "in_progress",
                "model": "gpt-4o-mini", "output": [], "usage": None}  # fmt: skip
    item = {"id": "msg_1", "type": "message", "status": "in_progress", "role": "assistant", "content": []}
    part = {"type": "output_text", "text": "", "annotations": []}
    events: list[dict[str, Any]] = [
        {"type": "response.created", "sequence_number": 0, "response": response},
        {"type": "response.output_item.added", "sequence_number": 1, "output_index": 0, "item": item},
        {"type": "response.content_part.added", "sequence_number": 2, "item_id": "msg_1", "output_index": 0,
         "content_index": 0, "part": part},
    ]  # fmt: skip
    for i, word in enumerate(_words("Shipped on Monday")):
        events.append({"type": "response.output_text.delta", "sequence_number": 3 + i, "item_id": "msg_1",
                       "output_index": 0, "content_index": 0, "delta": word, "obfuscation": "pad"})  # fmt: skip
    done_item = {**item, "status": "completed",
                 "content": [{**part, "text": "Shipped on Monday"}]}  # fmt: skip
    completed = {**response, "status": "completed", "output": [done_item],
                 "usage": {"input_tokens": 12, "output_tokens": 3, "total_tokens": 15}}  # fmt: skip
    events.append({"type": "response.completed", "sequence_number": 9, "response": completed})
    return b"".join(b"event: " + e["type"].encode() + b"\ndata: " + orjson.dumps(e) + b"\n\n" for e in events)


def legacy_completion() -> bytes:
    """The older /v1/completions streamed."""
    chunks = [{"id": "cmpl-1", "object": "text_completion", "created": CREATED, "model": "gpt-3.5-turbo-instruct",
               "choices": [{"text": word, "index": 0, "logprobs": None, "finish_reason": None}]}
              for word in _words("Once upon a time")]  # fmt: skip
    return sse(*chunks)


def cases() -> dict[str, Exchange]:
    """Every pinned case by name."""
    chat = {name: fn() for name, fn in [
        ("plain_chat", plain_chat), ("unpadded_chat", unpadded_chat), ("spaced_chat", spaced_chat),
        ("tool_calls_chat", tool_calls_chat), ("several_choices", several_choices), ("with_logprobs", with_logprobs),
        ("azure_unnamed", azure_unnamed), ("wide_integer", wide_integer), ("bad_utf8", bad_utf8),
    ]}  # fmt: skip
    built = {name: exchange(request=CHAT_STREAM_REQUEST, body=body, **STREAM) for name, body in chat.items()}
    built["cut_short"] = exchange(request=CHAT_STREAM_REQUEST, body=cut_short(), partial=True, **STREAM)
    built["split_in_chunks"] = exchange(
        request=CHAT_STREAM_REQUEST, body=[plain_chat()[i : i + 97] for i in range(0, 4000, 97)], **STREAM
    )
    built["responses"] = exchange(
        endpoint="responses", request={"model": "gpt-4o-mini", "stream": True, "input": "Shipped?"},
        body=responses_stream(), **STREAM,
    )  # fmt: skip
    built["completions"] = exchange(
        endpoint="completions", request={"model": "gpt-3.5-turbo-instruct", "stream": True, "prompt": "Once"},
        body=legacy_completion(), **STREAM,
    )  # fmt: skip
    return built
