"""What the proxy captures of one call: raw material, turned into a record off the hot path."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gateway.recording.content_coding import MAX_DECODED_BYTES

# The most of an answer kept for the record, as it came (still compressed, or not yet decoded): the
# decoding bound, since more could not be decoded anyway. Past it the client still gets every byte;
# the record keeps the first MAX_RECORDED_BYTES and is marked partial (gateway.recording.record).
MAX_RECORDED_BYTES = MAX_DECODED_BYTES
# Paths whose calls become interactions, and the endpoint name each is stored under.
RECORDED_ENDPOINTS: dict[str, str] = {
    "/v1/chat/completions": "chat.completions",
    "/v1/completions": "completions",
    "/v1/responses": "responses",
    "/v1/embeddings": "embeddings",
}


class Answer:
    """What came back for one call, filled in by the proxy as the answer passes through.

    A plain slotted class rather than a dataclass: one is made per call on the hot path.
    """

    __slots__ = (
        "body_bytes",
        "body_chunks",
        "content_encoding",
        "content_type",
        "error",
        "partial",
        "status_code",
        "tail",
        "ttfb_ms",
    )

    # The most of the answer kept in `body_chunks` (a class attribute: tests lower it).
    max_kept_bytes = MAX_RECORDED_BYTES

    def __init__(self) -> None:
        self.status_code: int | None = None
        self.content_type = ""
        self.content_encoding = ""
        # The answer's bytes as they came, up to `max_kept_bytes`; `body_bytes` counts all it had.
        self.body_chunks: list[bytes] = []
        self.body_bytes = 0
        # Once past the bound: the last two chunks sent (`last_sent`), which `body_chunks` no longer ends with.
        self.tail: list[bytes] = []
        self.error: str | None = None
        # The answer was cut short: the client left or the upstream broke off mid-stream.
        self.partial = False
        self.ttfb_ms: float | None = None

    def fail(self, status: int, message: str) -> None:
        """The call ended in an error the gateway answered itself."""
        self.status_code = status
        self.error = message

    def keep_past_bound(self, chunk: bytes) -> None:
        """Note `chunk`, counted already in `body_bytes` past `max_kept_bytes`: only what fits of it is kept."""
        before = self.body_bytes - len(chunk)
        if before < self.max_kept_bytes:
            # The chunk the bound falls in: the last chunk kept whole starts the tail.
            self.tail = self.body_chunks[-1:]
            self.body_chunks.append(chunk[: self.max_kept_bytes - before])
        self.tail = [*self.tail[-1:], chunk]

    def last_sent(self) -> bytes:
        """The last two chunks the client got (an event's end may be split between them); a blank line if none."""
        if self.tail:
            return b"".join(self.tail)
        return b"".join(self.body_chunks[-2:]) if self.body_chunks else b"\n\n"

    def forget_answer(self) -> None:
        """Drop the answer received so far: the call goes upstream again (a policy's `Resend`)."""
        self.body_chunks = []
        self.body_bytes = 0
        self.tail = []
        self.ttfb_ms = None
        self.content_encoding = ""


@dataclass(slots=True)
class Exchange:
    """One proxied call as the proxy saw it.

    The proxy builds this once, when the call is over, and hands it to the writer;
    parsing the answer, reassembling streams and shaping the row happen later,
    outside the request.
    """

    id: str
    created_at: datetime
    app: str
    endpoint: str
    upstream: str
    request: dict[str, Any] | None
    end_user: str | None = None
    metadata: dict[str, Any] | None = None
    status_code: int | None = None
    content_type: str = ""
    content_encoding: str = ""
    body_chunks: list[bytes] = field(default_factory=list)
    error: str | None = None
    # The answer was cut short: the client left or the upstream broke off mid-stream.
    partial: bool = False
    latency_ms: float | None = None
    ttfb_ms: float | None = None
    # What request policies did to this call (see gateway.proxy.policy), in order.
    policies: list[dict[str, Any]] | None = None
    # The bytes `request` and `metadata` were parsed from, on the hot path by orjson, which turns an
    # integer beyond 64 bits into a float: the writer reads them again exactly when they may hold one.
    request_body: bytes | None = None
    metadata_header: bytes | None = None
    # The gateway key the call came with (gateway-key mode), so the writer can note the key's last use.
    gateway_key_id: str | None = None
    # How many bytes the answer had; more than `body_chunks` hold when they were cut at MAX_RECORDED_BYTES.
    answer_bytes: int = 0
    # Set for a later look at a Responses call (GET /v1/responses/{id}, its cancel): the response id whose
    # recorded create this answer may finish (gateway.recording.later_answers). Such an exchange is no call of its own.
    answer_of: str | None = None
