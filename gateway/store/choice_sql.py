"""SQL over a stored answer's choices (`n` > 1), spelled per dialect: what the export reads of one choice, and whether
the choice the confidence gate measures carries log-probabilities (what calibration reads).

The interaction's own columns (`response_text`, `finish_reason`) are the first choice's; a later
choice is read from the stored response's `choices`, by an index another column holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class choice_finish_reason(FunctionElement[str]):  # noqa: N801 (an SQL function's name)
    """`choice_finish_reason(response, index)`: the finish reason of the response's choice at `index` (NULL: none)."""

    type = String()
    inherit_cache = True
    name = "choice_finish_reason"


def _arguments(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
    # Both functions take (response, index).
    response, index = list(element.clauses)
    return compiler.process(response, **kw), compiler.process(index, **kw)


@compiles(choice_finish_reason)
def _sqlite(element: choice_finish_reason, compiler: SQLCompiler, **kw: Any) -> str:
    response, index = _arguments(element, compiler, **kw)
    return f"json_extract({response}, '$.choices[' || {index} || '].finish_reason')"


@compiles(choice_finish_reason, "postgresql")
def _postgresql(element: choice_finish_reason, compiler: SQLCompiler, **kw: Any) -> str:
    response, index = _arguments(element, compiler, **kw)
    # A path element that is a whole number indexes a JSON array.
    return f"jsonb_extract_path_text({response}, 'choices', CAST({index} AS TEXT), 'finish_reason')"


class choice_has_token_logprobs(FunctionElement[bool]):  # noqa: N801 (an SQL function's name)
    """`choice_has_token_logprobs(response, index)`: whether the response's choice whose `index` is `index` carries
    its token log-probabilities (`logprobs.content` or `logprobs.refusal` a JSON array).

    The choice is picked as gateway.review.confidence.scored_choice picks it, the gate's rule: the first listed
    object of `choices` whose `index` is a number equal to `index` (a choice without `index` counts as index 0),
    wherever the upstream lists it; false when there is none.
    """

    type = Boolean()
    inherit_cache = True
    name = "choice_has_token_logprobs"


@compiles(choice_has_token_logprobs)
def _sqlite_token_logprobs(element: choice_has_token_logprobs, compiler: SQLCompiler, **kw: Any) -> str:
    response, index = _arguments(element, compiler, **kw)

    def is_scored(document: str, path: str, object_test: str) -> str:
        # json_type tells a missing `index` (NULL) from a JSON null, and a number from true (json_extract's 1).
        kind = f"json_type({document}, '{path}.index')"
        return (
            f"CASE WHEN NOT ({object_test}) THEN 0 WHEN {kind} IS NULL THEN {index} = 0 "
            f"WHEN {kind} IN ('integer', 'real') THEN json_extract({document}, '{path}.index') = {index} ELSE 0 END"
        )

    def has_tokens(document: str, path: str) -> str:
        kinds = (f"json_type({document}, '{path}.logprobs.{key}')" for key in ("content", "refusal"))
        return "(" + " OR ".join(f"{kind} = 'array'" for kind in kinds) + ")"

    first = "$.choices[0]"
    # The usual listing (the scored choice listed first) is read in place; any other is searched in listed order
    # (json_each's key is the position in the array), which costs more.
    first_is_scored = is_scored(response, first, f"json_type({response}, '{first}') = 'object'")
    # A string element's value is bare text, no JSON: its type is told by json_each, never parsed.
    element_is_scored = is_scored("c.value", "$", "c.type = 'object'")
    return (
        f"CASE WHEN {first_is_scored} THEN {has_tokens(response, first)} "
        "ELSE EXISTS (SELECT 1 FROM (SELECT c.value AS value FROM json_each("
        f"CASE json_type({response}, '$.choices') WHEN 'array' THEN json_extract({response}, '$.choices') "
        f"ELSE '[]' END) AS c WHERE {element_is_scored} ORDER BY c.key LIMIT 1) AS scored "
        f"WHERE {has_tokens('scored.value', '$')}) END"
    )


@compiles(choice_has_token_logprobs, "postgresql")
def _postgresql_token_logprobs(element: choice_has_token_logprobs, compiler: SQLCompiler, **kw: Any) -> str:
    response, index = _arguments(element, compiler, **kw)

    def is_scored(choice: str) -> str:
        # `->` gives SQL NULL for a missing key (or a non-object), a JSON null for a null one.
        return (
            f"jsonb_typeof({choice}) = 'object' AND CASE WHEN {choice} -> 'index' IS NULL "
            f"THEN CAST({index} AS INTEGER) = 0 WHEN jsonb_typeof({choice} -> 'index') = 'number' "
            f"THEN CAST({choice} ->> 'index' AS NUMERIC) = CAST({index} AS INTEGER) ELSE false END"
        )

    def has_tokens(choice: str) -> str:
        kinds = (f"jsonb_typeof({choice} -> 'logprobs' -> '{key}')" for key in ("content", "refusal"))
        return "(" + " OR ".join(f"{kind} = 'array'" for kind in kinds) + ")"

    # `choices` is read out of the stored document once (OFFSET 0 keeps the planner from inlining it again at every
    # use, each a decompression of the document); the usual listing, the scored choice first, is read in place, any
    # other searched in listed order (ORDINALITY is the position in the array).
    return (
        "(SELECT CASE WHEN "
        f"{is_scored('(read.choices -> 0)')} THEN {has_tokens('(read.choices -> 0)')} "
        "ELSE EXISTS (SELECT 1 FROM (SELECT c.value AS value FROM jsonb_array_elements("
        "CASE jsonb_typeof(read.choices) WHEN 'array' THEN read.choices ELSE '[]'::jsonb END) "
        f"WITH ORDINALITY AS c(value, n) WHERE {is_scored('c.value')} ORDER BY c.n LIMIT 1) AS scored "
        f"WHERE {has_tokens('scored.value')}) END "
        f"FROM (SELECT {response} -> 'choices' AS choices OFFSET 0) AS read)"
    )
