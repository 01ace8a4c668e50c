"""What one export writes, from its options as given: the one rule `feedgate export` and `GET /api/export` share.

Both take the options as text and pass them here unchanged, so a value one accepts the other
accepts too, and both refuse the same values with the same words; only how a parameter is
named differs (`--since` on the command line, `'since'` over HTTP).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

from gateway.domain.errors import InvalidQuery
from gateway.export.examples import ExampleSource, FixFilter
from gateway.export.formats import ExportFormat
from gateway.store.training_examples import ExampleFilter

Choice = TypeVar("Choice", ExportFormat, ExampleSource, FixFilter)
# How a message names a parameter: "'since'" over HTTP (as the rest of the API says it), "--since" on the CLI.
ParameterName = Callable[[str], str]


def api_parameter(field: str) -> str:
    """A query parameter, as the API's messages name one."""
    return f"'{field}'"


def cli_option(field: str) -> str:
    """A command-line option, as `feedgate`'s messages name one."""
    return f"--{field}"


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """An export's format, which examples it reads, and whether it keeps those answered under a gateway fix."""

    format: ExportFormat
    where: ExampleFilter
    # None: both those answered under a fix and the others.
    fixes: FixFilter | None = None


def export_options(
    export_format: str,
    *,
    app: str | None = None,
    since: str | None = None,
    until: str | None = None,
    source: str | None = None,
    fixes: str | None = None,
    name: ParameterName = api_parameter,
) -> ExportOptions:
    """The export these options ask for; raises InvalidQuery naming the first option it refuses.

    An option left out does not filter; one given blank is refused, since an empty `app` would
    export nothing and an empty `since` would quietly mean no start.
    """
    export_as = _one_of(ExportFormat, "format", export_format, name)
    for field, value in (("app", app), ("since", since), ("until", until), ("source", source), ("fixes", fixes)):
        _refuse_blank(field, value, name)
    start = None if since is None else _parse_time("since", since, name)
    end = None if until is None else _parse_time("until", until, name)
    if start is not None and end is not None and end <= start:
        message = f"{name('until')} must be later than {name('since')}; got {since!r} and {until!r}"
        raise InvalidQuery("until", message)
    where = ExampleFilter(
        app=app,
        since=start,
        until=end,
        source=None if source is None else _one_of(ExampleSource, "source", source, name),
    )
    fix_filter = None if fixes is None else _one_of(FixFilter, "fixes", fixes, name)
    return ExportOptions(export_as, where, fix_filter)


def _parse_time(field: str, value: str, name: ParameterName) -> datetime:
    """An ISO 8601 date or time (`2026-06-01`, `2026-06-01T09:00:00Z`, with an offset) as UTC; naive means UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip())
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):  # OverflowError: year 1 at +08:00 is before year 1 in UTC
        raise InvalidQuery(
            field,
            f"{name(field)} must be an ISO 8601 date or time such as 2026-06-01 or 2026-06-01T09:00:00Z, got {value!r}",
        ) from None


def _refuse_blank(field: str, value: str | None, name: ParameterName) -> None:
    if value is not None and not value.strip():
        raise InvalidQuery(field, f"{name(field)} must not be blank: give a value, or leave it out not to filter")


def _one_of(choices: type[Choice], field: str, value: str, name: ParameterName) -> Choice:
    try:
        return choices(value)
    except ValueError:
        allowed = ", ".join(choice.value for choice in choices)
        raise InvalidQuery(field, f"{name(field)} must be one of {allowed}; got {value!r}") from None
