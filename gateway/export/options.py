"""What one export writes, from its options as given: the one rule `feedgate export` and `GET /api/export` share.

Both take the options as text and pass them here unchanged, so a value one accepts the other
accepts too, and both refuse the same values with the same words; only how a parameter is
named differs (`--since` on the command line, `'since'` over HTTP).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TypeVar

from gateway.domain.blank_text import says_nothing
from gateway.domain.errors import InvalidQuery
from gateway.domain.fixed_values import one_of_refusal
from gateway.domain.following import StoredOrder, refuse_filters
from gateway.domain.quoting import quoted
from gateway.domain.time_range import as_utc
from gateway.export.examples import ExampleSource, FixFilter
from gateway.export.formats import ExportFormat
from gateway.store.label_filters import ExampleFilter, StoredRange

Choice = TypeVar("Choice", ExportFormat, ExampleSource, FixFilter)
# How a message names a parameter: "'since'" over HTTP (as the rest of the API says it), "--since" on the CLI.
ParameterName = Callable[[str], str]
# The export's `stored_after` tokens (gateway.domain.following), one for the command and the API: each holds
# the number of the last feedback event and of the last review decision an export read.
EXPORT_ORDER = StoredOrder("/api/export", places=2, given_by="the next stored_after of a previous export")


def api_parameter(field: str) -> str:
    """A query parameter, as the API's messages name one."""
    return f"'{field}'"


def cli_option(field: str) -> str:
    """A command-line option, as `feedgate`'s messages name one."""
    return f"--{field.replace('_', '-')}"


@dataclass(frozen=True, slots=True)
class Following:
    """An export of the labels stored after `after` (the feedback events' and review decisions' numbers; None: from
    now on), in the order they were stored."""

    after: tuple[int, ...] | None


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """An export's format, which examples it reads, and whether it keeps those answered under a gateway fix."""

    format: ExportFormat
    where: ExampleFilter
    # None: both those answered under a fix and the others.
    fixes: FixFilter | None = None
    # None: every label, however stored, that `where` keeps.
    following: Following | None = None


def export_options(
    export_format: str,
    *,
    app: str | None = None,
    since: str | None = None,
    until: str | None = None,
    source: str | None = None,
    fixes: str | None = None,
    stored_after: str | None = None,
    name: ParameterName = api_parameter,
) -> ExportOptions:
    """The export these options ask for; raises InvalidQuery naming the first option it refuses.

    An option left out does not filter; one given blank is refused, since an empty `app` would
    export nothing and an empty `since` would quietly mean no start. `stored_after` follows the
    stored order, as the listings' does: a time range with it is refused (the next export would
    never read the labels it left out).
    """
    export_as = _one_of(ExportFormat, "format", export_format, name)
    for field, value in (("app", app), ("since", since), ("until", until), ("source", source), ("fixes", fixes)):
        _refuse_blank(field, value, name)
    following = None
    if stored_after is not None:
        following = Following(EXPORT_ORDER.numbers(stored_after, name("stored_after")))
        times = {name("since"): since, name("until"): until}
        refuse_filters("app, source and fixes", times, name("stored_after"))
    start = None if since is None else _parse_time("since", since, name)
    end = None if until is None else _parse_time("until", until, name)
    if start is not None and end is not None and end <= start:
        message = f"{name('until')} must be later than {name('since')}; got {quoted(since)} and {quoted(until)}"
        raise InvalidQuery("until", message)
    where = ExampleFilter(
        app=app,
        since=start,
        until=end,
        source=None if source is None else _one_of(ExampleSource, "source", source, name),
    )
    fix_filter = None if fixes is None else _one_of(FixFilter, "fixes", fixes, name)
    return ExportOptions(export_as, where, fix_filter, following)


async def export_filter(
    options: ExportOptions, stored_horizons: Callable[[], Awaitable[tuple[int, int]]]
) -> tuple[ExampleFilter, str | None]:
    """The examples an export reads, and the `stored_after` token the next export reads on from (None when it does
    not follow the stored order).

    A following export reads the labels stored after its token up to the horizons `stored_horizons`
    reads now, before any label (gateway.store.training_examples): the next token is known before the
    first line, and the next export starts where this one ends, skipping nothing, repeating nothing.
    """
    if options.following is None:
        return options.where, None
    upto = await stored_horizons()
    after = options.following.after or upto
    # A horizon below the token (the newest labels deleted since) reads nothing and keeps the token's place.
    ends = tuple(max(start, end) for start, end in zip(after, upto, strict=True))
    ranges = [StoredRange(start, end) for start, end in zip(after, ends, strict=True)]
    where = replace(options.where, feedback_stored=ranges[0], decisions_stored=ranges[1])
    return where, EXPORT_ORDER.token(*ends)


def _parse_time(field: str, value: str, name: ParameterName) -> datetime:
    """An ISO 8601 date or time (`2026-06-01`, `2026-06-01T09:00:00Z`, with an offset) as UTC; naive means UTC.

    One UTC cannot hold (year 1 at +08:00, the last second of 9999 at -05:00) is refused by the listings' rule
    (gateway.domain.time_range): it is ISO 8601, and was refused as if it were not."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise InvalidQuery(
            field,
            f"{name(field)} must be an ISO 8601 date or time such as 2026-06-01 or 2026-06-01T09:00:00Z, got {quoted(value)}",
        ) from None
    utc = as_utc(parsed, field, name(field))
    assert utc is not None  # a datetime given is one returned
    return utc


def _refuse_blank(field: str, value: str | None, name: ParameterName) -> None:
    """InvalidQuery naming `field` when it is given and says nothing by the one rule (zero-width spaces too, which
    str.strip keeps: `--app "\u200b"` exported nothing), worded as the API refuses a blank filter."""
    if value is not None and says_nothing(value):
        raise InvalidQuery(field, f"{name(field)} must not be blank: give a value, or leave it out not to filter")


def _one_of(choices: type[Choice], field: str, value: str, name: ParameterName) -> Choice:
    try:
        return choices(value)
    except ValueError:
        allowed = [choice.value for choice in choices]
        raise InvalidQuery(field, one_of_refusal(name(field), allowed, value)) from None
