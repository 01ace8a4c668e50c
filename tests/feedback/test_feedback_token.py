"""Feedback tokens: signed for one interaction, valid until they expire, useless once altered."""

from __future__ import annotations

import pytest

from gateway.feedback.token import FeedbackTokens, InvalidToken

INTERACTION = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
TTL = 7 * 24 * 3600


class Clock:
    """A settable clock, so expiry is tested without sleeping."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def tokens(clock) -> FeedbackTokens:
    return FeedbackTokens("secret", TTL, clock=clock)


def test_a_token_verifies_as_its_interaction(tokens):
    assert tokens.verify(tokens.sign(INTERACTION)) == INTERACTION


def test_a_token_is_valid_until_just_before_it_expires(tokens, clock):
    token = tokens.sign(INTERACTION)
    clock.now += TTL - 1

    assert tokens.verify(token) == INTERACTION


def test_a_token_expires_after_its_time_to_live(tokens, clock):
    token = tokens.sign(INTERACTION)
    clock.now += TTL

    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)


def test_the_time_to_live_is_configurable(clock):
    tokens = FeedbackTokens("secret", 60, clock=clock)
    token = tokens.sign(INTERACTION)
    clock.now += 61

    with pytest.raises(InvalidToken, match="expired"):
        tokens.verify(token)


def _replace(token: str, index: int, value: str) -> str:
    parts = token.split(".")
    parts[index] = value
    return ".".join(parts)


def test_changing_the_interaction_breaks_the_signature(tokens):
    token = _replace(tokens.sign(INTERACTION), 1, "0193a1b2-c3d4-7e5f-8a9b-000000000000")

    with pytest.raises(InvalidToken, match="signature is not valid"):
        tokens.verify(token)


def test_extending_the_expiry_breaks_the_signature(tokens):
    token = tokens.sign(INTERACTION)
    expiry = int(token.split(".")[2])

    with pytest.raises(InvalidToken, match="signature is not valid"):
        tokens.verify(_replace(token, 2, str(expiry + 3600)))


def test_altering_the_signature_is_detected(tokens):
    token = tokens.sign(INTERACTION)
    signature = token.split(".")[3]
    altered = ("B" if signature[0] == "A" else "A") + signature[1:]

    with pytest.raises(InvalidToken, match="signature is not valid"):
        tokens.verify(_replace(token, 3, altered))


def test_an_unknown_version_is_malformed(tokens):
    with pytest.raises(InvalidToken, match="malformed"):
        tokens.verify(_replace(tokens.sign(INTERACTION), 0, "v2"))


def test_a_token_signed_with_another_secret_is_refused(tokens, clock):
    foreign = FeedbackTokens("another secret", TTL, clock=clock).sign(INTERACTION)

    with pytest.raises(InvalidToken, match="signature is not valid"):
        tokens.verify(foreign)


@pytest.mark.parametrize(
    "token",
    ["", "v1", "v1.id.123", "v1.id.123.sig.extra", "v1..123.sig", "v1.id.soon.sig", "v1.id.-5.sig", "v1.id.١٢٣.sig"],
)
def test_malformed_tokens_are_refused(tokens, token):
    with pytest.raises(InvalidToken, match="malformed"):
        tokens.verify(token)


def test_every_proxied_answer_header_carries_a_token_for_its_interaction(tokens):
    [(name, value)] = tokens.response_headers(INTERACTION)

    assert name == b"x-feedgate-feedback-token"
    assert tokens.verify(value.decode()) == INTERACTION
