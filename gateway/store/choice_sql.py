"""SQL over a stored answer's choices (`n` > 1), spelled per dialect: what the export reads of one choice.

The interaction's own columns (`response_text`, `finish_reason`) are the first choice's; a later
choice is read from the stored response's `choices`, by an index another column holds.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class choice_finish_reason(FunctionElement[str]):  # noqa: N801 (an SQL function's name)
    """`choice_finish_reason(response, index)`: the finish reason of the response's choice at `index` (NULL: none)."""

    type = String()
    inherit_cache = True
    name = "choice_finish_reason"


def _arguments(element: choice_finish_reason, compiler: SQLCompiler, **kw: Any) -> tuple[str, str]:
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
