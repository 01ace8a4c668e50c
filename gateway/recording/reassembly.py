"""Rebuilding whole answers from OpenAI server-sent event streams (pure functions).

The recording writer rebuilds every streamed answer on a worker thread that shares the GIL
with the proxy's event loop, so this runs often and should hold the GIL briefly.

- Events are framed on the raw bytes: decoding a whole body to str, splitting it into
  lines and joining them back cost more than parsing the JSON. The usual body, nothing but
  `data: {...}` lines each ending in a blank line, is cut into payloads by one C-level split;
  any other shape (CRLF, `data:` without the space, several data lines, comments,
  `event:`/`id:` lines, a torn last event) is read block by block exactly as before.
- orjson parses bytes as fast as str, but rejects invalid UTF-8 in them where the former
  str path had replaced it with U+FFFD first; a payload it rejects is retried decoded that
  way, so the results are unchanged.
- Text arrives a token at a time: pieces are collected in lists and joined once, rather than
  relying on CPython to grow the answer in place on every chunk (it usually can, not always).

Measured (reassemble_chat_stream, µs per body, min of 21 interleaved rounds, nice -n 10, on
a shared 2-core machine; before -> after): the fake upstream's 21-event stream of the proxy
benchmark 47 -> 30, a 503-event answer 1230 -> 740, the same with a leading comment (the
block-by-block path) 49 -> 41 and 1220 -> 920.

Azure's unnamed first chunk and mid-stream error events cost one check per chunk without
choices: the usual stream measured 46.1 -> 45.1 µs (81 rounds on one core), within noise.
Reading reasoning (`reasoning_content`, `reasoning`) and `audio` pieces too cost 41.4 -> 44.3 and
914 -> 983 µs; a delta holding nothing but its text (most chunks) now skips every other key,
40.3 and 879 µs (same method, on the synthetic 21- and 501-event streams).
Responses API streams are rebuilt in responses_stream.py; a legacy completion's choice in text_choice.py.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from typing import Any, Protocol

import orjson

from gateway.exact_json import loads_exact, may_hold_wide_int
from gateway.recording.chunk_shapes import MAX_CHUNK_SHAPES, TextChunkShape, shaped_text, text_chunk_shape
from gateway.recording.text_choice import TextChoice

Json = dict[str, Any]

# Where OpenAI-compatible servers stream a reasoning model's thinking: vLLM and DeepSeek
# `reasoning_content`, newer vLLM and OpenRouter `reasoning`; the whole answer has the same key.
REASONING_KEYS = ("reasoning_content", "reasoning")

# Tool call pieces name their call by index; calls are opened up to it, but never this many at once.
MAX_TOOL_CALL_GAP = 128


def _sse_payloads(body: bytes) -> list[bytes]:
    """The raw `data:` payload of every event in an SSE body, in order."""
    if b"\r" in body:  # (memchr: far cheaper than searching for b"\r\n" in every body)
        body = body.replace(b"\r\n", b"\n")
    if body.startswith(b"data: ") and body.endswith(b"\n\n"):
        # The usual body, `data: <payload>\n\n` over and over, split in one C call; it is that
        # shape exactly when the only newlines are the two ending each event.
        payloads = body[6:-2].split(b"\n\ndata: ")
        if b"\n" not in b"".join(payloads):  # (counting the newlines cost ~5 instructions a byte)
            return payloads
    payloads = []
    for block in body.split(b"\n\n"):
        if block.startswith(b"data: ") and b"\n" not in block:
            payloads.append(block[6:])  # still the usual event, among others
            continue
        data_lines = [line[5:].removeprefix(b" ") for line in block.split(b"\n") if line.startswith(b"data:")]
        if data_lines:
            payloads.append(b"\n".join(data_lines))
    return payloads


def iter_sse_data(body: bytes) -> Iterator[str]:
    """The `data:` payload of every event in an SSE body, in order."""
    # Framing bytes are ASCII, which replace-decoding never merges into a bad sequence, so
    # decoding each payload alone gives the same text as decoding the whole body first.
    for data in _sse_payloads(body):
        yield data.decode("utf-8", errors="replace")


def iter_sse_json(body: bytes) -> Iterator[Json]:
    """Every JSON event of an SSE body, skipping `[DONE]` and unparsable payloads."""
    # One check of the whole body (~2 ns a byte) rather than one per event: most bodies hold no
    # integer beyond 64 bits, which orjson would turn into a float, and keep orjson alone.
    loads = loads_exact if may_hold_wide_int(body) else orjson.loads
    for data in _sse_payloads(body):
        if (event := _event(data, loads)) is not None:
            yield event


def _event(data: bytes, loads: Callable[[bytes | str], Any]) -> Json | None:
    """The JSON object an event's payload holds; None for `[DONE]` and what is no JSON object."""
    if data == b"[DONE]":
        return None
    try:
        event = loads(data)
    except orjson.JSONDecodeError:
        event = _loads_with_replaced_utf8(data, loads)
    return event if isinstance(event, dict) else None


def _loads_with_replaced_utf8(data: bytes, loads: Callable[[bytes | str], Any]) -> Any:
    """The payload parsed after replacing invalid UTF-8 with U+FFFD, or None if still not JSON."""
    try:
        return loads(data.decode("utf-8", errors="replace"))
    except orjson.JSONDecodeError:
        return None


def content_text(content: Any) -> str | None:
    """A message's text: its content, or the text of its `text` parts when it is a list of parts.

    Mistral's reasoning models answer with a list: their thinking, then the answer's text parts.
    """
    if isinstance(content, str) or content is None:
        return content
    if not isinstance(content, list):
        return None
    texts = [part["text"] for part in content if isinstance(part, dict) and part.get("type") == "text"]
    return "".join(text for text in texts if isinstance(text, str)) if texts else None


def message_calls(message: Json) -> Any:
    """The calls a chat answer's message made: its `tool_calls`, else the older `functions`' one `function_call`, as given.

    A request with `functions` is answered with `function_call` ({"name", "arguments"}), never `tool_calls`:
    kept as the one call, the answer reads as the call it made, not as an empty answer.
    """
    calls = message.get("tool_calls")
    if calls:
        return calls
    function_call = message.get("function_call")
    return [function_call] if isinstance(function_call, dict) else None


class _Choice(Protocol):
    """One choice of a streamed answer being rebuilt from its chunks' pieces."""

    def apply(self, piece: Json) -> None: ...

    def apply_text(self, text: str) -> None: ...

    def finish(self) -> Json: ...


def reassemble_chat_stream(body: bytes) -> Json | None:
    """A `chat.completion` object equivalent to a streamed chat completion."""
    return _reassemble_choice_stream(body, "chat.completion", _ChatChoice, shaped=True)


def reassemble_completion_stream(body: bytes) -> Json | None:
    """A `text_completion` object equivalent to a streamed legacy completion."""
    return _reassemble_choice_stream(body, "text_completion", TextChoice)


def _reassemble_choice_stream(
    body: bytes, object_type: str, new_choice: Callable[[int], _Choice], *, shaped: bool = False
) -> Json | None:
    # Chat and legacy completions stream alike: the first chunk names the answer, any chunk
    # may carry usage, and each chunk's choices extend the choice with the same index.
    completion: Json | None = None
    # Azure OpenAI opens with a chunk of prompt filter results whose id, model and created are
    # empty; the answer's own come later. While any is still empty, later chunks fill it in.
    unnamed = False
    choices: dict[int, _Choice] = {}
    loads = loads_exact if may_hold_wide_int(body) else orjson.loads  # as iter_sse_json reads events
    # `shaped`: text-only chunks read by their shape (chunk_shapes), never where orjson changes a number.
    shapes: list[TextChunkShape] | None = [] if shaped and loads is orjson.loads else None
    shapes_left = MAX_CHUNK_SHAPES  # one per choice, for a few
    for data in _sse_payloads(body):
        if shapes:
            shape, text = shaped_text(shapes, data)
            if shape is not None and completion is not None:
                # The shape's own chunk with another text: what applying it would do, without parsing it.
                if unnamed:
                    unnamed = _name_from(completion, shape.chunk)
                if text:
                    choices[shape.index].apply_text(text)
                continue
        chunk = _event(data, loads)
        if chunk is None:
            continue
        if shapes is not None and shapes_left and (new_shape := text_chunk_shape(chunk)) is not None:
            shapes_left -= 1
            shapes.append(new_shape)
        if completion is None:
            completion = {
                "id": chunk.get("id"),
                "object": object_type,
                "created": chunk.get("created"),
                "model": chunk.get("model"),
            }
            unnamed = not (completion["id"] and completion["created"] and completion["model"])
        elif unnamed:
            unnamed = _name_from(completion, chunk)
        if chunk.get("usage"):
            completion["usage"] = chunk["usage"]
        pieces = chunk.get("choices")
        if not pieces:
            # Only a chunk without choices can be an error event: the upstream broke off with
            # `data: {"error": {...}}` (what the openai SDK raises APIError on).
            if error := chunk.get("error"):
                completion["error"] = error
            continue
        if not isinstance(pieces, list):
            continue
        for piece in pieces:
            # A piece of another shape (null, an index that is no number) is passed over, not the whole answer.
            if not isinstance(piece, dict):
                continue
            index = piece.get("index") or 0
            if not isinstance(index, int):
                continue
            choice = choices.get(index)
            if choice is None:
                choice = choices[index] = new_choice(index)
            choice.apply(piece)
    if completion is None:
        return None
    completion["choices"] = [choices[i].finish() for i in sorted(choices)]
    return completion


def _name_from(completion: Json, chunk: Json) -> bool:
    """Fill the answer's empty id, created and model from the chunk's; whether any is still empty."""
    unnamed = False
    for key in ("id", "created", "model"):
        if not completion[key]:
            completion[key] = chunk.get(key) or completion[key]
            unnamed = unnamed or not completion[key]
    return unnamed


class _ChatChoice:
    """A chat choice being rebuilt: the dict gains its keys in arrival order, texts are joined at the end."""

    __slots__ = ("audio_texts", "call_texts", "content", "function_texts", "json", "reasoning", "refusal")

    def __init__(self, index: int) -> None:
        self.json: Json = {"index": index, "message": {"role": "assistant", "content": None}, "finish_reason": None}
        self.content: list[str] = []
        self.refusal: list[str] = []
        self.call_texts: list[tuple[list[str], list[str]]] = []  # name and argument pieces of each tool call
        self.function_texts: tuple[list[str], list[str]] | None = None  # those of a legacy function_call
        self.reasoning: dict[str, list[str]] = {}  # thinking pieces by their key (REASONING_KEYS)
        self.audio_texts: tuple[list[str], list[str]] | None = None  # transcript and base64 data pieces

    def apply(self, piece: Json) -> None:
        # Token log-probabilities ride beside the delta, also on chunks with an empty delta.
        logprobs = piece.get("logprobs")
        if isinstance(logprobs, dict):
            self._extend_logprobs(logprobs)
        delta = piece.get("delta")
        if delta and isinstance(delta, dict):
            if content := delta.get("content"):
                if isinstance(content, str):
                    self.content.append(content)
                elif text := content_text(content):
                    self.content.append(text)
            # Most chunks carry a token of text and nothing else: no other key to look for.
            if not content or len(delta) > 1:
                self._apply_other_keys(delta)
        if finish_reason := piece.get("finish_reason"):
            self.json["finish_reason"] = finish_reason

    def apply_text(self, text: str) -> None:
        self.content.append(text)

    def _apply_other_keys(self, delta: Json) -> None:
        """Apply what a delta carries besides its text: role, refusal, thinking, audio, tool and function calls."""
        message = self.json["message"]
        if role := delta.get("role"):
            message["role"] = role
        if (refusal := delta.get("refusal")) and isinstance(refusal, str):
            message.setdefault("refusal", "")  # the key takes its place now, its text at the end
            self.refusal.append(refusal)
        for key in REASONING_KEYS:
            if (thinking := delta.get(key)) and isinstance(thinking, str):
                message.setdefault(key, "")
                self.reasoning.setdefault(key, []).append(thinking)
        audio = delta.get("audio")
        if audio and isinstance(audio, dict):
            self._extend_audio(message, audio)
        call_deltas = delta.get("tool_calls")
        if call_deltas and isinstance(call_deltas, list):
            for call_delta in call_deltas:
                if isinstance(call_delta, dict):
                    self._extend_tool_call(message.setdefault("tool_calls", []), call_delta)
        # The answer to a request with the older `functions`: one call, in pieces, as `function_call`.
        function_delta = delta.get("function_call")
        if function_delta and isinstance(function_delta, dict):
            if self.function_texts is None:
                message["function_call"] = {"name": "", "arguments": ""}
                self.function_texts = ([], [])
            names, arguments = self.function_texts
            if (name := function_delta.get("name")) and isinstance(name, str):
                names.append(name)
            if (argument := function_delta.get("arguments")) and isinstance(argument, str):
                arguments.append(argument)

    def _extend_logprobs(self, logprobs: Json) -> None:
        """Append a chunk's token log-probabilities (content and refusal) to the choice's."""
        kept = self.json.setdefault("logprobs", {"content": None, "refusal": None})
        for key in ("content", "refusal"):
            tokens = logprobs.get(key)
            if isinstance(tokens, list):
                if kept[key] is None:
                    kept[key] = []
                kept[key].extend(tokens)

    def _extend_audio(self, message: Json, audio: Json) -> None:
        """Add a chunk's audio piece: transcript and data are collected, other keys (id, expires_at) kept."""
        if self.audio_texts is None:
            message["audio"] = {}
            self.audio_texts = ([], [])
        kept, (transcript, data) = message["audio"], self.audio_texts
        for key, value in audio.items():
            if key == "transcript" or key == "data":
                kept.setdefault(key, "")
                if value and isinstance(value, str):
                    (transcript if key == "transcript" else data).append(value)
            elif value is not None:
                kept[key] = value

    def _extend_tool_call(self, calls: list[Json], call_delta: Json) -> None:
        """Merge a tool call's piece into the call with its index, opening calls up to it."""
        index = call_delta.get("index", len(calls))
        if not isinstance(index, int) or not 0 <= index <= len(calls) + MAX_TOOL_CALL_GAP:
            return  # an upstream's nonsense index must not make the writer open a billion calls
        while len(calls) <= index:
            calls.append({"id": None, "type": "function", "function": {"name": "", "arguments": ""}})
            self.call_texts.append(([], []))
        call, (names, arguments) = calls[index], self.call_texts[index]
        if call_id := call_delta.get("id"):
            call["id"] = call_id
        if call_type := call_delta.get("type"):
            call["type"] = call_type
        function = call_delta.get("function")
        if not isinstance(function, dict):
            return
        if (name := function.get("name")) and isinstance(name, str):
            names.append(name)
        if (argument := function.get("arguments")) and isinstance(argument, str):
            arguments.append(argument)

    def finish(self) -> Json:
        message = self.json["message"]
        if self.content:
            message["content"] = "".join(self.content)
        if self.refusal:
            message["refusal"] = "".join(self.refusal)
        for call, (names, arguments) in zip(message.get("tool_calls", ()), self.call_texts, strict=True):
            call["function"]["name"] = "".join(names)
            call["function"]["arguments"] = "".join(arguments)
        for key, thinking in self.reasoning.items():
            message[key] = "".join(thinking)
        if self.audio_texts is not None:
            audio = message["audio"]
            if "transcript" in audio:
                audio["transcript"] = "".join(self.audio_texts[0])
            if "data" in audio:
                audio["data"] = _joined_base64(self.audio_texts[1])
        if self.function_texts is not None:
            message["function_call"] = {
                "name": "".join(self.function_texts[0]),
                "arguments": "".join(self.function_texts[1]),
            }
        return self.json


def _joined_base64(pieces: list[str]) -> str:
    """One base64 text of the bytes of all pieces; their plain join when any is not base64."""
    # Each piece is padded on its own, so the pieces' texts only join when every one ends on 3 bytes.
    try:
        return base64.b64encode(b"".join(base64.b64decode(piece, validate=True) for piece in pieces)).decode()
    except ValueError:
        return "".join(pieces)
