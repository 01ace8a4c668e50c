"""Feedback tokens: HMAC-signed, expiring permission to give feedback on one interaction.

Every proxied answer carries one, so an app can hand it to the end user's browser,
which then posts feedback without ever seeing the app's API key.
Format: ``v1.<interaction id>.<expiry, unix seconds>.<base64url HMAC-SHA256>``.
"""

from __future__ import annotations

import base64
import hmac
import time
from collections.abc import Callable

VERSION = "v1"


class InvalidToken(Exception):
    """A token that is malformed, forged, expired or meant for another interaction; the message says which."""


class FeedbackTokens:
    """Signs and verifies feedback tokens with one secret."""

    def __init__(self, secret: str, ttl_seconds: int, clock: Callable[[], float] = time.time) -> None:
        self._key = secret.encode()
        self._ttl = ttl_seconds
        self._clock = clock

    def _signature(self, payload: str) -> str:
        # hmac.digest is the one-shot C path: this runs on every proxied answer.
        digest = hmac.digest(self._key, payload.encode(), "sha256")
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def sign(self, interaction_id: str) -> str:
        """A token for `interaction_id`, valid for the configured time from now."""
        payload = f"{VERSION}.{interaction_id}.{int(self._clock()) + self._ttl}"
        return f"{payload}.{self._signature(payload)}"

    def verify(self, token: str) -> str:
        """The interaction id a genuine, unexpired token is for; raises InvalidToken otherwise."""
        parts = token.split(".")
        well_formed = len(parts) == 4 and parts[0] == VERSION and parts[1] != ""
        if not well_formed or not (parts[2].isascii() and parts[2].isdigit()):
            raise InvalidToken("the feedback token is malformed")
        payload = ".".join(parts[:3])
        if not hmac.compare_digest(parts[3].encode(), self._signature(payload).encode()):
            raise InvalidToken("the feedback token's signature is not valid")
        if int(parts[2]) <= self._clock():
            raise InvalidToken("the feedback token has expired")
        return parts[1]

    def response_headers(self, interaction_id: str) -> list[tuple[bytes, bytes]]:
        """The header that hands a token to the app with every proxied answer."""
        return [(b"x-feedgate-feedback-token", self.sign(interaction_id).encode())]
