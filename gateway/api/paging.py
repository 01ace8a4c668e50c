"""Query parameters and paging shared by the admin listings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from litestar.exceptions import ValidationException
from litestar.params import Parameter

from gateway.api.serialize import utc

Since = Annotated[datetime | None, Parameter(description="ISO 8601; inclusive")]
Until = Annotated[datetime | None, Parameter(description="ISO 8601; exclusive")]
Limit = Annotated[int, Parameter(ge=1, le=1000, description="page size, 1 to 1000")]
Cursor = Annotated[str | None, Parameter(description="next_cursor of the previous page")]


def utc_param(value: datetime | None, name: str) -> datetime | None:
    """A timestamp parameter as aware UTC, refusing one that UTC cannot represent (year 1 at +08:00)."""
    try:
        return utc(value)
    except OverflowError:
        raise ValidationException(f"'{name}' is outside the range of representable times") from None


def time_range(since: datetime | None, until: datetime | None) -> tuple[datetime | None, datetime | None]:
    """The range as aware UTC, refusing one that ends before it starts."""
    start, end = utc_param(since, "since"), utc_param(until, "until")
    if start is not None and end is not None and start >= end:
        raise ValidationException("'since' must be earlier than 'until'")
    return start, end


def keyset_page(rows: list[dict[str, Any]], limit: int, shape: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    """One page of a listing fetched with `limit + 1` rows, and the cursor to the next."""
    page = rows[:limit]
    next_cursor = page[-1]["id"] if len(rows) > limit else None
    return {"data": [shape(row) for row in page], "next_cursor": next_cursor}
