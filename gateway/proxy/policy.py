"""The contract for request policies: what the proxy's decide step asks before and after a call.

Fixes (knowledge-base entries, prompt instructions) and the confidence gate are policies.
A policy is consulted only for the apps and endpoints it claims (`applies_to`, answered
from memory): an app that no policy claims pays nothing, and its request bytes go upstream
exactly as received.

Before the call, a policy returns one of:

- `PASS`: forward the request as it is (so far);
- `ReplaceBody(json, note)`: forward this request body instead (a new object: the parsed
  request must never be mutated, since the interaction records what the app sent);
- `Hold(status, body, note)`: answer the client with this instead of calling the upstream.

After the upstream answered, `after` observes the answer. For an answer that is not a stream,
it may return a `Hold` to send the client something else (e.g. a pending review) in its place,
a `ReplaceAnswer` to send the client other bytes with the upstream's status and headers
(e.g. the answer without the log-probabilities a policy asked for), or a `Resend` to send the
call upstream once more with another body (e.g. without a parameter the policy added and the
upstream refused); a stream has already reached the client by then, so a stream's `after` can
only observe.

Every decision may carry a `note`, a small JSON object stored with the interaction (under
`policies`), so a person can see which fixes shaped an answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

Json = dict[str, Any]


@dataclass(slots=True)
class PolicyRequest:
    """One call as a policy sees it; `json` is the request the upstream will receive (so far)."""

    interaction_id: str
    app: str
    endpoint: str
    json: Json
    end_user: str | None
    metadata: Json | None
    headers: list[tuple[bytes, bytes]]
    # Set once a policy's `Resend` sent the call again (a call is sent again at most once).
    resent: bool = False
    # The request's bytes as the client sent them (the same object the proxy holds: nothing copied).
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class PolicyAnswer:
    """The upstream's answer as a policy sees it after the call (the whole body, even for a stream)."""

    status_code: int
    content_type: str
    body: bytes
    stream: bool
    # The upstream's content-encoding ("" for none): `body` is as it arrived, still compressed.
    content_encoding: str = ""


@dataclass(frozen=True, slots=True)
class Pass:
    """Forward the request as it is."""

    note: Json | None = None


@dataclass(frozen=True, slots=True)
class ReplaceBody:
    """Forward `json` instead of the request so far."""

    json: Json
    note: Json | None = None


@dataclass(frozen=True, slots=True)
class Hold:
    """Answer the client with `body` and `status` instead of (or in place of) the upstream's answer.

    `body` is JSON to encode, or the bytes of a JSON answer to send as they are (a held answer a
    reviewer approved goes out byte for byte).
    """

    status: int
    body: Json | bytes
    note: Json | None = None
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    # The interaction whose answer this is, when another call's (a held call repeated under its Idempotency-Key
    # is answered from the first call's task): the answer's x-feedgate-interaction-id and feedback token name it,
    # so feedback on what the repeat got labels the answer the reviewer judged, not the repeat's record.
    answer_of: str | None = None

    def encoded(self) -> bytes:
        """The body as the client gets it."""
        return self.body if isinstance(self.body, bytes) else orjson.dumps(self.body)


@dataclass(frozen=True, slots=True)
class ReplaceAnswer:
    """Send `body` (uncompressed) in place of the upstream's body of an answer that is not a stream."""

    body: bytes
    note: Json | None = None


@dataclass(frozen=True, slots=True)
class Resend:
    """Send the call upstream again with `json`, in place of an answer (not a stream) the client has not seen."""

    json: Json
    note: Json | None = None


Decision = Pass | ReplaceBody | Hold
AfterResult = Hold | ReplaceAnswer | Resend | None
PASS = Pass()


class Policy(Protocol):
    """A rule the proxy applies to some apps' calls."""

    name: str

    def applies_to(self, app: str, endpoint: str) -> bool:
        """Whether this policy wants to see `app`'s calls to `endpoint`; answered from memory."""
        ...

    async def before(self, request: PolicyRequest) -> Decision:
        """What to do with the request before it is sent."""
        ...

    async def after(self, request: PolicyRequest, answer: PolicyAnswer) -> AfterResult:
        """Observe the answer; a Hold, ReplaceAnswer or Resend replaces an answer that is not a stream."""
        ...
