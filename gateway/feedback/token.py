"""Feedback tokens: HMAC-signed, expiring permission to give feedback on one interaction.

Every proxied answer carries one, so an app can hand it to the end user's browser,
which then posts feedback without ever seeing the app's API key.

Two formats, both signed over everything before the signature:

- ``v1.<interaction id>.<expiry, unix seconds>.<base64url HMAC-SHA256>``: no end user was named
  when the answer was given (and every token minted before user binding existed);
- ``v2.<interaction id>.<expiry>.<base64url end user id>.<base64url HMAC-SHA256>``: the app named
  the end user on the call (``x-feedgate-user``), and the token speaks only for that user.

The bound user is inside the signed payload, so verifying needs no database read.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from gateway.domain.blank_text import says_nothing
from gateway.domain.spans import span_words
from gateway.recording.identifiers import end_user_id

ANONYMOUS = "v1"
USER_BOUND = "v2"
# The header values a proxied answer carries are bounded; so are the user ids a token binds.
MAX_BOUND_USER_CHARS = 200

# Each refusal says what to do: the widget shows it, and a developer reads it in the network panel.
# A malformed token's own text is never repeated: a value that is no token may be a secret sent by mistake.
SEND_AS_IT_CAME = "send the value of the answer's x-feedgate-feedback-token header as it came"
# A changed secret (or replicas given different ones) is the usual cause, far more often than a forgery.
BAD_SIGNATURE = (
    "the feedback token's signature is not valid: send it exactly as the answer's x-feedgate-feedback-token "
    "header gave it; a token signed by a gateway with another FEEDGATE_FEEDBACK_SECRET is refused too"
)
# What a page's template writes for a variable it was never given: a front-end slip, named as such.
_UNSET_VARIABLE = ("undefined", "null", "None")
_PARTS = {ANONYMOUS: 4, USER_BOUND: 5}


class InvalidToken(Exception):
    """A token that is malformed, forged or meant for another interaction (or expired); the message says which."""


class ExpiredToken(InvalidToken):
    """A genuine token past its expiry: the one refusal a fresh answer mends, not a fix to the app's front end."""


def malformed(reason: str) -> InvalidToken:
    """The refusal of a token that is no token's form, saying which part is wrong (`reason`)."""
    return InvalidToken(f"the feedback token is malformed: {reason}; {SEND_AS_IT_CAME}")


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """What a genuine, unexpired token grants: feedback on one interaction, as one voter."""

    interaction_id: str
    # The end user named when the answer was given; None: nobody was named.
    user: str | None
    # A short, stable name of this token (a hash of its signature), to count its submissions by and,
    # when no user is bound, to stand for its anonymous holder. Reveals nothing of the signature.
    token_id: str


class FeedbackTokens:
    """Signs and verifies feedback tokens with one secret."""

    def __init__(self, secret: str, ttl_seconds: int, clock: Callable[[], float] = time.time) -> None:
        # The key's inner and outer pads, hashed once: each signature copies this state instead of
        # keying a new HMAC (1.5 against 2.2 µs a call by micro-timing, on every proxied answer).
        self._keyed = hmac.new(secret.encode(), digestmod=hashlib.sha256)
        self._ttl = ttl_seconds
        self._clock = clock

    def _signature(self, payload: str) -> str:
        mac = self._keyed.copy()
        mac.update(payload.encode())
        return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode()

    def sign(self, interaction_id: str, user: str | None = None) -> str:
        """A token for `interaction_id` (speaking only for `user`, when given), valid for the configured time."""
        expiry = int(self._clock()) + self._ttl
        if user is None or user == "" or len(user) > MAX_BOUND_USER_CHARS:
            # An over-long name cannot be stored as a feedback user id: such a token is anonymous.
            payload = f"{ANONYMOUS}.{interaction_id}.{expiry}"
        else:
            payload = f"{USER_BOUND}.{interaction_id}.{expiry}.{_encode_user(user)}"
        return f"{payload}.{self._signature(payload)}"

    def verify(self, token: str) -> VerifiedToken:
        """What a genuine, unexpired token grants; raises InvalidToken otherwise."""
        parts = token.split(".")
        wrong = _wrong_part(token, parts)
        if wrong is not None:
            raise malformed(wrong)
        payload, signature = ".".join(parts[:-1]), parts[-1]
        if not hmac.compare_digest(signature.encode(), self._signature(payload).encode()):
            raise InvalidToken(BAD_SIGNATURE)
        if int(parts[2]) <= self._clock():
            raise ExpiredToken(
                f"the feedback token has expired: tokens are valid for {span_words(timedelta(seconds=self._ttl))} "
                "after their answer (FEEDGATE_FEEDBACK_TOKEN_TTL); a fresh answer comes with a fresh token, "
                "and the app can still post this feedback with its own API key"
            )
        user = _decode_user(parts[3]) if len(parts) == 5 else None
        return VerifiedToken(interaction_id=parts[1], user=user, token_id=_token_id(signature))

    def response_headers(self, interaction_id: str, end_user: str | None = None) -> list[tuple[bytes, bytes]]:
        """The header that hands a token to the app with every proxied answer, bound to `end_user` when named."""
        return [(b"x-feedgate-feedback-token", self.sign(interaction_id, end_user).encode())]


def looks_like_token(value: str) -> bool:
    """Whether `value` has a feedback token's form (a version prefix), genuine or not: no API key has one."""
    return value.startswith((f"{ANONYMOUS}.", f"{USER_BOUND}."))


def _wrong_part(token: str, parts: list[str]) -> str | None:
    """Which part of `token` (split at its dots into `parts`) breaks the token's form; None if none does."""
    if says_nothing(token):  # the one rule (gateway.domain.blank_text): zero-width spaces alone are no token either
        return "it is empty"
    if token in _UNSET_VARIABLE:
        return f"it is {token!r}, as a page's unset variable reads"
    # A page's slips with a right token, which "does not start with v1." left the developer staring at a v1 token.
    if token[:7].lower() == "bearer ":
        return "it starts with 'Bearer ': this header takes the token alone (or send 'Authorization: Bearer <token>')"
    if len(token) > 1 and token[0] == token[-1] == '"':
        return "it is in quotes: send the token without them (a string put through JSON.stringify gets them)"
    expected = _PARTS.get(parts[0])
    if expected is None:
        return f"it does not start with {ANONYMOUS}. or {USER_BOUND}."
    if len(parts) != expected:
        return f"a {parts[0]} token has {expected} parts separated by dots, this one has {len(parts)}"
    if parts[1] == "":
        return "its second part, the interaction id, is empty"
    if not (parts[2].isascii() and parts[2].isdigit()):
        return "its third part, the expiry, is not a whole number of seconds"
    return None


def _encode_user(user: str) -> str:
    # base64url keeps dots (the separator) and any other character out of the token's text.
    return base64.urlsafe_b64encode(user.encode()).rstrip(b"=").decode()


def _decode_user(encoded: str) -> str:
    try:
        user = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        # Only reachable with the signing secret: a signed payload is one this class wrote.
        raise malformed("its fourth part, the end user, is not base64url of UTF-8 text") from None
    # A token signed before end-user ids lost their blank ends may bind " user-8 ": it speaks for "user-8", as the
    # post's user_id and the stored rows now name them (end_user_id), until it expires.
    named = end_user_id(user)
    if named is None:
        raise malformed("its fourth part, the end user, is empty")
    return named


def _token_id(signature: str) -> str:
    digest = hashlib.sha256(signature.encode()).digest()[:12]
    return base64.urlsafe_b64encode(digest).decode()
