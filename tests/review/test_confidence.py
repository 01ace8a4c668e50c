"""Confidence measures computed from an answer's token log-probabilities."""

from __future__ import annotations

import math
from typing import Any

import pytest

from gateway.review.confidence import ConfidenceFeatures, answer_token_logprobs, confidence_features


def entry(logprob: float, *top: float) -> dict[str, Any]:
    return {
        "token": "t",
        "logprob": logprob,
        "bytes": [116],
        "top_logprobs": [{"token": "a", "logprob": v} for v in top],
    }


def chat(entries: Any) -> dict[str, Any]:
    logprobs = None if entries is None else {"content": entries, "refusal": None}
    message = {"role": "assistant", "content": "t t t t"}
    return {"object": "chat.completion", "choices": [{"index": 0, "message": message, "logprobs": logprobs}]}


HAND_MADE = [entry(-0.1, -0.1, -2.5), entry(-0.5), entry(-2.0), entry(-0.2)]


def test_features_of_a_hand_made_answer() -> None:
    features = confidence_features(chat(HAND_MADE))

    assert features == ConfidenceFeatures(
        tokens=4,
        mean_logprob=pytest.approx(-0.7),
        min_logprob=-2.0,
        nll=pytest.approx(2.8),
        nll_per_token=pytest.approx(0.7),
        first_token_margin=pytest.approx(2.4),
        confidence=pytest.approx(math.exp(-0.7)),
    )


def test_confidence_is_the_geometric_mean_token_probability() -> None:
    features = confidence_features(chat([entry(math.log(0.9)), entry(math.log(0.4))]))

    assert features is not None
    assert features.confidence == pytest.approx(math.sqrt(0.9 * 0.4))


def test_margin_uses_the_two_best_alternatives_whatever_their_order() -> None:
    features = confidence_features(chat([entry(-1.0, -3.0, -0.4, -1.0)]))

    assert features is not None and features.first_token_margin == pytest.approx(0.6)


def test_margin_is_none_without_two_alternatives() -> None:
    features = confidence_features(chat([entry(-0.1, -0.1), entry(-0.3, -0.3, -4.0)]))

    assert features is not None and features.first_token_margin is None


def test_answer_without_logprobs_has_no_features() -> None:
    assert confidence_features(chat(None)) is None


def test_answer_with_an_empty_logprob_list_has_no_features() -> None:
    assert confidence_features(chat([])) is None


def test_error_body_has_no_features() -> None:
    assert confidence_features({"error": {"message": "rate limited"}}) is None


def test_broken_entries_are_skipped() -> None:
    features = confidence_features(chat([{"token": "x", "logprob": None}, entry(-0.4), {"token": "y"}, entry(-0.2)]))

    assert features is not None
    assert (features.tokens, features.mean_logprob) == (2, pytest.approx(-0.3))


def test_only_the_first_choice_counts() -> None:
    answer = chat([entry(-0.1)])
    answer["choices"].insert(0, {"index": 1, "message": {}, "logprobs": {"content": [entry(-5.0)], "refusal": None}})

    features = confidence_features(answer)

    assert features is not None and features.min_logprob == -0.1


def test_a_refusal_is_measured_by_its_refusal_tokens() -> None:
    answer = chat(None)
    answer["choices"][0]["logprobs"] = {"content": None, "refusal": [entry(-0.3), entry(-0.1)]}

    features = confidence_features(answer)

    assert features is not None and features.nll == pytest.approx(0.4)


def test_responses_output_text_logprobs_are_read_across_parts() -> None:
    parts = [
        {"type": "output_text", "text": "a", "logprobs": [entry(-0.2)]},
        {"type": "output_text", "logprobs": [entry(-0.6)]},
    ]
    output = [{"type": "reasoning", "summary": []}, {"type": "message", "role": "assistant", "content": parts}]

    features = confidence_features({"object": "response", "output": output})

    assert features is not None
    assert (features.tokens, features.mean_logprob) == (2, pytest.approx(-0.4))


def test_responses_without_logprobs_have_no_features() -> None:
    output = [{"type": "message", "content": [{"type": "output_text", "text": "a", "logprobs": []}]}]

    assert answer_token_logprobs({"object": "response", "output": output}) is None
