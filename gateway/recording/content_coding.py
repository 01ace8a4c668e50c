"""Undoing an answer's HTTP content codings (gzip, deflate, br, stacked) to read what it says.

Only readers use it (the recorder in the writer, the confidence gate): the bytes the proxy relays
to the client are never decoded.
"""

from __future__ import annotations

import zlib

import brotli

# The codings Feedgate can undo. x-gzip is gzip (RFC 9110 §8.4.1.3); identity is no coding at all.
_GZIP, _DEFLATE, _BR = "gzip", "deflate", "br"
_ALIASES = {"x-gzip": _GZIP}
_READABLE = frozenset({_GZIP, _DEFLATE, _BR})


class UnreadableCoding(Exception):
    """The answer came in a content coding Feedgate cannot undo (zstd, compress…); `content_encoding` as given."""

    def __init__(self, content_encoding: str) -> None:
        super().__init__(content_encoding)
        self.content_encoding = content_encoding


def decoded_content(body: bytes, content_encoding: str, *, keep_cut_off: bool = False) -> bytes | None:
    """`body` with every coding `content_encoding` names undone, the last applied first.

    None when the body is corrupt, or cut short and `keep_cut_off` is false (a whole answer cut short
    is not the answer; a stream's events that had arrived are, as servers flush each one).
    Raises UnreadableCoding, before any work, for a coding Feedgate cannot undo.
    """
    codings = [_ALIASES.get(coding, coding) for coding in _codings(content_encoding)]
    unreadable = [coding for coding in codings if coding not in _READABLE]
    if unreadable:
        raise UnreadableCoding(content_encoding.strip().lower())
    try:
        for coding in reversed(codings):
            decoded, whole = _undo(coding, body)
            if not whole and not keep_cut_off:
                return None
            body = decoded
    except (zlib.error, brotli.error):
        return None
    return body


def _codings(content_encoding: str) -> list[str]:
    """The codings a Content-Encoding value lists, in the order they were applied (identity left out)."""
    listed = (coding.strip() for coding in content_encoding.lower().split(","))
    return [coding for coding in listed if coding and coding != "identity"]


def _undo(coding: str, body: bytes) -> tuple[bytes, bool]:
    """`body` with one coding undone, and whether its coded stream was whole."""
    if coding == _BR:
        decompressor = brotli.Decompressor()
        decoded: bytes = decompressor.process(body)
        return decoded, decompressor.is_finished()
    if coding == _GZIP:
        return _inflate(body, 16 + zlib.MAX_WBITS)
    try:
        return _inflate(body, zlib.MAX_WBITS)
    except zlib.error:
        # "deflate" means zlib's wrapper around the deflate data (RFC 9110 §8.4.1.2), but some servers
        # send the data bare: their answers were stored without a response.
        return _inflate(body, -zlib.MAX_WBITS)


def _inflate(body: bytes, window_bits: int) -> tuple[bytes, bool]:
    decompressor = zlib.decompressobj(window_bits)
    return decompressor.decompress(body), decompressor.eof
