"""Column types whose values mean the same thing on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class NaiveDatetimeError(ValueError):
    """A datetime without a timezone reached the store: nobody can say which instant it means."""


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back as an aware UTC datetime.

    Writing a naive datetime raises NaiveDatetimeError instead of guessing. The inputs that
    legitimately lack an offset (API query parameters, imported files) already say at their
    boundary that they mean UTC; inside the program a naive value is a bug (`datetime.now()`
    on a host that is not on UTC), and storing it as UTC would silently shift it by the
    host's offset. PostgreSQL keeps `timestamptz` as an instant; SQLite keeps the UTC wall
    time as text and hands it back naive, which is why reads are normalised here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type[datetime]:
        """Values of this column are datetimes."""
        return datetime

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """The value converted to UTC; refuses naive datetimes."""
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise NaiveDatetimeError(f"refusing to store naive datetime {value.isoformat()}: give it a timezone")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """The stored value as an aware UTC datetime."""
        if value is None:
            return None
        moment: datetime = value
        # Naive only on SQLite, which stored the UTC wall time (see process_bind_param).
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
