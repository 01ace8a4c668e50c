"""Reading a page's filters from its URL: the values a listing understands, or a 400 page naming the filter."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from litestar import Request
from litestar.exceptions import HTTPException

from gateway.domain.quoting import quoted


def bad_filter(name: str, message: str) -> HTTPException:
    """A 400 saying which filter in the URL is wrong and why; its `extra` names the filter, for the page to mark."""
    return HTTPException(status_code=400, detail=f"The filter '{name}' {message}.", extra={"field": name})


def refused_filter(exc: HTTPException) -> str | None:
    """The filter a `bad_filter` refusal names (None for another)."""
    return exc.extra.get("field") if isinstance(exc.extra, dict) else None


# What a datetime-local box can hold: a date and a time to the minute, second or millisecond, no zone. A value it
# cannot read is dropped by the browser, which showed a refused `since=yesterday` as an empty box.
LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?")


def time_box_type(value: str | None) -> str:
    """The type of the box showing `value`, a time filter as typed: datetime-local when it can show it, else text."""
    return "datetime-local" if value is None or value == "" or LOCAL_TIME.fullmatch(value) else "text"


def text_param(request: Request[Any, Any, Any], name: str, max_length: int = 200) -> str | None:
    """The query parameter `name`, stripped; None when absent or blank."""
    value = (request.query_params.get(name) or "").strip()
    if len(value) > max_length:
        raise bad_filter(name, f"may be at most {max_length} characters")
    return value or None


def choice_param(request: Request[Any, Any, Any], name: str, allowed: Iterable[str]) -> str | None:
    """The query parameter `name` when it is one of `allowed`; None when absent or blank; 400 otherwise."""
    value = text_param(request, name)
    options = list(allowed)
    if value is not None and value not in options:
        raise bad_filter(name, f"must be one of {', '.join(options)}")
    return value


def is_whole_number(text: str) -> bool:
    """Whether `text` is ASCII digits only: `str.isdigit` also takes "²", which int() refuses (a 500)."""
    return text.isascii() and text.isdigit()


def offset_param(request: Request[Any, Any, Any], name: str = "offset") -> int:
    """A non-negative page offset (0 when absent)."""
    value = text_param(request, name) or "0"
    if not is_whole_number(value) or int(value) > 10_000_000:
        raise bad_filter(name, "must be a whole number of rows, 0 or more")
    return int(value)


def time_param(request: Request[Any, Any, Any], name: str) -> datetime | None:
    """An ISO 8601 time (as a datetime-local input sends it; no offset means UTC); None when absent."""
    value = text_param(request, name, max_length=40)
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise bad_filter(name, f"must be a time like 2026-12-01T09:30 (UTC); got {quoted(value)}") from None


def url_with(path: str, filters: Mapping[str, object | None], **changes: object | None) -> str:
    """`path` with the non-empty `filters`, some replaced by `changes`, as its query string."""
    merged = {**filters, **changes}
    query = urlencode({key: str(value) for key, value in merged.items() if value not in (None, "")})
    return f"{path}?{query}" if query else path
