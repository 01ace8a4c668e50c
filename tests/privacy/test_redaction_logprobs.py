"""An answer's log-probabilities spell its text a token at a time: redaction reaches them as it reaches the text."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import FeedgateApp, create_app
from gateway.config import Settings
from gateway.config_entries import ReviewGate
from gateway.privacy.redaction import BUILT_IN_RULES, INTERACTION_FIELDS, Redactor
from gateway.proxy.credentials import CallerResolver

REDACTOR = Redactor(BUILT_IN_RULES)
ANSWER = "Write to alice@example.com, card 4111 1111 1111 1111."
# As a tokenizer splits it: no token alone is an address or a card number.
TOKENS = ["Write", " to", " alice", "@", "example", ".com", ",", " card", " 4111", " 1111", " 1111", " 1111", "."]


def entry(token: str) -> dict[str, Any]:
    return {
        "token": token,
        "logprob": -0.25,
        "bytes": list(token.encode()),
        "top_logprobs": [{"token": token, "logprob": -0.25, "bytes": list(token.encode())}],
    }


def chat_answer() -> dict[str, Any]:
    return {
        "object": "chat.completion",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": ANSWER},
                "logprobs": {"content": [entry(token) for token in TOKENS], "refusal": None},
                "finish_reason": "stop",
            }
        ],
    }


def stored(answer: dict[str, Any]) -> tuple[dict[str, Any], dict[str, int]]:
    row, fired = REDACTOR.row({"response": answer}, INTERACTION_FIELDS)
    return row["response"], fired


def spelt(entries: list[dict[str, Any]]) -> tuple[str, str, str]:
    """The text the tokens, their bytes and their alternatives spell."""
    tokens = "".join(item["token"] for item in entries)
    raw = b"".join(bytes(item["bytes"]) for item in entries).decode()
    alternatives = "".join(alternative["token"] for item in entries for alternative in item["top_logprobs"])
    return tokens, raw, alternatives


def test_an_address_and_a_card_number_spelt_over_several_tokens_are_redacted_in_the_tokens():
    answer, _ = stored(chat_answer())

    tokens, _, _ = spelt(answer["choices"][0]["logprobs"]["content"])
    assert tokens == "Write to [redacted:email], card [redacted:card]."


def test_the_tokens_bytes_and_alternatives_follow_their_redacted_text():
    answer, _ = stored(chat_answer())

    tokens, raw, alternatives = spelt(answer["choices"][0]["logprobs"]["content"])
    assert raw == tokens
    assert "alice" not in alternatives and "4111" not in alternatives


def test_a_token_holding_a_whole_address_loses_it_from_its_bytes_too():
    answer = chat_answer()
    answer["choices"][0]["logprobs"]["content"] = [entry("Write to"), entry(" alice@example.com")]

    redacted, _ = stored(answer)

    written = redacted["choices"][0]["logprobs"]["content"][1]
    assert written["token"] == " [redacted:email]"
    assert bytes(written["bytes"]).decode() == " [redacted:email]"


def test_the_log_probabilities_themselves_are_kept():
    answer, _ = stored(chat_answer())

    assert [item["logprob"] for item in answer["choices"][0]["logprobs"]["content"]] == [-0.25] * len(TOKENS)


def test_matches_in_the_tokens_are_counted_once_with_the_answer():
    answer = chat_answer()
    answer["choices"][0]["message"]["content"] = "Write to alice@example.com"
    answer["choices"][0]["logprobs"]["content"] = [entry("Write to"), entry(" alice@example.com")]

    _, fired = stored(answer)

    assert fired == {"email": 1}


def test_a_responses_api_output_texts_log_probabilities_are_redacted():
    answer = {
        "object": "response",
        "output": [
            {
                "type": "message",
                "content": [
                    {"type": "output_text", "text": ANSWER, "logprobs": [entry(token) for token in TOKENS]},
                ],
            }
        ],
    }

    redacted, _ = stored(answer)

    tokens, raw, _ = spelt(redacted["output"][0]["content"][0]["logprobs"])
    assert tokens == raw == "Write to [redacted:email], card [redacted:card]."


def test_legacy_completions_tokens_and_their_alternatives_keyed_by_token_are_redacted():
    answer = {
        "object": "text_completion",
        "choices": [
            {
                "text": ANSWER,
                "logprobs": {
                    "tokens": TOKENS,
                    "token_logprobs": [-0.25] * len(TOKENS),
                    "top_logprobs": [{token: -0.25, " bob@example.org": -3.0} for token in TOKENS],
                    "text_offset": list(range(len(TOKENS))),
                },
            }
        ],
    }

    redacted, _ = stored(answer)

    logprobs = redacted["choices"][0]["logprobs"]
    assert "".join(logprobs["tokens"]) == "Write to [redacted:email], card [redacted:card]."
    assert not any("@example" in key or "4111" in key for choices in logprobs["top_logprobs"] for key in choices)


SALT = "logprob-redaction-salt"
KEY = "sk-gated-app"


async def _no_keys(_: str) -> None:
    return None


@pytest.fixture
async def gated(settings: Settings) -> AsyncIterator[tuple[FeedgateApp, httpx.AsyncClient]]:
    """The gateway with redaction on and an audit-mode confidence gate, which asks the upstream for log-probabilities."""
    gated_app = CallerResolver(mode="passthrough", salt=SALT, lookup_gateway_key=_no_keys).fingerprint(KEY)
    gate = ReviewGate(app=gated_app, mode="audit")
    app = create_app(
        settings.model_copy(update={"redaction": True, "key_salt": SALT, "review_gates": [gate]}), environ={}
    )
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as http,
    ):
        yield app, http


async def test_an_answer_stored_with_the_gates_log_probabilities_keeps_no_address_in_its_tokens(gated):
    app, http = gated
    question = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "I am alice@example.com"}]}

    response = await http.post("/v1/chat/completions", json=question, headers={"authorization": f"Bearer {KEY}"})
    await app.services.writer.flush()

    row = await app.services.interactions.get(response.headers["x-feedgate-interaction-id"])
    assert row is not None
    tokens, raw, alternatives = spelt(row["response"]["choices"][0]["logprobs"]["content"])
    assert "alice" not in tokens + raw + alternatives
    assert "[redacted:email]" in tokens
