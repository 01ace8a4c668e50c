"""How long the gateway waits for an upstream's answer: its own read timeout, or longer when the client waits longer.

The OpenAI SDKs send their read timeout, in seconds, on every request (`x-stainless-read-timeout`;
600.0 by default, as the gateway's own). A client set to wait longer (a slow reasoning model) is waited
for as long, up to FEEDGATE_UPSTREAM_MAX_READ_TIMEOUT; one set to wait less never shortens the gateway's
wait, whose 504 then names the wait that ran out and what set it.
"""

from __future__ import annotations

from dataclasses import dataclass

CLIENT_READ_TIMEOUT_HEADER = b"x-stainless-read-timeout"
READ_SETTING = "FEEDGATE_UPSTREAM_READ_TIMEOUT"
# How a wait the client's header set is named in an error, and one the ceiling cut to its length.
CLIENT_READ_TIMEOUT = "the client's x-stainless-read-timeout"
MAX_READ_SETTING = "FEEDGATE_UPSTREAM_MAX_READ_TIMEOUT, the longest wait a client's x-stainless-read-timeout gets"


@dataclass(frozen=True, slots=True)
class LongerRead:
    """A read timeout longer than the gateway's own for one call: its seconds, and what set it (named in its error)."""

    seconds: float
    set_by: str


class ReadTimeouts:
    """The gateway's own read timeout and the longest a client's may make it (`longer` answers per call)."""

    __slots__ = ("_ceiling", "_not_longer", "_own", "on")

    def __init__(self, own: float, ceiling: float) -> None:
        self._own = own
        self._ceiling = ceiling
        # A ceiling at or below the gateway's own wait honours no client's: `longer` is not even asked.
        self.on = ceiling > own
        # The last header value that asked for no longer wait: an app's SDK sends the same one on every call
        # ("600.0"), which is then told apart by one comparison of bytes instead of read as a number again.
        self._not_longer = b""

    def longer(self, header: bytes) -> LongerRead | None:
        """The wait a client's x-stainless-read-timeout asks for, when it is longer than the gateway's own; else None."""
        if header == self._not_longer:
            return None
        try:
            seconds = float(header)
        except ValueError:
            seconds = 0.0
        if not seconds > self._own:  # shorter, equal (the SDKs' default), unreadable or not a number at all (nan)
            self._not_longer = header
            return None
        if seconds >= self._ceiling:
            return LongerRead(self._ceiling, MAX_READ_SETTING)
        return LongerRead(seconds, CLIENT_READ_TIMEOUT)
