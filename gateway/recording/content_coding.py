"""Undoing an answer's HTTP content codings (gzip, deflate, br, zstd, stacked) to read what it says.

Only readers use it (the recorder in the writer, the confidence gate, and the proxy telling whether an
answer's first bytes read as events, on a copy: gateway.proxy.stream_start): the bytes the proxy relays
to the client are never decoded. Decoding stops at MAX_DECODED_BYTES, so a small answer that
inflates to gigabytes (a compression bomb from a misbehaving upstream) never sits whole in memory.
"""

from __future__ import annotations

import zlib
from typing import NamedTuple

import brotli
import zstandard

# The codings Feedgate can undo. x-gzip is gzip (RFC 9110 §8.4.1.3); identity is no coding at all.
_GZIP, _DEFLATE, _BR, _ZSTD = "gzip", "deflate", "br", "zstd"
_ALIASES = {"x-gzip": _GZIP}
_READABLE = frozenset({_GZIP, _DEFLATE, _BR, _ZSTD})
# What a corrupt coded answer raises.
_CORRUPT: tuple[type[Exception], ...] = (zlib.error, brotli.error, zstandard.ZstdError)

# The most an answer is decoded to (docs/recording.md, "What is recorded"). Far above any real answer (a chat
# answer of 100k tokens with top-20 log-probabilities, 2,048 embeddings in float JSON), far below a bomb.
MAX_DECODED_BYTES = 128 * 1024 * 1024
_GZIP_MAGIC = b"\x1f\x8b"


class UnreadableCoding(Exception):
    """The answer came in a content coding Feedgate cannot undo (compress, an unknown name…), `content_encoding` as given."""

    def __init__(self, content_encoding: str) -> None:
        super().__init__(content_encoding)
        self.content_encoding = content_encoding


class Decoded(NamedTuple):
    """An answer's decoded bytes (None: corrupt, or cut short), whether decoding stopped at the bound, and
    whether its coded bytes ended before their coding did (`short`: only when `keep_cut_off` kept them)."""

    body: bytes | None
    cut: bool
    short: bool = False


def decoded_content(
    body: bytes, content_encoding: str, *, keep_cut_off: bool = False, max_bytes: int = MAX_DECODED_BYTES
) -> Decoded:
    """`body` with every coding `content_encoding` names undone, the last applied first, to at most `max_bytes`.

    Its body is None when the coded bytes are corrupt, or cut short and `keep_cut_off` is false (a whole
    answer cut short is not the answer; a stream's events that had arrived are, as servers flush each
    one); kept, `short` says so, and without `keep_cut_off` the body would have been None (a reader that
    learns only from the bytes whether they are a stream decodes once). Past `max_bytes` it holds the
    first `max_bytes` and `cut` is true.
    Raises UnreadableCoding, before any work, for a coding Feedgate cannot undo.
    """
    codings = [_ALIASES.get(coding, coding) for coding in _codings(content_encoding)]
    unreadable = [coding for coding in codings if coding not in _READABLE]
    if unreadable:
        raise UnreadableCoding(content_encoding.strip().lower())
    cut = short = False
    try:
        for coding in reversed(codings):
            decoded, whole = _undo(coding, body, max_bytes)
            if len(decoded) >= max_bytes and not whole:
                cut = True  # stopped here: the codings under this one are read as far as it got
            elif not whole and not cut:
                if not keep_cut_off:
                    return Decoded(None, False)
                short = True
            body = decoded[:max_bytes]
    except _CORRUPT:
        return Decoded(None, False)
    return Decoded(body, cut, short)


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
    if coding == _ZSTD:
        return _unzstd(body, max_bytes)
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


_ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
# The coded bytes fed to zstd at a time: a zstd frame can inflate about 32,000-fold (a run of one byte),
# and its decompressor has no output bound, so decoding passes MAX_DECODED_BYTES by 32 MiB at most.
_ZSTD_SLICE = 1024


def _unzstd(body: bytes, max_bytes: int) -> tuple[bytes, bool]:
    """Every frame of a zstd body in turn (RFC 8878 §3: a body may hold several), up to about `max_bytes`."""
    frames: list[bytes] = []
    size = 0
    while True:
        decompressor = zstandard.ZstdDecompressor().decompressobj()
        at = 0
        while at < len(body) and not decompressor.eof:
            piece = decompressor.decompress(body[at : at + _ZSTD_SLICE])
            at += _ZSTD_SLICE
            frames.append(piece)
            size += len(piece)
            if size >= max_bytes:
                # Past the bound it is cut; exactly at it, whole if nothing more of it follows.
                ended = decompressor.eof and at >= len(body) and not decompressor.unused_data
                return b"".join(frames), size == max_bytes and ended
        if not decompressor.eof:
            return b"".join(frames), False
        body = decompressor.unused_data + body[at:]
        # What follows the last frame may be padding, as after gzip's last member.
        if not body.startswith(_ZSTD_MAGIC):
            return b"".join(frames), True
