"""A request body Feedgate reads must come uncompressed: the one rule for proxied calls it records and for feedback.

Feedgate reads such a body to route, fix and record a call, or to check and store feedback; it does not
undo a request's Content-Encoding (the OpenAI SDKs and browsers send none, and a body inflated past the
size limit it was checked against would be a way round that limit). A body that names a coding is
refused with 415, saying what to send.
"""

from __future__ import annotations

# The error code of the refusal, with HTTP status 415.
UNSUPPORTED_CODING = "unsupported_content_encoding"
# The values that name no coding, compared first: the one a client sends, when it sends one at all.
_NO_CODING = frozenset({b"identity", b""})


def names_a_coding(content_encoding: bytes) -> bool:
    """Whether a request's Content-Encoding value lists a coding other than identity (empty: none, RFC 9110 §8.4)."""
    if content_encoding in _NO_CODING:
        return False
    return any(coding.strip().lower() not in _NO_CODING for coding in content_encoding.split(b","))


def uncompressed_please(content_encoding: bytes, purpose: str) -> str:
    """The refusal's message: what to send, the coding that came, and what Feedgate reads the body `purpose` for."""
    coding = content_encoding.decode("latin-1").strip().lower()
    return f"Send the request body uncompressed, without Content-Encoding (got {coding!r}): Feedgate reads it to {purpose}."
