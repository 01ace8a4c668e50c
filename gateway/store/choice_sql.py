"""SQL over a stored answer's choices (`n` > 1), spelled per dialect: where a choice number's choice is listed, what
the export reads of that choice, whether it carries log-probabilities (what calibration reads), and whether it is the
one the interaction's columns hold (`in_recorded_columns`: the export and clustering read those columns for it).

A choice number names a choice by gateway.domain.choice_numbers' rule (its `index`, when the indexes number the
choices 0 to n-1; else its position). The SQL does not work the rule out again for each row: the writer records
where the choices are listed when some choice is not at its number (`interactions.choice_positions`,
gateway.domain.choice_numbers.recorded_positions; revision 0044 recorded it for the answers stored before), and a
choice is otherwise listed at its number. Every function here is then a few JSON look-ups, no pass over `choices`:
the rule worked out in SQL took an aggregate over `choices` per row, which sorted in every export chunk's plan on
SQLite, and which PostgreSQL's planner costed so high that each chunk of end users' corrections read every review
decision (tests/export/test_export_chunk_plans.py). tests/domain/test_choice_numbers_sql.py holds each function to the
Python reader it stands for on both databases.

Each function takes the columns of `interactions` (or of an alias of it) and a choice number.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Integer, String, func, or_
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from gateway.domain.blank_text import BLANK_CODE_POINTS

# The columns of `interactions` (a table's or an alias's `.c`).
Answers = Any


def _arguments(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> tuple[str, str, str]:
    # Every function here takes (response, choice_positions, number).
    response, positions, number = (compiler.process(clause, **kw) for clause in element.clauses)
    return response, positions, number


def _sqlite_listed_at(positions: str, number: str) -> str:
    # Where choice `number` is listed if the answer has it (else past its choices, or NULL): a JSON array's item
    # past its end is NULL, and a negative number names no choice.
    return (
        f"(CASE WHEN {number} < 0 THEN NULL WHEN {positions} IS NULL THEN {number} "
        f"ELSE json_extract({positions}, '$[' || {number} || ']') END)"
    )


def _postgresql_listed_at(positions: str, number: str) -> str:
    # As _sqlite_listed_at; jsonb's `-> -1` would be the last item, hence the test of the sign.
    k = f"CAST({number} AS INTEGER)"
    return (
        f"(CASE WHEN {k} < 0 THEN NULL WHEN {positions} IS NULL THEN {k} ELSE CAST({positions} ->> {k} AS INTEGER) END)"
    )


class _choice_position(FunctionElement[Any]):  # noqa: N801 (an SQL function's name)
    type = Integer()
    inherit_cache = True
    name = "choice_position"


class _choice_finish_reason(FunctionElement[Any]):  # noqa: N801 (an SQL function's name)
    type = String()
    inherit_cache = True
    name = "choice_finish_reason"


class _choice_has_token_logprobs(FunctionElement[Any]):  # noqa: N801 (an SQL function's name)
    type = Boolean()
    inherit_cache = True
    name = "choice_has_token_logprobs"


def choice_position(answers: Answers, number: ColumnElement[int]) -> ColumnElement[int]:
    """Where in the response's `choices` choice `number` is listed (0 the first), by
    gateway.domain.choice_numbers.choice_position's rule; NULL when the answer has no such choice."""
    return _choice_position(answers.response, answers.choice_positions, number)


@compiles(_choice_position)
def _sqlite_choice_position(element: _choice_position, compiler: SQLCompiler, **kw: Any) -> str:
    response, positions, number = _arguments(element, compiler, **kw)
    listed = _sqlite_listed_at(positions, number)
    # A recorded position is always of a listed choice; else the answer has choice `number` if it lists that many.
    return (
        f"(CASE WHEN {positions} IS NOT NULL OR json_type({response}, '$.choices[' || {listed} || ']') IS NOT NULL "
        f"THEN {listed} END)"
    )


@compiles(_choice_position, "postgresql")
def _postgresql_choice_position(element: _choice_position, compiler: SQLCompiler, **kw: Any) -> str:
    response, positions, number = _arguments(element, compiler, **kw)
    listed = _postgresql_listed_at(positions, number)
    # `-> k` is NULL past an array's end, and for anything but an array.
    return f"(CASE WHEN {positions} IS NOT NULL OR {response} -> 'choices' -> {listed} IS NOT NULL THEN {listed} END)"


def has_choice(answers: Answers, number: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether the answer has choice `number`, as gateway.domain.answer_choices.choice_text reads it: 0 always (an
    answer listing no choices is its recorded text), any other where it is listed. Choice 0 is told first, with no
    JSON read: nearly every label names it."""
    return or_(number == 0, choice_position(answers, number).is_not(None))


def choice_finish_reason(answers: Answers, number: ColumnElement[int]) -> ColumnElement[str]:
    """The finish reason of the response's choice `number` (NULL: none, or no such choice)."""
    return _choice_finish_reason(answers.response, answers.choice_positions, number)


@compiles(_choice_finish_reason)
def _sqlite_finish_reason(element: _choice_finish_reason, compiler: SQLCompiler, **kw: Any) -> str:
    response, positions, number = _arguments(element, compiler, **kw)
    return f"json_extract({response}, '$.choices[' || {_sqlite_listed_at(positions, number)} || '].finish_reason')"


@compiles(_choice_finish_reason, "postgresql")
def _postgresql_finish_reason(element: _choice_finish_reason, compiler: SQLCompiler, **kw: Any) -> str:
    response, positions, number = _arguments(element, compiler, **kw)
    return f"({response} -> 'choices' -> {_postgresql_listed_at(positions, number)} ->> 'finish_reason')"


def choice_has_token_logprobs(answers: Answers, number: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether the response's choice `number` carries token log-probabilities: `logprobs.content` or
    `logprobs.refusal` a JSON array of at least one entry, as gateway.review.confidence.answer_token_logprobs reads
    them (an empty list is none); false when there is no such choice. Calibration asks it of choice 0, the choice the
    gate measures (gateway.review.confidence.scored_choice)."""
    return _choice_has_token_logprobs(answers.response, answers.choice_positions, number)


@compiles(_choice_has_token_logprobs)
def _sqlite_token_logprobs(element: _choice_has_token_logprobs, compiler: SQLCompiler, **kw: Any) -> str:
    response, positions, number = _arguments(element, compiler, **kw)
    listed = f"'$.choices[' || {_sqlite_listed_at(positions, number)} || ']'"
    # A first entry is there only in an array of at least one (an object's keys are no array index).
    firsts = (f"json_type({response}, {listed} || '.logprobs.{key}[0]') IS NOT NULL" for key in ("content", "refusal"))
    return "COALESCE(" + " OR ".join(firsts) + ", 0)"


@compiles(_choice_has_token_logprobs, "postgresql")
def _postgresql_token_logprobs(element: _choice_has_token_logprobs, compiler: SQLCompiler, **kw: Any) -> str:
    response, positions, number = _arguments(element, compiler, **kw)

    def has_first(key: str) -> str:
        # `-> 0` is an array's first entry (a JSON null counts), SQL NULL for an empty one; a scalar's is itself.
        tokens = f"read.choice -> 'logprobs' -> '{key}'"
        return f"(jsonb_typeof({tokens}) = 'array' AND {tokens} -> 0 IS NOT NULL)"

    firsts = " OR ".join(has_first(key) for key in ("content", "refusal"))
    # The choice is read out of the stored document once (OFFSET 0 keeps the planner from inlining it again at every
    # use, each a decompression of the document).
    choice = f"{response} -> 'choices' -> {_postgresql_listed_at(positions, number)}"
    return f"(SELECT COALESCE({firsts}, false) FROM (SELECT {choice} AS choice OFFSET 0) AS read)"


class _listed_at(FunctionElement[Any]):  # noqa: N801 (an SQL function's name)
    type = Integer()
    inherit_cache = True
    name = "listed_at"


@compiles(_listed_at)
def _sqlite_listed_at_function(element: _listed_at, compiler: SQLCompiler, **kw: Any) -> str:
    positions, number = (compiler.process(clause, **kw) for clause in element.clauses)
    return _sqlite_listed_at(positions, number)


@compiles(_listed_at, "postgresql")
def _postgresql_listed_at_function(element: _listed_at, compiler: SQLCompiler, **kw: Any) -> str:
    positions, number = (compiler.process(clause, **kw) for clause in element.clauses)
    return _postgresql_listed_at(positions, number)


def in_recorded_columns(answers: Answers, number: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether the response's choice `number` is the one the interaction's columns (`response_text`, `finish_reason`)
    hold: the first listed, or choice 0 of an answer that lists no choices (as
    gateway.domain.answer_choices.choice_text reads them); false when the answer has no such choice."""
    # Read without the stored answer: unrecorded, choice k is listed k-th (choice 0 first, or the answer lists none,
    # and its columns are empty); recorded, every choice is listed, and its position says whether first.
    return func.coalesce(_listed_at(answers.choice_positions, number), -1) == 0


# The characters a text that says nothing is made of, as the SQL trims them: gateway.domain.blank_text's, the ones
# the export's Python finds blank (SQLite's char() takes code points; PostgreSQL's E'' string takes \\u escapes).
_SQLITE_BLANKS = f"char({', '.join(map(str, BLANK_CODE_POINTS))})"
_POSTGRESQL_BLANKS = "E'" + "".join(f"\\u{point:04x}" for point in BLANK_CODE_POINTS) + "'"


class _not_blank(FunctionElement[Any]):  # noqa: N801 (an SQL function's name)
    type = Boolean()
    inherit_cache = True
    name = "not_blank"


@compiles(_not_blank)
def _sqlite_not_blank(element: _not_blank, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"COALESCE(trim({text}, {_SQLITE_BLANKS}) <> '', 0)"


@compiles(_not_blank, "postgresql")
def _postgresql_not_blank(element: _not_blank, compiler: SQLCompiler, **kw: Any) -> str:
    (text,) = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"COALESCE(btrim({text}, {_POSTGRESQL_BLANKS}) <> '', false)"


def not_blank(text: ColumnElement[str]) -> ColumnElement[bool]:
    """Whether `text` says something: more than gateway.domain.blank_text's blank characters (false for NULL)."""
    return _not_blank(text)


class _choice_said_or_called(FunctionElement[Any]):  # noqa: N801 (an SQL function's name)
    type = Boolean()
    inherit_cache = True
    name = "choice_said_or_called"


def choice_said_or_called(answers: Answers, number: ColumnElement[int]) -> ColumnElement[bool]:
    """Whether the message of the response's choice `number` said something (a `content` of more than
    gateway.domain.blank_text's blank characters, or a list of content parts) or called something (a non-empty `tool_calls`, or the older `functions`' `function_call`
    object), whatever its finish reason says; false when there is no such choice. The calls' shapes are not read
    here: gateway.export.examples reads them (and the text of content parts), and an answer it finds nothing in makes
    no example."""
    return _choice_said_or_called(answers.response, answers.choice_positions, number)


@compiles(_choice_said_or_called)
def _sqlite_said_or_called(element: _choice_said_or_called, compiler: SQLCompiler, **kw: Any) -> str:
    response, positions, number = _arguments(element, compiler, **kw)
    message = f"'$.choices[' || {_sqlite_listed_at(positions, number)} || '].message'"

    def at(key: str) -> str:
        return f"{message} || '.{key}'"

    said = (
        f"(json_type({response}, {at('content')}) = 'text'"
        f" AND trim(json_extract({response}, {at('content')}), {_SQLITE_BLANKS}) <> '')"
        f" OR json_type({response}, {at('content')}) = 'array'"
    )
    called = (
        f"(json_type({response}, {at('tool_calls')}) = 'array' AND json_array_length({response}, {at('tool_calls')}) > 0)"
        f" OR json_type({response}, {at('function_call')}) = 'object'"
    )
    return f"COALESCE({said} OR {called}, 0)"


@compiles(_choice_said_or_called, "postgresql")
def _postgresql_said_or_called(element: _choice_said_or_called, compiler: SQLCompiler, **kw: Any) -> str:
    response, positions, number = _arguments(element, compiler, **kw)
    said = (
        f"(jsonb_typeof(m -> 'content') = 'string' AND btrim(m ->> 'content', {_POSTGRESQL_BLANKS}) <> '')"
        " OR jsonb_typeof(m -> 'content') = 'array'"
    )
    called = (
        "(jsonb_typeof(m -> 'tool_calls') = 'array' AND jsonb_array_length(m -> 'tool_calls') > 0)"
        " OR jsonb_typeof(m -> 'function_call') = 'object'"
    )
    # The message is read out of the stored document once (OFFSET 0, as in _postgresql_token_logprobs).
    message = f"{response} -> 'choices' -> {_postgresql_listed_at(positions, number)} -> 'message'"
    return f"(SELECT COALESCE({said} OR {called}, false) FROM (SELECT {message} AS m OFFSET 0) AS read)"
