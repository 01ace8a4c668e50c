"""Asking for log-probabilities on the client's behalf, and hiding them from its answer."""

from __future__ import annotations

import copy
import json
from typing import Any

from gateway.demo import fake_responses, payloads
from gateway.review.logprobs import (
    chat_without_logprobs,
    request_with_logprobs,
    responses_request_with_logprobs,
    responses_without_logprobs,
    split_complete_events,
    strip_logprobs,
    strip_logprobs_sse,
    strip_responses_logprobs,
    strip_responses_logprobs_sse,
)

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "héllo there [confidence=0.4]"}]}
RESPONSES = {"model": "gpt-4o-mini", "input": "hello there"}


def events_json(stream: bytes) -> list[Any]:
    return [json.loads(block[6:]) for block in stream.decode().split("\n\n") if block.startswith("data: {")]


def blanked(value: Any, empty: Any) -> Any:
    """``value`` with every ``logprobs`` replaced by ``empty`` (what the upstream sends when not asked)."""
    if isinstance(value, dict):
        return {k: empty if k == "logprobs" else blanked(v, empty) for k, v in value.items()}
    if isinstance(value, list):
        return [blanked(v, empty) for v in value]
    return value


# -- asking ---------------------------------------------------------------------------------------


def test_request_gets_logprobs_and_two_alternatives_when_the_client_did_not_ask() -> None:
    new, asked = request_with_logprobs(CHAT)

    assert asked is False
    assert new == {**CHAT, "logprobs": True, "top_logprobs": 2}


def test_request_with_logprobs_never_mutates_the_request() -> None:
    before = copy.deepcopy(CHAT)

    new, _ = request_with_logprobs(CHAT)

    assert before == CHAT and new is not CHAT


def test_clients_own_logprobs_request_is_left_alone() -> None:
    request = {**CHAT, "logprobs": True, "top_logprobs": 5}

    assert request_with_logprobs(request) == (None, True)


def test_explicit_logprobs_false_is_overridden() -> None:
    new, asked = request_with_logprobs({**CHAT, "logprobs": False})

    assert asked is False and new is not None and new["logprobs"] is True


def test_top_logprobs_without_logprobs_stays_for_the_upstream_to_refuse() -> None:
    assert request_with_logprobs({**CHAT, "top_logprobs": 3}) == (None, False)


def test_responses_request_adds_the_include_and_keeps_the_clients_includes() -> None:
    request = {**RESPONSES, "include": ["reasoning.encrypted_content"]}

    new, asked = responses_request_with_logprobs(request)

    assert asked is False
    assert new == {
        **request,
        "include": ["reasoning.encrypted_content", "message.output_text.logprobs"],
        "top_logprobs": 2,
    }
    assert request["include"] == ["reasoning.encrypted_content"]


def test_responses_request_that_includes_logprobs_is_left_alone() -> None:
    request = {**RESPONSES, "include": ["message.output_text.logprobs"]}

    assert responses_request_with_logprobs(request) == (None, True)


# -- hiding: JSON ---------------------------------------------------------------------------------


def test_strip_keeps_everything_but_the_logprobs() -> None:
    asked, _ = request_with_logprobs(CHAT)
    body = payloads.chat_completions(asked)
    assert isinstance(body, bytes)

    stripped = strip_logprobs(body)

    assert json.loads(body)["choices"][0]["logprobs"]["content"]
    assert json.loads(stripped) == blanked(json.loads(body), None)
    assert json.loads(stripped)["choices"][0]["logprobs"] is None


def test_strip_returns_an_answer_without_logprobs_byte_for_byte() -> None:
    body = payloads.chat_completions(CHAT)
    assert isinstance(body, bytes)

    assert strip_logprobs(body) is body


def test_strip_leaves_an_error_body_alone() -> None:
    body = b'{"error": {"message": "bad logprobs value", "param": "logprobs"}}'

    assert strip_logprobs(body) is body


def test_strip_leaves_invalid_json_alone() -> None:
    body = b'{"choices": [{"logprobs": {"content": [] '

    assert strip_logprobs(body) is body


def test_strip_responses_empties_the_output_text_logprobs() -> None:
    asked, _ = responses_request_with_logprobs(RESPONSES)
    body = fake_responses.responses(asked)
    assert isinstance(body, bytes)

    stripped = json.loads(strip_responses_logprobs(body))

    assert json.loads(body)["output"][0]["content"][0]["logprobs"]
    assert stripped == blanked(json.loads(body), [])


def test_parsed_chat_answer_is_stripped_into_a_copy() -> None:
    asked, _ = request_with_logprobs(CHAT)
    answer = json.loads(payloads.chat_completions(asked))
    before = copy.deepcopy(answer)

    stripped = chat_without_logprobs(answer)

    assert answer == before
    assert stripped == blanked(answer, None)


def test_parsed_answers_without_logprobs_need_no_copy() -> None:
    assert chat_without_logprobs(json.loads(payloads.chat_completions(CHAT))) is None
    assert responses_without_logprobs(json.loads(fake_responses.responses(RESPONSES))) is None


def test_parsed_responses_object_is_stripped_into_a_copy() -> None:
    asked, _ = responses_request_with_logprobs(RESPONSES)
    answer = json.loads(fake_responses.responses(asked))
    before = copy.deepcopy(answer)

    stripped = responses_without_logprobs(answer)

    assert answer == before
    assert stripped == blanked(answer, [])


# -- hiding: streams ------------------------------------------------------------------------------


def test_strip_sse_keeps_every_event_but_the_logprobs() -> None:
    asked, _ = request_with_logprobs({**CHAT, "stream": True, "stream_options": {"include_usage": True}})
    stream = b"".join(payloads.chat_completions(asked))

    stripped = strip_logprobs_sse(stream)

    assert stripped.endswith(b"data: [DONE]\n\n")
    assert events_json(stripped) == blanked(events_json(stream), None)
    assert all(c["choices"][0]["logprobs"] is None for c in events_json(stripped) if c["choices"])


def test_strip_sse_matches_the_stream_the_client_would_have_got() -> None:
    plain = events_json(b"".join(payloads.chat_completions({**CHAT, "stream": True})))
    asked, _ = request_with_logprobs({**CHAT, "stream": True})

    stripped = events_json(strip_logprobs_sse(b"".join(payloads.chat_completions(asked))))

    ignore_id = [{**c, "id": None, "created": None} for c in stripped]
    assert ignore_id == [{**c, "id": None, "created": None} for c in plain]


def test_strip_sse_keeps_other_fields_and_crlf_line_ends() -> None:
    event = b'event: chunk\r\nid: 7\r\ndata: {"choices":[{"index":0,"logprobs":{"content":[]}}]}\r\n\r\n'

    assert (
        strip_logprobs_sse(event) == b'event: chunk\r\nid: 7\r\ndata: {"choices":[{"index":0,"logprobs":null}]}\r\n\r\n'
    )


def test_strip_sse_passes_an_incomplete_event_through() -> None:
    head = b'data: {"choices":[{"index":0,"logprobs":{"content":[]}}]}\n\n'
    tail = b'data: {"choices":[{"index":0,"logprobs":{"con'

    assert strip_logprobs_sse(head + tail) == b'data: {"choices":[{"index":0,"logprobs":null}]}\n\n' + tail


def test_split_complete_events_keeps_the_rest_for_the_next_chunk() -> None:
    assert split_complete_events(b"data: 1\n\ndata: 2\n\ndata: 3") == (b"data: 1\n\ndata: 2\n\n", b"data: 3")
    assert split_complete_events(b"data: 1") == (b"", b"data: 1")


def test_strip_sse_over_arbitrary_network_chunks_equals_stripping_the_whole_stream() -> None:
    asked, _ = request_with_logprobs({**CHAT, "stream": True})
    stream = b"".join(payloads.chat_completions(asked))
    out, rest = [], b""
    for start in range(0, len(stream), 37):
        whole, rest = split_complete_events(rest + stream[start : start + 37])
        out.append(strip_logprobs_sse(whole))
    out.append(rest)

    assert b"".join(out) == strip_logprobs_sse(stream)


def test_strip_responses_sse_empties_deltas_parts_and_the_final_response() -> None:
    asked, _ = responses_request_with_logprobs({**RESPONSES, "stream": True})
    stream = b"".join(fake_responses.responses(asked))

    stripped = strip_responses_logprobs_sse(stream)

    def events(body: bytes) -> list[Any]:
        return [json.loads(line[6:]) for line in body.decode().splitlines() if line.startswith("data: ")]

    assert events(stream)[-1]["response"]["output"][0]["content"][0]["logprobs"]
    assert events(stripped) == blanked(events(stream), [])
    assert stripped.count(b"event: response.output_text.delta\n") == 3
