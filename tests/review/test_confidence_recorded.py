"""Confidence of answers as the gateway records them: JSON bodies and reassembled streams."""

from __future__ import annotations

import orjson
import pytest

from gateway.demo import fake_responses, payloads
from gateway.recording.reassembly import reassemble_chat_stream
from gateway.recording.responses_stream import reassemble_responses_stream
from gateway.review.confidence import confidence_features
from gateway.review.logprobs import request_with_logprobs, responses_request_with_logprobs

CHAT, _ = request_with_logprobs(
    {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "fee? [confidence=0.42]"}]}
)
RESPONSES, _ = responses_request_with_logprobs({"model": "gpt-4o-mini", "input": "fee? [confidence=0.42]"})


def test_confidence_of_a_json_chat_answer_is_the_one_the_fake_upstream_was_told() -> None:
    answer = orjson.loads(payloads.chat_completions(CHAT))

    features = confidence_features(answer)

    assert features is not None
    assert features.confidence == pytest.approx(0.42)
    assert features.tokens == 3 and features.first_token_margin is not None


def test_confidence_of_a_reassembled_chat_stream_equals_the_json_answers() -> None:
    stream = b"".join(payloads.chat_completions({**CHAT, "stream": True}))

    features = confidence_features(reassemble_chat_stream(stream) or {})

    assert features == confidence_features(orjson.loads(payloads.chat_completions(CHAT)))


def test_confidence_of_a_reassembled_responses_stream_equals_the_json_answers() -> None:
    stream = b"".join(fake_responses.responses({**RESPONSES, "stream": True}))

    features = confidence_features(reassemble_responses_stream(stream) or {})

    assert features is not None and features == confidence_features(orjson.loads(fake_responses.responses(RESPONSES)))
