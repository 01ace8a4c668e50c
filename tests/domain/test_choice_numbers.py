"""A choice number names the choice of that `index`, wherever the upstream lists it (pure functions).

Every reader of a choice follows gateway.domain.choice_numbers: the choices a page shows, the text of the choice
feedback or a decision names, the tool calls the export pairs, the choice the confidence gate measures, the
first choice of a corrected held answer. They read the choice at that position in `choices` (the pages, the issue
example, the export) or searched by index with a rule of their own (the gate).
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from gateway.domain.answer_choices import AnswerChoice, answer_choices, choice_count, choice_text
from gateway.domain.choice_numbers import (
    choice_position,
    in_number_order,
    numbered_by_index,
    numbered_choice,
    recorded_positions,
)
from gateway.domain.conversation import ToolCall
from gateway.export.tool_calls import tool_calls_of
from gateway.feedback.submission import InvalidSubmission, Submission
from gateway.review.confidence import confidence_features, scored_choice
from gateway.review.errors import ChoiceRefused
from gateway.review.held_answer import corrected_completion
from gateway.review.judged_choice import JudgedAnswers, judged_choice

CALL = {"id": "call_1", "type": "function", "function": {"name": "get_fee", "arguments": "{}"}}


def chat_choice(index: Any, content: str | None, **fields: Any) -> dict[str, Any]:
    return {"index": index, "message": {"role": "assistant", "content": content, **fields}, "finish_reason": "stop"}


# Listed as index 1, 2, 0: choice 0 ("Zero") is listed last, and its text is not the recorded answer's.
ROTATED = {
    "object": "chat.completion",
    "choices": [chat_choice(1, "One"), chat_choice(2, None, tool_calls=[CALL]), chat_choice(0, "Zero")],
}


def test_a_choice_number_is_the_index_when_the_indexes_are_0_to_n_minus_1():
    choices = ROTATED["choices"]

    assert numbered_by_index(choices)
    assert [choice_position(choices, number) for number in range(4)] == [2, 0, 1, None]
    assert [choice["index"] for choice in in_number_order(choices)] == [0, 1, 2]
    assert numbered_choice(choices, 0)["message"]["content"] == "Zero"


def test_otherwise_a_choice_number_is_the_position():
    for indexes in ([None, None], [0, 0], [1, 2], ["0", 1], [True, 0], [0.5, 1], [-1, 0], [1, 5]):
        choices = [{"index": index} if index is not None else {} for index in indexes]
        assert not numbered_by_index(choices), indexes
        assert [choice_position(choices, number) for number in range(3)] == [0, 1, None], indexes
    # A whole float is an index; a non-object is listed where it is.
    assert choice_position([{"index": 1.0}, {"index": 0}], 0) == 1
    assert choice_position(["stray", {"index": 0}], 0) == 0
    assert choice_position({"0": {}}, 0) is None
    assert choice_position([], 0) is None


def test_the_writer_records_where_each_choice_is_listed_only_when_one_is_not_at_its_number():
    rotated = ROTATED["choices"]
    listings: list[Any] = [rotated, rotated[2:] + rotated[:2], [{"index": 1}, {"index": 0}], [{"index": 1.0}, {}]]
    listings += [[{"index": 0}], [], {"0": {}}, None, ["stray", {"index": 0}], [{"index": 1}, {"index": 1}]]

    recorded = [recorded_positions(choices) for choices in listings]

    assert recorded == [[2, 0, 1], None, [1, 0], None, None, None, None, None, None, None]
    for choices, positions in zip(listings, recorded, strict=True):
        size = len(choices) if isinstance(choices, list) else 0
        by_rule = [choice_position(choices, number) for number in range(size)]
        assert (positions or list(range(size))) == by_rule, choices


def test_the_pages_show_the_choices_by_number_each_under_its_index():
    assert answer_choices(ROTATED) == (
        AnswerChoice(0, "Zero", (), "stop"),
        AnswerChoice(1, "One", (), "stop"),
        AnswerChoice(2, None, (tool_call(),), "stop"),
    )
    assert choice_count(ROTATED) == 3


def tool_call() -> ToolCall:
    return ToolCall("call_1", "get_fee", "{}")


def test_the_text_of_a_choice_is_the_text_of_the_choice_of_that_index():
    # The recorded answer's text is the first listed choice's: index 1's here.
    assert [choice_text(ROTATED, "One", number) for number in range(4)] == ["Zero", "One", None, None]
    # Listed in order, choice 0's text is the recorded one, as before.
    in_order = {"choices": [chat_choice(0, "Zero"), chat_choice(1, "One")]}
    assert choice_text(in_order, "recorded", 0) == "recorded"
    assert choice_text(None, "recorded", 0) == "recorded"


def test_the_export_pairs_the_tool_calls_of_the_choice_of_that_index():
    assert tool_calls_of(ROTATED, 2) == (CALL,)
    assert tool_calls_of(ROTATED, 1) == ()


def test_the_gate_measures_choice_0_by_the_same_rule():
    tokens = {"content": [{"token": "x", "logprob": -0.1}]}
    rotated = [{"index": 1, "logprobs": None}, {"index": 0, "logprobs": tokens}]
    assert scored_choice(rotated) is rotated[1]
    assert confidence_features({"choices": rotated}) is not None
    # Indexes that are no numbering of the choices: the first listed is choice 0, as feedback and the pages read it.
    for indexes in ([1, None], ["0", 0], [0, 0], [1, 2]):
        choices = [{"index": index, "logprobs": tokens if n == 0 else None} for n, index in enumerate(indexes)]
        assert scored_choice(choices) is choices[0], indexes


def test_a_corrected_held_answer_keeps_the_fields_of_choice_0():
    held = {
        "object": "chat.completion",
        "choices": [{**ROTATED["choices"][0], "mark": 1}, {**ROTATED["choices"][2], "mark": 0}],
    }

    corrected = orjson.loads(corrected_completion(orjson.dumps(held), "Fixed."))

    [choice] = corrected["choices"]
    assert (choice["index"], choice["mark"], choice["message"]["content"]) == (0, 0, "Fixed.")


def test_feedback_and_a_decision_may_name_choices_0_to_n_minus_1_whatever_the_listing():
    for number in range(3):
        Submission("i-1", thumbs="down", choice=number).refuse_unknown_choice(ROTATED)
        assert judged_choice(number, JudgedAnswers("t-1", 1, ROTATED)) == number
    with pytest.raises(
        InvalidSubmission, match=r"'choice' 3 names no choice of this answer: it has 3 choices \(0 to 2\)"
    ):
        Submission("i-1", thumbs="down", choice=3).refuse_unknown_choice(ROTATED)
    with pytest.raises(ChoiceRefused, match=r"it has 3 choices \(0 to 2\)"):
        judged_choice(3, JudgedAnswers("t-1", 1, ROTATED))
