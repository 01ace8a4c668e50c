"""An answer's choices as the pages read them, and the text of the one a feedback's `choice` names (pure functions)."""

from __future__ import annotations

from gateway.domain.answer_choices import AnswerChoice, answer_choices, choice_count, choice_text
from gateway.domain.conversation import ToolCall

CALL = {"id": "call_1", "type": "function", "function": {"name": "get_fee", "arguments": "{}"}}
CHAT = {
    "object": "chat.completion",
    "choices": [
        {"index": 0, "message": {"role": "assistant", "content": "One"}, "finish_reason": "stop"},
        {"index": 1, "message": {"role": "assistant", "content": [{"type": "text", "text": "Two"}]}},
        {
            "index": 2,
            "message": {"role": "assistant", "content": None, "tool_calls": [CALL]},
            "finish_reason": "tool_calls",
        },
    ],
}


def test_a_chat_completions_choices_in_stored_order_with_text_parts_joined_and_tool_calls():
    assert answer_choices(CHAT) == (
        AnswerChoice(0, "One", (), "stop"),
        AnswerChoice(1, "Two", (), None),
        AnswerChoice(2, None, (ToolCall("call_1", "get_fee", "{}"),), "tool_calls"),
    )


def test_a_legacy_completions_choices_are_its_texts():
    response = {"choices": [{"text": "Alpha", "finish_reason": "length"}, {"text": "Beta"}, "not a choice"]}

    assert answer_choices(response) == (
        AnswerChoice(0, "Alpha", (), "length"),
        AnswerChoice(1, "Beta"),
        AnswerChoice(2, None),
    )


def test_an_answer_without_choices_has_none_and_counts_as_one():
    for response in (None, {"output": []}, {"choices": []}, {"choices": "x"}):
        assert (answer_choices(response), choice_count(response)) == ((), 1)
    assert choice_count(CHAT) == 3


def test_the_first_choices_text_is_the_recorded_answers_and_a_later_ones_its_own():
    # The recorded text may differ from the stored JSON's (an error's text, say): the first choice is the recorded one.
    assert choice_text(CHAT, "recorded", 0) == "recorded"
    assert choice_text(CHAT, "recorded", 1) == "Two"
    assert choice_text(CHAT, "recorded", 3) is None
