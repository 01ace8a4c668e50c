"""Plain words for why an upstream gave no answer, or no whole one, for the app developer who reads them.

The client libraries raise their own classes for one failure: a refused connection is aiohttp's
`ClientConnectorError` but httpx's `ConnectError` around anyio's "All connection attempts failed".
Both wrap the standard library's own error (`ConnectionRefusedError`, `socket.gaierror`,
`ssl.SSLError`...), which names the failure alike whichever client sent the request, so that error
is read first, and a client's classes only when none is there. The client's own account (its class
names included) is for the server's log, never the error body an app's SDK shows.
"""

from __future__ import annotations

import os
import re
import socket
import ssl
from dataclasses import dataclass

import aiohttp
import httpx
from yarl import URL

from gateway.proxy.read_timeouts import CLIENT_READ_TIMEOUT, READ_SETTING

__all__ = ["FailureWords", "failure_words"]

# Where the advice points: the gateway's operator may not be the developer reading the error.
_CONFIGURED_URL = "this upstream's URL in Feedgate's configuration"
_TRY_AGAIN = "Sending the request again may work"
_LONGER = "If the model needs longer, ask the gateway's operator to raise that setting"
_CLIENT_LONGER = "If the model needs longer, give the client a longer timeout"

# The client classes that mean the connection ended early, when no standard-library error is inside
# (aiohttp's own "Server disconnected", a body cut short, h11's "peer closed connection ...").
_CLOSED_EARLY = (
    aiohttp.ServerDisconnectedError,
    aiohttp.ClientConnectionResetError,
    aiohttp.ClientPayloadError,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
)
# The client classes that mean connecting failed, for when they wrap no standard-library error.
_CONNECT_FAILED = (aiohttp.ClientConnectorError, httpx.ConnectError)
# The client classes of a wait for a connection that ran out (aiohttp's covers its pool's wait too).
_CONNECT_TIMED_OUT = (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout, httpx.PoolTimeout)
# "[SSL: WRONG_VERSION_NUMBER] wrong version number (_ssl.c:1006)" -> "wrong version number".
_SSL_NOISE = re.compile(r"^\[[^\]]*\]\s*|\s*\(_ssl\.c:\d+\)$")
# Modules whose exceptions are the standard library's own, not a client library's wrapper.
_STANDARD_MODULES = frozenset({"builtins", "socket", "ssl"})
# Enough for the deepest wrapping seen (httpx -> httpcore -> anyio -> the OS error), bounded all the same.
_MAX_CHAIN = 16


@dataclass(frozen=True, slots=True)
class FailureWords:
    """What went wrong with an upstream: a lead ("could not be reached"), what happened, what to check."""

    lead: str
    what: str = ""
    advice: str = ""

    def message(self, upstream: str) -> str:
        """The error message for a call to `upstream`, e.g. "Upstream 'openai' could not be reached: ..."."""
        said = f"Upstream '{upstream}' {self.lead}" + (f": {self.what}." if self.what else ".")
        return f"{said} {self.advice}." if self.advice else said


def failure_words(
    cause: BaseException,
    *,
    timed_out: bool,
    url: str | None,
    waits: tuple[float, float] | None = None,
    read_set_by: str = READ_SETTING,
) -> FailureWords:
    """Words for `cause`; `url` is the request's when it failed before any answer, None once the answer had begun.

    `waits`: the client's connect and read timeouts, in seconds, named when one ran out; `read_set_by`: what
    set the read timeout (the setting, or the app's client when it asked for a longer wait).
    """
    read_wait = _wait_words(waits[1], read_set_by) if waits else "in time"
    longer = _CLIENT_LONGER if read_set_by == CLIENT_READ_TIMEOUT else _LONGER
    if url is None:
        # The one wording of an answer cut short, streamed or not, for the app, the record and the log.
        if timed_out:
            return FailureWords(
                "stopped sending its answer", f"nothing more of it arrived {read_wait}", longer if waits else ""
            )
        return FailureWords(
            "broke off its answer", "the connection was closed before the answer was complete", _TRY_AGAIN
        )
    host, address = _host_and_address(url)
    if timed_out and waits and any(isinstance(error, _CONNECT_TIMED_OUT) for error in _chain(cause)):
        # A host that drops packets (a firewall, a wrong address): no slow model is to blame.
        return FailureWords(
            "could not be reached",
            f"no connection to {address} opened {_wait_words(waits[0], 'FEEDGATE_UPSTREAM_CONNECT_TIMEOUT')}",
            f"Check the host and port in {_CONFIGURED_URL}, and that the gateway's machine can reach them: "
            "a firewall that drops packets looks like this",
        )
    if timed_out:
        if not waits:
            return FailureWords("did not answer in time")
        return FailureWords(f"did not answer {read_wait}", advice=longer)
    chain = _chain(cause)
    os_error = _innermost_os_error(chain)
    if isinstance(os_error, ssl.SSLError):
        return FailureWords(
            "could not be reached",
            f"the TLS handshake with {address} failed ({_ssl_reason(os_error)})",
            f"Check that {_CONFIGURED_URL} uses https only for a port that speaks TLS, "
            "and that the gateway's machine trusts the upstream's certificate",
        )
    if isinstance(os_error, socket.gaierror):
        return FailureWords(
            "could not be reached",
            f"the host name {host} did not resolve ({_os_reason(os_error)})",
            f"Check the host name in {_CONFIGURED_URL}, and the DNS of the gateway's machine",
        )
    if isinstance(os_error, ConnectionRefusedError):
        return FailureWords(
            "could not be reached",
            f"{address} refused the connection",
            f"Check the host and port in {_CONFIGURED_URL}, and that the server there is running",
        )
    if isinstance(os_error, (ConnectionResetError, BrokenPipeError, ConnectionAbortedError)) or any(
        isinstance(error, _CLOSED_EARLY) for error in chain
    ):
        return FailureWords(
            "did not answer",
            f"the connection to {address} was closed before an answer arrived",
            f"{_TRY_AGAIN}; if it keeps failing, check that the upstream is up",
        )
    if os_error is not None or any(isinstance(error, _CONNECT_FAILED) for error in chain):
        reason = f" ({_os_reason(os_error)})" if os_error is not None else ""
        return FailureWords(
            "could not be reached",
            f"the connection to {address} failed{reason}",
            f"Check {_CONFIGURED_URL}, and the network of the gateway's machine",
        )
    return FailureWords(
        "gave no usable answer",
        f"the request to {address} failed",
        f"Check that {_CONFIGURED_URL} points at an OpenAI-compatible HTTP API",
    )


def _wait_words(seconds: float, setting: str) -> str:
    """ "within 600 s (FEEDGATE_UPSTREAM_READ_TIMEOUT)": how long was waited, and the setting that says so."""
    return f"within {seconds:g} s ({setting})"


def _host_and_address(url: str) -> tuple[str, str]:
    """The URL's host, and its host:port as a connection goes to it (the scheme's port when none is given)."""
    parsed = URL(url, encoded=True)
    host = parsed.host or "?"
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address
    return host, f"{shown}:{parsed.port}" if parsed.port is not None else shown


def _chain(cause: BaseException) -> list[BaseException]:
    """`cause` and the exceptions it wraps, outermost first."""
    chain: list[BaseException] = []
    current: BaseException | None = cause
    while current is not None and len(chain) < _MAX_CHAIN and all(current is not seen for seen in chain):
        chain.append(current)
        if isinstance(current, BaseExceptionGroup) and current.exceptions:
            # anyio's group when every address of a host failed: the first says what the others do.
            current = current.exceptions[0]
        else:
            # The context too, even when suppressed: httpcore's pool re-raises its errors `from None`.
            current = current.__cause__ or current.__context__
    return chain


def _innermost_os_error(chain: list[BaseException]) -> OSError | None:
    """The standard library's own OSError deepest in `chain` (not a client library's subclass of it)."""
    for error in reversed(chain):
        if isinstance(error, OSError) and type(error).__module__ in _STANDARD_MODULES:
            return error
    return None


def _os_reason(error: OSError) -> str:
    """The operating system's words for `error`: "Network is unreachable", "Name or service not known"."""
    if isinstance(error, socket.gaierror) and isinstance(error.strerror, str):
        return error.strerror
    if isinstance(error.errno, int) and error.errno > 0:
        return os.strerror(error.errno)
    return str(error) or "no reason given"


def _ssl_reason(error: ssl.SSLError) -> str:
    """The TLS library's words, without its bracketed code and source line."""
    message = error.verify_message if isinstance(error, ssl.SSLCertVerificationError) else None
    if message:
        return f"certificate verify failed: {message}"
    return _SSL_NOISE.sub("", str(error.strerror or error)) or "no reason given"
