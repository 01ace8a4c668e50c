"""Who is calling: the app behind a request's credential, and what the upstream should receive."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gateway.config_entries import Upstream
from gateway.domain.blank_text import says_nothing
from gateway.proxy.headers import header_text
from gateway.store.availability import database_unavailable
from gateway.store.keys import KEY_PREFIX
from gateway.url_text import shown_url

if TYPE_CHECKING:
    from gateway.store.keys import LiveKey

ANONYMOUS_APP = "anonymous"
# Gateway-key mode's refusal of a call with no key, and of one whose key is blank characters alone (`blank_bearer`).
NO_KEY_GIVEN = "no API key given as 'Authorization: Bearer <key>'"
# Gateway-key mode's refusal of a key it did not issue, or has revoked.
UNKNOWN_KEY = "unknown or revoked gateway key"
log = logging.getLogger("feedgate.proxy")


class UnknownKey(Exception):
    """A gateway-mode request whose key the gateway did not issue (or has revoked)."""


class GatewayKeyInPassThrough(UnknownKey):
    """A pass-through-mode request carrying a key Feedgate issued (`fgk-…`): it is no upstream key, and not sent on."""

    def __init__(self) -> None:
        super().__init__(
            f"this is a Feedgate gateway key ({KEY_PREFIX}…), but the gateway runs in pass-through key mode, where an "
            "app sends the upstream provider's own key; the gateway's operator sets FEEDGATE_KEY_MODE=gateway (key_mode "
            "in the config file) for gateway keys to be taken. Nothing was sent upstream"
        )


class KeyLookupUnavailable(Exception):
    """A gateway key this process has not looked up before could not be: the database is away."""


@dataclass(frozen=True, slots=True)
class Caller:
    """The app making a request."""

    app: str
    # Gateway-key mode: the routed upstream's own key replaces the client's.
    replaces_authorization: bool = False
    # Gateway-key mode: the issued key's id, recorded with the call (the key's last use: gateway.store.key_use).
    gateway_key_id: str | None = None


# Who a browser's CORS preflight is, in either key mode: nobody's app, and no key sent upstream for it.
PREFLIGHT_CALLER = Caller(ANONYMOUS_APP)
# The headers that make an OPTIONS request a CORS preflight (Fetch standard, "CORS-preflight request").
_PREFLIGHT_HEADERS = frozenset({b"origin", b"access-control-request-method"})
# What a preflight never carries: credentials, a body.
_NOT_IN_A_PREFLIGHT = frozenset({b"authorization", b"transfer-encoding"})


def is_cors_preflight(method: str, headers: Sequence[tuple[bytes, bytes]]) -> bool:
    """Whether a request is a browser's CORS preflight: OPTIONS naming its Origin and the method to come, no key, no body."""
    if method != "OPTIONS":
        return False
    named = set()
    for name, value in headers:
        if name in _NOT_IN_A_PREFLIGHT or (name == b"content-length" and value.strip() != b"0"):
            return False
        if name in _PREFLIGHT_HEADERS:
            named.add(name)
    return len(named) == len(_PREFLIGHT_HEADERS)


def bearer_token(authorization: str | bytes | None) -> str | None:
    """The token of a `Bearer` Authorization value, if there is one."""
    if authorization is None:
        return None
    if isinstance(authorization, bytes):
        authorization = authorization.decode("latin-1")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def blank_bearer(authorization: str | bytes | None) -> bool:
    """Whether `authorization` is a Bearer whose token says nothing by the one blank rule (gateway.domain.blank_text).

    `bearer_token` strips ASCII's blanks alone, and reads the bytes as Latin-1: a token of zero-width spaces sent as
    UTF-8 (curl's way) read as a key. Here the value is read as sent (UTF-8 if it is that, `header_text`). Asked by the
    endpoints off the proxy's forward path (`given_bearer`), and by the proxy where it refuses a bearer or on a
    pass-through key's cache miss, never of a known key's every proxied call: an ASCII value answers at once (any blank
    of ASCII's `bearer_token` has stripped already).
    """
    if authorization is None or authorization.isascii():
        return False
    if isinstance(authorization, bytes):
        return _bearer_says_nothing(header_text(authorization))
    try:
        sent = authorization.encode("latin-1")  # the header's bytes, as the framework read them
    except UnicodeEncodeError:
        return _bearer_says_nothing(authorization)  # text already, not a header's bytes read as Latin-1
    return _bearer_says_nothing(header_text(sent))


def given_bearer(authorization: str | bytes | None) -> str | None:
    """The token of a `Bearer` Authorization value; None when there is none or it says nothing (`blank_bearer`).

    What every endpoint that takes a bearer credential reads (feedback posts, held-answer polls, the admin API, the
    metrics scrape), so a bearer of zero-width spaces is no credential alike everywhere: "none sent", never "wrong".
    """
    return None if blank_bearer(authorization) else bearer_token(authorization)


def _bearer_says_nothing(text: str) -> bool:
    """Whether `text` is "Bearer", a space, and blank characters only (as `bearer_token` splits it)."""
    scheme, _, token = text.partition(" ")
    return scheme.lower() == "bearer" and says_nothing(token)


class CallerResolver:
    """Maps a request's bearer token to its app, caching so the hot path stays in memory.

    Pass-through mode: the app is a salted fingerprint of the client's upstream key,
    so the raw key is never stored (a bearer of blank characters only is no key: the anonymous app; a gateway key is
    refused, GatewayKeyInPassThrough, never forwarded). Gateway mode: the app the issued key belongs to;
    unknown keys are refused.
    """

    def __init__(
        self,
        *,
        mode: str,
        salt: str,
        lookup_gateway_key: Callable[[str], Awaitable[LiveKey | None]],
        cache_seconds: float = 5.0,
    ) -> None:
        self._gateway_mode = mode == "gateway"
        self._salt = salt.encode()
        self._lookup = lookup_gateway_key
        self._cache_seconds = cache_seconds
        self._cache: dict[str, tuple[Caller, float]] = {}
        # Gateway mode: keys it did not issue, refused from memory until then (a client retrying with a wrong or revoked
        # key was one database lookup a call). Apart from `_cache`, so a known key's call tells nothing apart.
        self._refused: dict[str, float] = {}

    def fingerprint(self, token: str) -> str:
        """The app name of a pass-through key: a salted, non-reversible fingerprint."""
        digest = hmac.new(self._salt, token.encode(), hashlib.sha256).hexdigest()
        return f"key-{digest[:16]}"

    def pass_through_api_key(self, headers: Sequence[tuple[bytes, bytes]]) -> bytes | None:
        """An `api-key` header (Azure OpenAI's clients send their key so) as a Bearer value, in pass-through mode only.

        It names the app as the same key sent as a Bearer token would; without it every such app was
        one "anonymous" app. Gateway mode takes its keys as Bearer tokens alone (None here).
        """
        if self._gateway_mode:
            return None
        for name, value in headers:
            if name == b"api-key" and value.strip():
                return b"Bearer " + value.strip()
        return None

    async def resolve(self, authorization: str | bytes | None) -> Caller:
        """The caller behind an Authorization header value; raises UnknownKey in gateway mode."""
        token = bearer_token(authorization)
        if token is None:
            if self._gateway_mode:
                # An `api-key` header, a bare key or another scheme reads here as no key at all: say how to send it.
                raise UnknownKey(NO_KEY_GIVEN)
            return Caller(ANONYMOUS_APP)
        cached = self._cache.get(token)
        now = time.monotonic()
        if cached is not None and cached[1] > now:
            return cached[0]
        if self._gateway_mode:
            if self._refused.get(token, 0.0) > now:
                raise UnknownKey(UNKNOWN_KEY)
            try:
                key = await self._lookup(token)
            except Exception as exc:
                if not database_unavailable(exc):
                    raise
                if cached is None and blank_bearer(authorization):
                    raise UnknownKey(NO_KEY_GIVEN) from None  # no key to look up: as with no header, not a 503
                return self._known_during_outage(token, cached, now, exc)
            if key is None:
                # Asked on a refusal alone, so an issued key's calls pay nothing for it: a blank one is no key.
                if blank_bearer(authorization):
                    raise UnknownKey(NO_KEY_GIVEN)
                # An issued key's secret is drawn at random when it is made: no one sends it before, so keeping its
                # refusal refuses no key wrongly; a revoked key's stays refused, as its lookup stayed taken, this long.
                if len(self._refused) >= 100_000:
                    self._refused.clear()
                self._refused[token] = now + self._cache_seconds
                raise UnknownKey(UNKNOWN_KEY)
            caller = Caller(key.app, replaces_authorization=True, gateway_key_id=key.id)
        elif token.startswith(KEY_PREFIX):
            # A Feedgate secret the upstream must never see (OpenAI would only answer 401). Not cached: a dict miss and
            # this test each time cost less than telling a cached refusal apart on every known key's call.
            raise GatewayKeyInPassThrough
        elif blank_bearer(authorization):
            # Forwarded untouched all the same; but it is no key, and a client's bug (an unset variable's zero-width
            # spaces) is not an app: recorded as a call with no key. Asked once per key cache's time, as lookups are.
            caller = Caller(ANONYMOUS_APP)
        else:
            caller = Caller(self.fingerprint(token))
        if len(self._cache) >= 100_000:
            self._cache.clear()
        # Cached briefly (`key_cache_seconds`), so a revoked gateway key stops working within seconds.
        self._cache[token] = (caller, now + self._cache_seconds)
        return caller

    def _known_during_outage(
        self, token: str, cached: tuple[Caller, float] | None, now: float, exc: BaseException
    ) -> Caller:
        """The caller last looked up for `token` while the database is away; KeyLookupUnavailable if there is none."""
        if cached is None:
            raise KeyLookupUnavailable(
                "the gateway could not check this key: its database is unreachable for the moment. "
                "Nothing was sent upstream: try again in a few seconds"
            ) from exc
        # The proxy forwards with what it last knew (a revocation made meanwhile waits for the database);
        # kept another while, so each call does not wait on a database that is away.
        log.warning("database unreachable looking up a gateway key of app %r: using its last lookup", cached[0].app)
        self._cache[token] = (cached[0], now + self._cache_seconds)
        return cached[0]


def upstream_authorization(upstream: Upstream, environ: Mapping[str, str]) -> bytes | None:
    """The Authorization value for an upstream in gateway-key mode (None when it has no key)."""
    key = upstream.api_key(environ)
    return f"Bearer {key}".encode() if key else None


def unset_upstream_keys(upstreams: Sequence[Upstream], environ: Mapping[str, str]) -> list[str]:
    """For gateway-key mode: one warning per upstream whose API key variable is named but not set."""
    # Such an upstream gets calls without an Authorization header; OpenAI then answers 401 "You didn't
    # provide an API key" to an app that did send its (gateway) key, and nothing said why.
    return [
        f"gateway key mode: upstream {upstream.name!r} ({shown_url(upstream.url)}) has no API key: "
        f"{upstream.api_key_env} is not set, so calls routed to it go out without an Authorization header"
        for upstream in upstreams
        if upstream.api_key_env and not upstream.api_key(environ)
    ]
