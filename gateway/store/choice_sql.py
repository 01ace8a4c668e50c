"""SQL over a stored answer's choices (`n` > 1), spelled per dialect: where a choice number's choice is listed, what
the export reads of that choice, whether it carries log-probabilities (what calibration reads), and whether it is the
one the interaction's columns hold (`in_recorded_columns`: the export and clustering read those columns for it).

A choice number names a choice by gateway.domain.choice_numbers' rule (its `index`, when the indexes number the
choices 0 to n-1; else its position); `choice_position` is that rule in SQL, and the other functions read the
choice it finds. tests/domain/test_choice_numbers_sql.py holds them to the Python readers on both databases.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Integer, String, case, func
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


def _arguments(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    # Every function here takes (response, number).
    response, number = list(element.clauses)
    return compiler.process(response, **kw), compiler.process(number, **kw)


def _sqlite_whole_index(index_type: str, index_value: str) -> str:
    # A whole number (0 and 0.0 alike), else NULL; json_type tells a number from true (json_extract's 1).
    return (
        f"CASE WHEN {index_type} IN ('integer', 'real') THEN CASE WHEN {index_value} = CAST({index_value} AS INTEGER) "
        f"THEN {index_value} END END"
    )


def _sqlite_position(response: str, number: str) -> str:
    listed = f"'$.choices[' || {number} || ']'"
    at_number = _sqlite_whole_index(
        f"json_type({response}, {listed} || '.index')", f"json_extract({response}, {listed} || '.index')"
    )
    # A string element's value is bare text, no JSON: only an object's is parsed.
    element = (
        "CASE WHEN c.type = 'object' THEN "
        + _sqlite_whole_index("json_type(c.value, '$.index')", "json_extract(c.value, '$.index')")
        + " END"
    )
    count = f"json_array_length({response}, '$.choices')"
    each = f"json_each({response}, '$.choices') AS c"
    by_index = (
        f"(SELECT count(s.i) = {count} AND count(DISTINCT s.i) = {count} AND min(s.i) >= 0 AND max(s.i) < {count} "
        f"FROM (SELECT {element} AS i FROM {each}) AS s)"
    )
    # The usual listing (choice k listed k-th, its index k) is read in place; any other costs a pass over `choices`.
    return (
        f"(CASE WHEN json_type({response}, '$.choices') IS NOT 'array' OR {number} < 0 OR {number} >= {count} "
        f"THEN NULL WHEN {at_number} = {number} THEN {number} "
        f"WHEN {by_index} THEN (SELECT c.key FROM {each} WHERE {element} = {number} LIMIT 1) "
        f"ELSE {number} END)"
    )


def _postgresql_whole_index(choice: str) -> str:
    # `->` gives SQL NULL for a missing key or a non-object, never an error.
    value = f"CAST({choice} ->> 'index' AS NUMERIC)"
    return (
        f"CASE WHEN jsonb_typeof({choice}) = 'object' AND jsonb_typeof({choice} -> 'index') = 'number' "
        f"THEN CASE WHEN {value} = trunc({value}) THEN {value} END END"
    )


def _postgresql_position(choices: str, number: str) -> str:
    count = f"jsonb_array_length({choices})"
    # Only an array is spread (jsonb_array_elements fails on anything else).
    spread = f"jsonb_array_elements(CASE jsonb_typeof({choices}) WHEN 'array' THEN {choices} ELSE '[]'::jsonb END)"
    by_index = (
        "(SELECT count(s.i) = count(*) AND count(DISTINCT s.i) = count(*) AND min(s.i) >= 0 AND max(s.i) < count(*) "
        f"FROM (SELECT {_postgresql_whole_index('c.value')} AS i FROM {spread} AS c(value)) AS s)"
    )
    found = (
        f"(SELECT CAST(c.n - 1 AS INTEGER) FROM {spread} WITH ORDINALITY AS c(value, n) "
        f"WHERE {_postgresql_whole_index('c.value')} = {number} LIMIT 1)"
    )
    return (
        f"CASE WHEN jsonb_typeof({choices}) IS DISTINCT FROM 'array' OR {number} < 0 OR {number} >= {count} THEN NULL "
        f"WHEN {_postgresql_whole_index(f'({choices} -> {number})')} = {number} THEN {number} "
        f"WHEN {by_index} THEN {found} ELSE {number} END"
    )


def _postgresql_at_position(response: str, number: str, read: str) -> str:
    # `choices` is read out of the stored document once (OFFSET 0 keeps the planner from inlining it again at every
    # use, each a decompression of the document), and the choice's position once; `read` uses both.
    k = f"CAST({number} AS INTEGER)"
    return (
        f"(SELECT {read} FROM (SELECT {response} -> 'choices' AS choices OFFSET 0) AS read, "
        f"LATERAL (SELECT {_postgresql_position('read.choices', k)} AS position OFFSET 0) AS at)"
    )


class choice_position(FunctionElement[int]):  # noqa: N801 (an SQL function's name)
    """`choice_position(response, number)`: where in the response's `choices` choice `number` is listed (0 the first),
    by gateway.domain.choice_numbers.choice_position's rule; NULL when the answer has no such choice."""

    type = Integer()
    inherit_cache = True
    name = "choice_position"


@compiles(choice_position)
def _sqlite_choice_position(element: choice_position, compiler: SQLCompiler, **kw: Any) -> str:
    return _sqlite_position(*_arguments(element, compiler, **kw))


@compiles(choice_position, "postgresql")
def _postgresql_choice_position(element: choice_position, compiler: SQLCompiler, **kw: Any) -> str:
    response, number = _arguments(element, compiler, **kw)
    return _postgresql_at_position(response, number, "at.position")


class choice_finish_reason(FunctionElement[str]):  # noqa: N801 (an SQL function's name)
    """`choice_finish_reason(response, number)`: the finish reason of the response's choice `number` (NULL: none)."""

    type = String()
    inherit_cache = True
    name = "choice_finish_reason"


@compiles(choice_finish_reason)
def _sqlite_finish_reason(element: choice_finish_reason, compiler: SQLCompiler, **kw: Any) -> str:
    response, number = _arguments(element, compiler, **kw)
    return f"json_extract({response}, '$.choices[' || {_sqlite_position(response, number)} || '].finish_reason')"


@compiles(choice_finish_reason, "postgresql")
def _postgresql_finish_reason(element: choice_finish_reason, compiler: SQLCompiler, **kw: Any) -> str:
    response, number = _arguments(element, compiler, **kw)
    return _postgresql_at_position(response, number, "read.choices -> at.position ->> 'finish_reason'")


class choice_has_token_logprobs(FunctionElement[bool]):  # noqa: N801 (an SQL function's name)
    """`choice_has_token_logprobs(response, number)`: whether the response's choice `number` carries token
    log-probabilities: `logprobs.content` or `logprobs.refusal` a JSON array of at least one entry, as
    gateway.review.confidence.answer_token_logprobs reads them (an empty list is none); false when there is no such
    choice. Calibration asks it of choice 0, the choice the gate measures (gateway.review.confidence.scored_choice).
    """

    type = Boolean()
    inherit_cache = True
    name = "choice_has_token_logprobs"


@compiles(choice_has_token_logprobs)
def _sqlite_token_logprobs(element: choice_has_token_logprobs, compiler: SQLCompiler, **kw: Any) -> str:
    response, number = _arguments(element, compiler, **kw)
    listed = f"'$.choices[' || {_sqlite_position(response, number)} || ']'"
    # A first entry is there only in an array of at least one (an object's keys are no array index).
    firsts = (f"json_type({response}, {listed} || '.logprobs.{key}[0]') IS NOT NULL" for key in ("content", "refusal"))
    return "COALESCE(" + " OR ".join(firsts) + ", 0)"


@compiles(choice_has_token_logprobs, "postgresql")
def _postgresql_token_logprobs(element: choice_has_token_logprobs, compiler: SQLCompiler, **kw: Any) -> str:
    response, number = _arguments(element, compiler, **kw)

    def has_first(key: str) -> str:
        # `-> 0` is an array's first entry (a JSON null counts), SQL NULL for an empty one; a scalar's is itself.
        tokens = f"read.choices -> at.position -> 'logprobs' -> '{key}'"
        return f"(jsonb_typeof({tokens}) = 'array' AND {tokens} -> 0 IS NOT NULL)"

    firsts = (has_first(key) for key in ("content", "refusal"))
    return _postgresql_at_position(response, number, "COALESCE(" + " OR ".join(firsts) + ", false)")


def in_recorded_columns(response: ColumnElement[Any], number: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether the response's choice `number` is the one the interaction's columns (`response_text`, `finish_reason`)
    hold: the first listed, or choice 0 of an answer that lists no choices (as
    gateway.domain.answer_choices.choice_text reads them); false when the answer has no such choice."""
    # One reading of the position: an answer without that choice is 0 only for choice 0 of one that lists none.
    return func.coalesce(choice_position(response, number), case((number == 0, 0), else_=-1)) == 0
