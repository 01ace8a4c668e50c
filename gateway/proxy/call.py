"""One recorded call as the proxy's stages see it: its context, gathered on the way, and its answer."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import uuid_utils

from gateway.proxy.policy import Policy, PolicyRequest
from gateway.proxy.relay import Headers
from gateway.recording.exchange import Answer, Exchange


class ProxyCall(Answer):
    """One recorded call: its context, gathered through the stages, and its answer (the Answer part)."""

    __slots__ = (
        "app",
        "created_at",
        "end_user",
        "endpoint",
        "forwarded_at",
        "gateway_key_id",
        "id",
        "id_headers",
        "identity",
        "metadata",
        "metadata_header",
        "notes",
        "policies",
        "policy_request",
        "request",
        "request_body",
        "started",
        "streaming",
        "upstream",
        "upstream_done_at",
    )

    # The feedback token headers of an interaction for this call's end user (set only when tokens are given;
    # read with getattr): a held call's repeat names the first call's interaction with them (`identity_of`).
    identity: Callable[[str, str | None], Headers]
    # True once the answer's head went out for a stream relayed as it arrives; never set on any other call
    # (read it with getattr(call, "streaming", False)), so a call answered whole spends nothing on it.
    streaming: bool

    def __init__(
        self,
        started: float,
        app: str,
        endpoint: str,
        end_user: str | None,
        upstream: str,
        gateway_key_id: str | None = None,
    ) -> None:
        super().__init__()
        self.id = str(uuid_utils.uuid7())
        self.created_at = datetime.now(UTC)
        self.started = started
        self.app = app
        self.gateway_key_id = gateway_key_id
        self.endpoint = endpoint
        self.end_user = end_user
        # The default upstream until the request's model is known (a refused call never gets further).
        self.upstream = upstream
        self.request: dict[str, Any] | None = None
        self.metadata: dict[str, Any] | None = None
        # The bytes of both, kept (not copied) for the writer to read exactly; see Exchange.
        self.request_body: bytes | None = None
        self.metadata_header: bytes | None = None
        # What the policies did; the policies that claimed the call and the request as they saw it
        # (none of these for most apps).
        self.notes: list[dict[str, Any]] = []
        self.policies: Sequence[Policy] = ()
        self.policy_request: PolicyRequest | None = None
        self.id_headers: Headers = [(b"x-feedgate-interaction-id", self.id.encode())]
        # perf_counter() when the request went upstream and when its answer was complete (0: not yet).
        self.forwarded_at = 0.0
        self.upstream_done_at = 0.0

    def identity_of(self, interaction_id: str) -> Headers:
        """The identity headers naming `interaction_id` in place of this call's: its id and, when tokens are given, its
        feedback token for this call's end user."""
        identity = getattr(self, "identity", None)
        tokens = identity(interaction_id, self.end_user) if identity is not None else []
        return [(b"x-feedgate-interaction-id", interaction_id.encode()), *tokens]

    def gateway_seconds(self, total: float) -> float:
        """Of the call's `total` seconds, those the gateway spent: before going upstream, after the answer was in."""
        if not self.forwarded_at:
            return total  # refused or answered by a policy: all of it was the gateway's
        before = self.forwarded_at - self.started
        if not self.upstream_done_at:
            return before  # the upstream failed: the wait for it is not the gateway's
        return before + max(0.0, self.started + total - self.upstream_done_at)

    def exchange(self) -> Exchange:
        """The record of the call, once it is over: the one place an Exchange is built."""
        # Positional: this runs once per call, and keyword passing costs more.
        return Exchange(
            self.id,
            self.created_at,
            self.app,
            self.endpoint,
            self.upstream,
            self.request,
            self.end_user,
            self.metadata,
            self.status_code,
            self.content_type,
            self.content_encoding,
            self.body_chunks,
            self.error,
            self.partial,
            (time.perf_counter() - self.started) * 1000,
            self.ttfb_ms,
            self.notes or None,
            self.request_body,
            self.metadata_header,
            self.gateway_key_id,
            self.body_bytes,
        )
