"""Undoing an answer's HTTP content codings (gzip, deflate, br, stacked) to read what it says.

Only readers use it (the recorder in the writer, the confidence gate): the bytes the proxy relays
to the client are never decoded. Decoding stops at MAX_DECODED_BYTES, so a small answer that
inflates to gigabytes (a compression bomb from a misbehaving upstream) never sits whole in memory.
"""

from __future__ import annotations

import zlib
from typing import NamedTuple

import brotli

# The codings Feedgate can undo. x-gzip is gzip (RFC 9110 §8.4.1.3); identity is no coding at all.
_GZIP, _DEFLATE, _BR = "gzip", "deflate", "br"
_ALIASES = {"x-gzip": _GZIP}
_READABLE = frozenset({_GZIP, _DEFLATE, _BR})

# The most an answer is decoded to (README, "What is recorded"). Far above any real answer (a chat
# answer of 100k tokens with top-20 log-probabilities, 2,048 embeddings in float JSON), far below a bomb.
MAX_DECODED_BYTES = 128 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


class UnreadableCoding(Exception):
    """The answer came in a content coding Feedgate cannot undo (zstd, compress…); `content_encoding` as given."""

    def __init__(self, content_encoding: str) -> None:
        super().__init__(content_encoding)
        self.content_encoding = content_encoding


class Decoded(NamedTuple):
    """An answer's decoded bytes (None: corrupt, or cut short) and whether decoding stopped at the bound."""

    body: bytes | None
    cut: bool


def decoded_content(
    body: bytes, content_encoding: str, *, keep_cut_off: bool = False, max_bytes: int = MAX_DECODED_BYTES
) -> Decoded:
    """`body` with every coding `content_encoding` names undone, the last applied first, to at most `max_bytes`.

    Its body is None when the coded bytes are corrupt, or cut short and `keep_cut_off` is false (a whole
    answer cut short is not the answer; a stream's events that had arrived are, as servers flush each
    one). Past `max_bytes` it holds the first `max_bytes` and `cut` is true.
    Raises UnreadableCoding, before any work, for a coding Feedgate cannot undo.
    """
    codings = [_ALIASES.get(coding, coding) for coding in _codings(content_encoding)]
    unreadable = [coding for coding in codings if coding not in _READABLE]
    if unreadable:
        raise UnreadableCoding(content_encoding.strip().lower())
    cut = False
    try:
        for coding in reversed(codings):
            decoded, whole = _undo(coding, body, max_bytes)
            if len(decoded) >= max_bytes and not whole:
                cut = True  # stopped here: the codings under this one are read as far as it got
            elif not whole and not keep_cut_off and not cut:
                return Decoded(None, False)
            body = decoded[:max_bytes]
    except (zlib.error, brotli.error):
        return Decoded(None, False)
    return Decoded(body, cut)


def _codings(content_encoding: str) -> list[str]:
    """The codings a Content-Encoding value lists, in the order they were applied (identity left out)."""
    listed = (coding.strip() for coding in content_encoding.lower().split(","))
    return [coding for coding in listed if coding and coding != "identity"]


def _undo(coding: str, body: bytes, max_bytes: int) -> tuple[bytes, bool]:
    """`body` with one coding undone (up to about `max_bytes`), and whether its coded stream was whole."""
    if coding == _BR:
        decompressor = brotli.Decompressor()
        # Past its limit the decompressor stops growing its output and keeps the rest for later calls.
        decoded: bytes = decompressor.process(body, output_buffer_limit=max_bytes)
        return decoded, decompressor.is_finished()
    if coding == _GZIP:
        return _gunzip(body, max_bytes)
    try:
        return _inflate(zlib.decompressobj(zlib.MAX_WBITS), body, max_bytes)
    except zlib.error:
        # "deflate" means zlib's wrapper around the deflate data (RFC 9110 §8.4.1.2), but some servers
        # send the data bare: their answers were stored without a response.
        return _inflate(zlib.decompressobj(-zlib.MAX_WBITS), body, max_bytes)


def _gunzip(body: bytes, max_bytes: int) -> tuple[bytes, bool]:
    """Every member of a gzip body in turn (RFC 1952 §2.2: a gzip file is a series of members)."""
    members: list[bytes] = []
    left = max_bytes
    while True:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        decoded, whole = _inflate(decompressor, body, left)
        members.append(decoded)
        left -= len(decoded)
        body = decompressor.unused_data
        # What follows the last member may be zero bytes of padding (gzip's own reader skips them).
        if not whole or not body.startswith(_GZIP_MAGIC):
            return b"".join(members), whole
        if left <= 0:
            return b"".join(members), False  # more members past the bound


def _inflate(decompressor: zlib._Decompress, body: bytes, max_bytes: int) -> tuple[bytes, bool]:
    """`body` through `decompressor` to at most `max_bytes`, and whether its stream ended."""
    decoded = decompressor.decompress(body, max_bytes)
    if len(decoded) == max_bytes and not decompressor.eof and decompressor.unconsumed_tail:
        # Exactly at the bound: whole if all that is left of the stream is its end (no byte more).
        return decoded, not decompressor.decompress(decompressor.unconsumed_tail, 1) and decompressor.eof
    return decoded, decompressor.eof
