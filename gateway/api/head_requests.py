"""HEAD on the API, the admin pages and the health routes: answered as GET would be, without the body.

HTTP requires a server to take HEAD wherever it takes GET (RFC 9110, 9.3.2), and uptime monitors and
load balancers often probe with it; the framework's routes take only the methods they name, so
`curl -I /healthz` was a 405. The proxy's own paths are not handled here: there the upstream
answers HEAD as it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from litestar.types import Message, Scope, Send

# Set on the scope of a HEAD answered as GET, for a GET whose answer has an effect a HEAD must not
# have: a held answer's poll marks it collected (with redaction on, its exact text then goes).
WAS_HEAD = "feedgate.was_head"


def is_head(scope: Scope) -> bool:
    """Whether the request is a HEAD."""
    return scope.get("method") == "HEAD"


def as_get(scope: Scope, send: Send) -> tuple[Scope, Send]:
    """The scope as a GET, and a `send` that passes the answer's status and headers on but none of its body."""

    async def without_body(message: Message) -> None:
        if message["type"] == "http.response.body":
            message = {**message, "body": b""}
        await send(message)

    return {**scope, "method": "GET", WAS_HEAD: True}, without_body  # type: ignore[return-value]


def was_head(scope: Scope) -> bool:
    """Whether the request, answered as a GET, came as a HEAD: its answer's body is never sent."""
    return bool(cast(Mapping[str, Any], scope).get(WAS_HEAD))
