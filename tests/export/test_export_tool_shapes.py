"""The tool calls an answer made, read into the shape a fine-tuning message takes (pure functions)."""

from __future__ import annotations

from gateway.export.tool_calls import tool_calls_of, tool_settings_of

CALL = {"id": "call_1", "type": "function", "function": {"name": "get_balance", "arguments": "{}"}}


def answer(*calls: object) -> dict:
    return {"choices": [{"index": 0, "message": {"role": "assistant", "content": None, "tool_calls": list(calls)}}]}


def test_a_reassembled_streams_call_index_is_dropped():
    assert tool_calls_of(answer({**CALL, "index": 0})) == (CALL,)


def test_an_answer_with_a_call_of_another_shape_counts_as_calling_nothing():
    broken = {"id": "call_2", "type": "function", "function": {"name": "get_balance", "arguments": {"a": 1}}}

    assert tool_calls_of(answer(CALL, broken)) == ()


def test_tool_settings_are_taken_as_sent_and_only_of_their_type():
    request = {"messages": [], "tools": [{"type": "function"}], "parallel_tool_calls": "yes", "temperature": 0}

    assert tool_settings_of(request) == {"tools": [{"type": "function"}]}
