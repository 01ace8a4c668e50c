"""Building typed records from store rows."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

R = TypeVar("R")


def from_columns(record_type: type[R], row: dict[str, Any], **computed: Any) -> R:
    """A `record_type` whose fields are `row`'s columns of the same names, but for those `computed` from it.

    A column the row leaves out is None, as it would be stored (rows built for inserts omit NULLs).
    """
    names = (field.name for field in fields(record_type))  # type: ignore[arg-type]  # R is always a dataclass
    return record_type(**{name: row.get(name) for name in names if name not in computed}, **computed)
