"""Lower-casing text in SQL alike on both databases, for case-insensitive searches.

SQLite's built-in lower() folds ASCII letters only ("Überweisung" stays as it is), while
PostgreSQL's follows the database's locale, and Python's str.lower() (the search's own side)
folds every script. On SQLite the engine registers a function doing what str.lower() does
(gateway.store.engine), and `lowered` calls it there.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Text
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

# The SQLite function registered on every connection: str.lower over the text.
SQLITE_LOWER = "feedgate_lower"


class lowered(FunctionElement[str]):  # noqa: N801 - used like func.lower
    """The text of a column lower-cased as Python's str.lower does (on SQLite through SQLITE_LOWER)."""

    type = Text()
    inherit_cache = True
    name = "lower"


@compiles(lowered)
def _lower(element: lowered, compiler: Any, **kw: Any) -> str:
    return f"lower({compiler.process(element.clauses, **kw)})"


@compiles(lowered, "sqlite")
def _sqlite_lower(element: lowered, compiler: Any, **kw: Any) -> str:
    return f"{SQLITE_LOWER}({compiler.process(element.clauses, **kw)})"


def python_lower(text: Any) -> Any:
    """SQLITE_LOWER's body: str.lower for text, anything else (NULL) as it is."""
    return text.lower() if isinstance(text, str) else text
