"""Feedback tokens: signed for one interaction (and the end user named then), valid until they expire, useless once altered."""

from __future__ import annotations

import base64
import hmac

import pytest
from settable_clock import SecondsClock

from gateway.feedback.token import MAX_BOUND_USER_CHARS, ExpiredToken, FeedbackTokens, InvalidToken

INTERACTION = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
TTL = 7 * 24 * 3600


@pytest.fixture
def clock() -> SecondsClock:
    return SecondsClock(1_700_000_000.0)


@pytest.fixture
def tokens(clock) -> FeedbackTokens:
    return FeedbackTokens("secret", TTL, clock=clock)


def test_a_token_verifies_as_its_interaction(tokens):
    assert tokens.verify(tokens.sign(INTERACTION)).interaction_id == INTERACTION


def test_a_token_without_an_end_user_binds_nobody(tokens):
    assert tokens.verify(tokens.sign(INTERACTION)).user is None


def test_a_token_binds_the_end_user_named_when_it_is_signed(tokens):
    verified = tokens.verify(tokens.sign(INTERACTION, "customer.42@example.com"))

    assert (verified.interaction_id, verified.user) == (INTERACTION, "customer.42@example.com")


def test_changing_the_bound_user_breaks_the_signature(tokens):
    token = tokens.sign(INTERACTION, "ann")
    other = base64.urlsafe_b64encode(b"bob").rstrip(b"=").decode()

    with pytest.raises(InvalidToken, match="signature is not valid"):
        tokens.verify(_replace(token, 3, other))


def test_dropping_the_bound_user_breaks_the_signature(tokens):
    parts = tokens.sign(INTERACTION, "ann").split(".")
    unbound = ".".join(["v1", parts[1], parts[2], parts[4]])

    with pytest.raises(InvalidToken, match="signature is not valid"):
        tokens.verify(unbound)


def test_a_user_too_long_to_store_leaves_the_token_anonymous(tokens):
    assert tokens.verify(tokens.sign(INTERACTION, "u" * (MAX_BOUND_USER_CHARS + 1))).user is None


def test_a_tokens_id_is_stable_and_differs_between_tokens(tokens, clock):
    token = tokens.sign(INTERACTION)
    clock.now += 1
    later = tokens.sign(INTERACTION)

    assert tokens.verify(token).token_id == tokens.verify(token).token_id
    assert tokens.verify(token).token_id != tokens.verify(later).token_id
    assert tokens.verify(token).token_id not in token


def test_a_token_minted_before_user_binding_still_verifies(clock):
    # The v1 format, as every token was signed before binding: HMAC-SHA256 over "v1.<id>.<expiry>".
    payload = f"v1.{INTERACTION}.{int(clock.now) + 60}"
    digest = hmac.digest(b"secret", payload.encode(), "sha256")
    old = f"{payload}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"

    verified = FeedbackTokens("secret", TTL, clock=clock).verify(old)

    assert (verified.interaction_id, verified.user) == (INTERACTION, None)


def test_a_token_is_valid_until_just_before_it_expires(tokens, clock):
    token = tokens.sign(INTERACTION)
    clock.now += TTL - 1

    assert tokens.verify(token).interaction_id == INTERACTION


def test_a_token_expires_after_its_time_to_live(tokens, clock):
    token = tokens.sign(INTERACTION)
    clock.now += TTL

    # Its own kind: expiry is the one refusal an app answers with a fresh answer, not a fix to its front end.
    with pytest.raises(ExpiredToken, match="expired"):
        tokens.verify(token)


def test_a_forged_token_is_no_expired_one_even_past_its_expiry(tokens, clock):
    token = _replace(tokens.sign(INTERACTION), 1, "another")
    clock.now += TTL

    with pytest.raises(InvalidToken, match="signature is not valid") as refused:
        tokens.verify(token)
    assert not isinstance(refused.value, ExpiredToken)


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
        tokens.verify(_replace(tokens.sign(INTERACTION), 0, "v3"))


def test_a_version_with_the_wrong_number_of_parts_is_malformed(tokens):
    with pytest.raises(InvalidToken, match="malformed"):
        tokens.verify(_replace(tokens.sign(INTERACTION), 0, "v2"))


def test_a_token_signed_with_another_secret_is_refused(tokens, clock):
    foreign = FeedbackTokens("another secret", TTL, clock=clock).sign(INTERACTION)

    with pytest.raises(InvalidToken, match="signature is not valid"):
        tokens.verify(foreign)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "v1",
        "v1.id.123",
        "v1.id.123.sig.extra",
        "v1..123.sig",
        "v1.id.soon.sig",
        "v1.id.-5.sig",
        "v1.id.١٢٣.sig",
        "v2.id.123.sig",
        "v2.id.123.dXNlcg.sig.extra",
        "v2..123.dXNlcg.sig",
    ],
)
def test_malformed_tokens_are_refused(tokens, token):
    with pytest.raises(InvalidToken, match="malformed"):
        tokens.verify(token)


def test_every_proxied_answer_header_carries_a_token_for_its_interaction(tokens):
    [(name, value)] = tokens.response_headers(INTERACTION)

    assert name == b"x-feedgate-feedback-token"
    assert tokens.verify(value.decode()).interaction_id == INTERACTION


def test_the_answer_header_binds_the_end_user_named_on_the_call(tokens):
    [(_, value)] = tokens.response_headers(INTERACTION, "customer-42")

    assert tokens.verify(value.decode()).user == "customer-42"


@pytest.mark.parametrize(("ttl", "said"), [(3_600, "1 hour"), (90, "90 seconds"), (1_209_600, "14 days")])
def test_an_expired_token_says_how_long_tokens_last(clock, ttl, said):
    tokens = FeedbackTokens("secret", ttl, clock=clock)
    token = tokens.sign(INTERACTION)
    clock.now += ttl

    with pytest.raises(InvalidToken, match=f"tokens are valid for {said} after their answer"):
        tokens.verify(token)


BEARER_PREFIX = "it starts with 'Bearer ': this header takes the token alone (or send 'Authorization: Bearer <token>')"


@pytest.mark.parametrize(
    ("token", "said"),
    [
        ("", "it is empty"),
        ("undefined", "it is 'undefined', as a page's unset variable reads"),
        ("null", "it is 'null', as a page's unset variable reads"),
        ("sk-secret-app-key", "it does not start with v1. or v2."),
        # What a page's code does with the token by mistake: the header's value written as Authorization's, or a
        # string put through JSON.stringify (a template's |tojson); both read as "does not start with v1.".
        ("Bearer v1.id.123.sig", BEARER_PREFIX),
        ("bearer sk-secret-app-key", BEARER_PREFIX),
        (
            '"v1.id.123.sig"',
            "it is in quotes: send the token without them (a string put through JSON.stringify gets them)",
        ),
        ("v1.id.123", "a v1 token has 4 parts separated by dots, this one has 3"),
        ("v2.id.123.sig", "a v2 token has 5 parts separated by dots, this one has 4"),
        ("v1..123.sig", "its second part, the interaction id, is empty"),
        ("v1.id.soon.sig", "its third part, the expiry, is not a whole number of seconds"),
    ],
)
def test_a_malformed_token_says_which_part_is_wrong_without_repeating_it(tokens, token, said):
    with pytest.raises(InvalidToken) as refused:
        tokens.verify(token)

    assert str(refused.value).startswith(f"the feedback token is malformed: {said}; ")
    assert not isinstance(refused.value, ExpiredToken)
    # A value that is not a token may be a secret sent by mistake: it is never echoed.
    assert "sk-secret" not in str(refused.value)
