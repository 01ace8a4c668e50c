"""The SQL twin of the choice-number rule picks the choice the Python rule picks, for every listing (both databases).

gateway.store.choice_sql reads a choice in SQL where the export and calibration filter rows: where the choice is
listed, its finish reason, whether it carries token log-probabilities, and whether it is the recorded one (the one
the interaction's columns hold). It reads where the choices are listed from what the writer records of each answer
(interactions.choice_positions), so the answers here are stored through the store, as every writer stores them. Each is held here to the Python reader
it stands for (gateway.domain.choice_numbers, gateway.review.confidence). An empty `logprobs.content` list carried
log-probabilities for the SQL (calibration counted the answer as measurable) and none for the gate.
"""

from __future__ import annotations

from typing import Any

from interaction_rows import interaction_row
from sqlalchemy import Integer, literal, select

from gateway.domain.answer_choices import choice_text
from gateway.domain.blank_text import BLANK_CHARACTERS, says_nothing
from gateway.domain.choice_numbers import choice_position, numbered_choice
from gateway.export.tool_calls import choice_message, function_call_of, tool_calls_of
from gateway.recording.reassembly import content_text
from gateway.review.confidence import answer_token_logprobs
from gateway.store.choice_sql import (
    choice_finish_reason,
    choice_has_token_logprobs,
    choice_said_or_called,
    in_recorded_columns,
    not_blank,
)
from gateway.store.choice_sql import choice_position as choice_position_sql
from gateway.store.interactions import InteractionStore
from gateway.store.tables import interactions

TOKENS = [{"token": "x", "logprob": -0.1}]


def choice(index: Any = None, reason: str = "stop", content: Any = TOKENS, refusal: Any = None) -> dict[str, Any]:
    made: dict[str, Any] = {"finish_reason": reason, "logprobs": {"content": content, "refusal": refusal}}
    return made if index is None else {"index": index, **made}


# `choices` as upstreams (and odd ones) list them.
SHAPES: dict[str, Any] = {
    "in order": [choice(0), choice(1, "length", None)],
    "reversed": [choice(1, "length"), choice(0, "stop", None)],
    "rotated": [choice(1, "a"), choice(2, "b"), choice(0, "c", [])],
    "no indexes": [choice(None, "a"), choice(None, "b", None)],
    "one index missing": [choice(1, "a"), choice(None, "b")],
    "an index twice": [choice(0, "a", None), choice(0, "b")],
    "an index past n-1": [choice(1, "a", None), choice(2, "b")],
    "a negative index": [choice(-1, "a", None), choice(0, "b")],
    "whole floats": [choice(1.0, "a", None), choice(0.0, "b")],
    "a fraction": [choice(0.5, "a", None), choice(0, "b")],
    "a string index": [choice("1", "a", None), choice(0, "b")],
    "true as an index": [choice(True, "a", None), choice(0, "b")],
    "a null index": [choice(1, "a", None), {"index": None, "finish_reason": "b"}],
    "not an object first": ["stray", choice(0, "b")],
    "a number first": [7, choice(0, "b")],
    "an empty content list": [choice(0, "stop", [])],
    "empty content, tokens in the refusal": [choice(0, "stop", [], TOKENS)],
    "empty content and refusal": [choice(0, "stop", [], [])],
    "a refusal's tokens": [choice(0, "stop", None, TOKENS)],
    "logprobs null": [{"index": 0, "logprobs": None}],
    "no choices": [],
    "choices not a list": {"0": choice(0)},
}
NUMBERS = range(4)


async def read_in_sql(engine, column, shapes: dict[str, Any] = SHAPES) -> dict[tuple[str, int], Any]:
    """`column(interactions, number)` for each shape's answer, stored as the writer stores it, and each number."""
    rows = [interaction_row(question="Hi", answer="x") for _ in shapes]
    for row, choices in zip(rows, shapes.values(), strict=True):
        row["response"] = {"object": "chat.completion", "choices": choices}
    await InteractionStore(engine).insert_many(rows)
    names = {row["id"]: name for row, name in zip(rows, shapes, strict=True)}
    i = interactions.c
    found = {}
    async with engine.connect() as connection:
        for number in NUMBERS:
            query = select(i.id, column(i, literal(number, Integer))).where(i.id.in_(list(names)))
            for interaction_id, value in await connection.execute(query):
                found[(names[interaction_id], number)] = value
    return found


def in_python(read, shapes: dict[str, Any] = SHAPES) -> dict[tuple[str, int], Any]:
    return {(name, number): read(choices, number) for name, choices in shapes.items() for number in NUMBERS}


async def test_the_sql_lists_each_choice_where_the_rule_does(engine):
    by_sql = await read_in_sql(engine, choice_position_sql)

    assert by_sql == in_python(choice_position)
    assert by_sql[("rotated", 0)] == 2 and by_sql[("one index missing", 0)] == 0


async def test_the_sql_reads_the_finish_reason_of_the_choice_the_rule_names(engine):
    def finish_reason(choices: Any, number: int) -> Any:
        found = numbered_choice(choices, number)
        return found.get("finish_reason") if isinstance(found, dict) else None

    assert await read_in_sql(engine, choice_finish_reason) == in_python(finish_reason)


async def test_the_sql_says_a_choice_carries_log_probabilities_when_the_gate_measures_some(engine):
    def measurable(choices: Any, number: int) -> bool:
        # What the gate measures of choice 0 (the only choice it measures), read for any number by the same rule.
        found = numbered_choice(choices, number)
        return isinstance(found, dict) and answer_token_logprobs({"choices": [{**found, "index": 0}]}) is not None

    by_sql = {key: bool(value) for key, value in (await read_in_sql(engine, choice_has_token_logprobs)).items()}

    assert by_sql == in_python(measurable)
    assert not by_sql[("an empty content list", 0)] and by_sql[("empty content, tokens in the refusal", 0)]


async def test_the_sql_says_a_choice_is_the_recorded_one_where_choice_text_reads_the_recorded_text(engine):
    recorded = object()  # stands for the interaction's response_text

    def is_recorded(choices: Any, number: int) -> bool:
        return choice_text({"choices": choices}, recorded, number) is recorded  # type: ignore[arg-type]

    by_sql = {key: bool(value) for key, value in (await read_in_sql(engine, in_recorded_columns)).items()}

    assert by_sql == in_python(is_recorded)
    assert not by_sql[("reversed", 0)] and by_sql[("reversed", 1)] and by_sql[("no choices", 0)]


CALL = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}


def said(index: int, **message: Any) -> dict[str, Any]:
    """A choice numbered `index` whose message is `message`, finishing "stop" whatever it holds."""
    return {"index": index, "finish_reason": "stop", "message": {"role": "assistant", **message}}


# Messages as servers answer: text, a tool call finishing "stop" (vLLM, Ollama), the older function call, nothing.
MESSAGES: dict[str, Any] = {
    "text, then a tool call": [said(0, content="Hi"), said(1, content=None, tool_calls=[CALL])],
    "listed reversed": [said(1, content="", tool_calls=[CALL]), said(0, content=None)],
    "a function call, then blank text": [
        said(0, function_call={"name": "f", "arguments": "{}"}),
        said(1, content=" \n"),
    ],
    "content parts, then an empty call list": [
        said(0, content=[{"type": "text", "text": "Hi"}]),
        said(1, content=None, tool_calls=[]),
    ],
    "no message": [{"index": 0, "finish_reason": "tool_calls"}],
    "Unicode blanks, then text between them": [
        said(0, content="\u00a0\u2003\u3000\u200b\ufeff\u2028"),
        said(1, content="\u200bHi\u00a0"),
    ],
    "no choices": [],
}


async def test_the_sql_says_a_choice_said_or_called_something_where_the_export_finds_it_did(engine):
    def said_or_called(choices: Any, number: int) -> bool:
        # What gateway.export.examples prefers of an approved choice: its non-blank text, its tool or function call.
        response = {"choices": choices}
        text = content_text(choice_message(response, number).get("content"))
        called = tool_calls_of(response, number) or function_call_of(response, number) is not None
        return not says_nothing(text) or bool(called)

    by_sql = {key: bool(value) for key, value in (await read_in_sql(engine, choice_said_or_called, MESSAGES)).items()}

    assert by_sql == in_python(said_or_called, MESSAGES)
    assert by_sql[("listed reversed", 1)] and not by_sql[("listed reversed", 0)]
    assert by_sql[("Unicode blanks, then text between them", 1)]
    assert not by_sql[("Unicode blanks, then text between them", 0)]


async def test_the_sql_finds_a_text_blank_where_the_python_rule_does(engine):
    texts = ["", " \t\n", BLANK_CHARACTERS, "\u00a0", "\u200b", "a", "\u3000a\u200b", "\u00e9", "\u2003\u00e9"]
    rows = [interaction_row(question="Hi", answer="x", response_text=text) for text in texts]
    await InteractionStore(engine).insert_many(rows)
    i = interactions.c
    async with engine.connect() as connection:
        found = dict((await connection.execute(select(i.response_text, not_blank(i.response_text)))).all())

    assert {text: bool(value) for text, value in found.items()} == {text: not says_nothing(text) for text in texts}
