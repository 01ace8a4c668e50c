"""Text every store can keep: no NUL character (U+0000), the one rule for the API and the admin pages.

PostgreSQL refuses NUL in text and JSON (a 500 there, found by benchmarks/fuzz_api.py) while SQLite
stores it, so it is refused on both stores alike, with a 400 naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.domain.errors import InvalidQuery

# The rule as a pattern, for msgspec's Meta(pattern=...) on API bodies (see gateway.api.review_bodies).
NO_NUL = r"^[^\x00]*$"
NUL = "\x00"


def nul_message(field: str) -> str:
    """What to fix, naming the field."""
    return f"{field} must not contain a NUL character (\\u0000): no store can keep it"


def refuse_nul(field: str, value: str | None) -> None:
    """InvalidQuery naming `field` when `value` holds a NUL character."""
    if isinstance(value, str) and NUL in value:
        raise InvalidQuery(field, nul_message(field))


def refuse_nuls(fields: Iterable[tuple[str, str | None]]) -> None:
    """refuse_nul for each (field, value), in order: the first one with a NUL is named."""
    for field, value in fields:
        refuse_nul(field, value)
