"""What the proxy captures of one call: raw material, turned into a record off the hot path."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

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

    __slots__ = ("body_chunks", "content_encoding", "content_type", "error", "partial", "status_code", "ttfb_ms")

    def __init__(self) -> None:
        self.status_code: int | None = None
        self.content_type = ""
        self.content_encoding = ""
        self.body_chunks: list[bytes] = []
        self.error: str | None = None
        # The answer was cut short: the client left or the upstream broke off mid-stream.
        self.partial = False
        self.ttfb_ms: float | None = None

    def fail(self, status: int, message: str) -> None:
        """The call ended in an error the gateway answered itself."""
        self.status_code = status
        self.error = message


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
