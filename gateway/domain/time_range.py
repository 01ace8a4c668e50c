"""Time-range parameters as the domain takes them: aware UTC, in order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway.domain.errors import InvalidQuery


def as_utc(value: datetime | None, name: str, spelled: str | None = None) -> datetime | None:
    """Parameter `name` as aware UTC (a naive value means UTC), refusing one UTC cannot represent; the refusal
    spells the parameter `spelled` (`--since` on the command line), `'name'` by default."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # year 1 at +08:00 is still year 0 in UTC, before datetime's range
        shown = f"'{name}'" if spelled is None else spelled
        raise InvalidQuery(name, f"{shown} is outside the range of representable times") from None


def require_order(since: datetime | None, until: datetime | None) -> None:
    """Refuse a range that ends before it starts (either end may be open)."""
    if since is not None and until is not None and since >= until:
        raise InvalidQuery("since", "'since' must be earlier than 'until'")


def utc_range(since: datetime | None, until: datetime | None) -> tuple[datetime | None, datetime | None]:
    """The range [since, until) as aware UTC, refusing one that ends before it starts."""
    start, end = as_utc(since, "since"), as_utc(until, "until")
    require_order(start, end)
    return start, end


def range_up_to(
    since: datetime | None, until: datetime | None, *, now: datetime, length: timedelta
) -> tuple[datetime, datetime]:
    """[since, until) as aware UTC and in order; `until` defaults to `now`, `since` to `length` before `until`."""
    end = as_utc(until, "until") or now
    start = as_utc(since, "since")
    if start is None:
        try:
            start = end - length
        except OverflowError:
            message = f"'until' is too early for the default {length.days}-day range; give 'since' too"
            raise InvalidQuery("until", message) from None
    require_order(start, end)
    return start, end
