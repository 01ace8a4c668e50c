"""The interaction a log line is about, carried in a context variable through one proxied call."""

from __future__ import annotations

from contextvars import ContextVar

# Set by the proxy when it gives a call its interaction id, reset when the call is over. Tasks the
# call starts copy the context, so their log lines name the interaction too.
INTERACTION_ID: ContextVar[str | None] = ContextVar("feedgate_interaction_id", default=None)
