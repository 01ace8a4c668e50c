"""Reading a page's filters from its URL: the values a listing understands, or a 400 page naming the filter."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlencode

from litestar.exceptions import HTTPException

from gateway.domain.blank_text import said_or_none
from gateway.domain.fixed_values import one_of_refusal
from gateway.domain.quoting import quoted

# Each filter as the pages label its box (templates), by its name in the URL: a refusal names what the person sees.
# A page labelling one otherwise passes its own (the review queue's "Order" for `sort`).
FILTER_LABELS = {
    "app": "App",
    "model": "Model",
    "q": "Search",
    "tag": "Tag",
    "issue": "Issue",
    "assignee": "Assignee",
    "status": "Status",
    "feedback": "Feedback",
    "priority": "Priority",
    "source": "Source",
    "overdue": "Late",
    "sort": "Sort by",
    "since": "From (UTC)",
    "until": "Until (UTC)",
    "active": "State",
    "days": "Range",
    "page": "Page",
    "offset": "Page start",
    "cursor": "Page",
    "link_id": "Fix link",
}


class QueryParams(Protocol):
    """What a page's filters are read from: a request, or a list's query kept for its way back (admin_ui.list_back)."""

    @property
    def query_params(self) -> Mapping[str, Any]:
        """The URL's parameters, by name."""
        ...


@dataclass(frozen=True, slots=True)
class GivenQuery:
    """Parameters read as a request's would be, without a request: a list's query checked as its page checks it."""

    query_params: Mapping[str, Any]


def filter_label(name: str) -> str:
    """The label the pages give the filter `name` (the name itself for one they do not label)."""
    return FILTER_LABELS.get(name, name)


def bad_filter(name: str, message: str, label: str | None = None) -> HTTPException:
    """A 400 saying which filter in the URL is wrong, by its box's label, and why; its `extra` names the filter, for
    the page to mark."""
    said = f"The filter “{label or filter_label(name)}” {message}."
    return HTTPException(status_code=400, detail=said, extra={"field": name})


def refused_filter(exc: HTTPException) -> str | None:
    """The filter a `bad_filter` refusal names (None for another)."""
    return exc.extra.get("field") if isinstance(exc.extra, dict) else None


@dataclass(frozen=True, slots=True)
class TimeBox:
    """How a time filter's box shows the value in the URL: its input type and the value in it."""

    type: str
    value: str


def read_time(value: str) -> datetime:
    """A time filter's value as the listings read it: ISO 8601, "Z" for UTC, no offset meaning UTC (ValueError)."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def time_box(value: str | None) -> TimeBox:
    """The box showing a time filter: a datetime-local box holding the moment in UTC, as the pages show times (a zone
    given is converted: the box has none), else a text box holding the value as typed.

    A datetime-local box drops what it cannot read: it showed a refused `since=yesterday`, or a month 13, as an
    empty box; and a moment finer than its milliseconds would be cut, changing the filter when the form is sent.
    """
    if not value:
        return TimeBox("datetime-local", "")
    try:
        moment = read_time(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return TimeBox("text", value)
    if moment.microsecond % 1000:
        return TimeBox("text", value)
    # isoformat, not strftime: its year keeps four digits (a box reads "999-01-01" as nothing).
    precision = "milliseconds" if moment.microsecond else "seconds" if moment.second else "minutes"
    return TimeBox("datetime-local", moment.isoformat(timespec=precision))


def given_text(request: QueryParams, name: str) -> str:
    """The query parameter `name` without its blank ends by the one rule (gateway.domain.blank_text); "" when absent
    or blank.

    A box a person left blank, zero-width spaces and all (str.strip keeps U+200B), is no filter, as an empty one:
    the page lists what it lists unfiltered. The API refuses a blank filter instead (a client sent it on purpose).
    """
    return said_or_none(request.query_params.get(name)) or ""


def text_param(request: QueryParams, name: str, max_length: int = 200) -> str | None:
    """The query parameter `name` without its blank ends (given_text); None when absent or blank."""
    value = given_text(request, name)
    if len(value) > max_length:
        raise bad_filter(name, f"may be at most {max_length} characters")
    return value or None


def choice_param(
    request: QueryParams, name: str, allowed: Iterable[str] | Mapping[str, str], label: str | None = None
) -> str | None:
    """The query parameter `name` when it is one of `allowed`; None when absent or blank; 400 otherwise, by the one
    rule of a value outside a fixed list (gateway.domain.fixed_values), as the API says it.

    `allowed` as a mapping gives each value the words its select or link shows ("yes": "active"): the refusal lists
    those, each quoted, what the person chose from, not the URL's values.
    """
    value = text_param(request, name)
    options = list(allowed)
    if value is not None and value not in options:
        # Quoted, as words may hold commas ("priority, then deadline") and the list is joined by them.
        shown = [f"“{words}”" for words in allowed.values()] if isinstance(allowed, Mapping) else options
        said = one_of_refusal(f"“{label or filter_label(name)}”", shown, value)
        raise HTTPException(status_code=400, detail=f"The filter {said}.", extra={"field": name})
    return value


def is_whole_number(text: str) -> bool:
    """Whether `text` is ASCII digits only: `str.isdigit` also takes "²", which int() refuses (a 500)."""
    return text.isascii() and text.isdigit()


def offset_param(request: QueryParams, name: str = "offset") -> int:
    """A non-negative page offset (0 when absent)."""
    value = text_param(request, name) or "0"
    if not is_whole_number(value) or int(value) > 10_000_000:
        raise bad_filter(name, "must be a whole number of rows, 0 or more")
    return int(value)


def time_param(request: QueryParams, name: str) -> datetime | None:
    """An ISO 8601 time (as a datetime-local input sends it; no offset means UTC); None when absent."""
    value = text_param(request, name, max_length=40)
    if value is None:
        return None
    try:
        return read_time(value)
    except ValueError:
        raise bad_filter(name, f"must be a time like 2026-12-01T09:30 (UTC); got {quoted(value)}") from None


def url_with(path: str, filters: Mapping[str, object | None], **changes: object | None) -> str:
    """`path` with the non-empty `filters`, some replaced by `changes`, as its query string."""
    merged = {**filters, **changes}
    query = urlencode({key: str(value) for key, value in merged.items() if value not in (None, "")})
    return f"{path}?{query}" if query else path
