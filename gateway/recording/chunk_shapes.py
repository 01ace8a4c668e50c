"""Reading a chat stream's text chunks without parsing each: the bytes around their text are the same.

Most chunks of a streamed chat answer carry one piece of text and nothing else, and differ from each
other only in that text (and, from OpenAI since 2025, in random `obfuscation` padding). Parsing each in
full and walking its dicts was most of the writer's cost for a streamed answer's row. So the first such
chunk, once parsed, gives a shape: its JSON as orjson writes it, cut where its text and padding go. A
later payload made of exactly those bytes with a JSON string in each cut IS that chunk with another text:
a string token in a JSON text can be replaced by any other without changing how the rest parses. Each cut
is checked to be one string by parsing it alone (cheap), so the shape never guesses. A payload of any
other shape (another server's spacing, a tool call, log-probabilities, the finish) is parsed as before.

Measured (the writer's row for an 11-event stream, Ir by callgrind and CPU µs by
benchmarks/writer_row_cost.py): see benchmarks/README-proxy.md, "Stop 50".
"""

from __future__ import annotations

from typing import Any

import orjson

Json = dict[str, Any]

# What stands in a cut while the shape is written: no chunk holds it (each shape is checked anyway).
_CUT = "\x00feedgate-cut\x00"
_CUT_JSON = orjson.dumps(_CUT)
# The most shapes one stream's rebuilding takes: a stream of chunks that each miss costs a shape per try.
MAX_CHUNK_SHAPES = 4
# OpenAI's padding, random text of random length on each chunk, beside the choices.
_PADDING = "obfuscation"


class TextChunkShape:
    """A text-only chat chunk's bytes cut where its text (and padding) go, and the chunk itself."""

    __slots__ = ("after", "before", "between", "chunk", "index", "text_first")

    def __init__(self, chunk: Json, index: int, parts: list[bytes], text_first: bool) -> None:
        self.chunk = chunk  # the parsed chunk it was taken from: its id, created and model name later ones
        self.index = index  # its choice's index
        # The bytes before the first cut, between the two cuts (padded chunks only), after the last.
        self.before, self.after = parts[0], parts[-1]
        self.between = parts[1] if len(parts) == 3 else None
        self.text_first = text_first  # whether the text's cut comes before the padding's

    def text_of(self, payload: bytes) -> str | None:
        """The text of `payload` when it is this shape's chunk with another text (and padding); else None."""
        # Straight-line code: a loop over the cuts cost more than parsing the whole chunk.
        if not (payload.startswith(self.before) and payload.endswith(self.after)):
            return None
        start, end = len(self.before), len(payload) - len(self.after)
        try:
            if self.between is None:
                text = orjson.loads(payload[start:end])
                return text if isinstance(text, str) else None
            cut = payload.find(self.between, start, end)
            if cut < 0:
                return None
            first, second = orjson.loads(payload[start:cut]), orjson.loads(payload[cut + len(self.between) : end])
        except orjson.JSONDecodeError:
            return None  # a cut that is not one JSON string (or bad UTF-8, which the full reading replaces)
        if not (isinstance(first, str) and isinstance(second, str)):
            return None
        return first if self.text_first else second


def text_chunk_shape(chunk: Json) -> TextChunkShape | None:
    """The shape of `chunk` if it carries nothing but a piece of text for one choice (what applying it does)."""
    if chunk.get("usage"):
        return None
    pieces = chunk.get("choices")
    if not isinstance(pieces, list) or len(pieces) != 1 or not isinstance(pieces[0], dict):
        return None
    piece = pieces[0]
    index = piece.get("index") or 0  # as the rebuilding reads it
    delta = piece.get("delta")
    if not isinstance(index, int) or isinstance(piece.get("logprobs"), dict) or piece.get("finish_reason"):
        return None
    if not isinstance(delta, dict) or len(delta) != 1 or not isinstance(delta.get("content"), str):
        return None
    cut = {**chunk, "choices": [{**piece, "delta": {"content": _CUT}}]}
    padded = isinstance(chunk.get(_PADDING), str)
    if padded:
        cut[_PADDING] = _CUT
    try:
        parts = orjson.dumps(cut).split(_CUT_JSON)
    except TypeError:
        return None
    if len(parts) != 2 + padded:
        return None  # the stand-in found elsewhere: no shape rather than a wrong one
    keys = list(cut)
    return TextChunkShape(chunk, index, parts, not padded or keys.index("choices") < keys.index(_PADDING))


def shaped_text(shapes: list[TextChunkShape], payload: bytes) -> tuple[TextChunkShape | None, str | None]:
    """The shape `payload` is of, and its text; (None, None) when it is of none."""
    for shape in shapes:
        if (text := shape.text_of(payload)) is not None:
            return shape, text
    return None, None
