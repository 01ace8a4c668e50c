"""Whole numbers a person sends (a goal's months, a fix's version): one rule and one wording for every field."""

from __future__ import annotations

from gateway.domain.errors import InvalidQuery
from gateway.domain.quoting import quoted


def whole_number(value: float, name: str, unit: str | None, top: int | None, example: int) -> int:
    """`value` as the whole number (of `unit`, when it has one) it must be, 1 to `top` (no top: 1 or more; 48.0 is 48);
    InvalidQuery saying what to send otherwise: 1.5 months was cut to 1 by the form, a goal other than the one asked
    for, and a fix's version 1.5 names no version."""
    whole = not isinstance(value, bool) and (isinstance(value, int) or float(value).is_integer())
    if not whole or value < 1 or (top is not None and value > top):
        of_unit = f" of {unit}" if unit else ""
        bounds = f"from 1 to {top}" if top is not None else "of at least 1"
        raise InvalidQuery(
            name, f"'{name}' must be a whole number{of_unit} {bounds}, e.g. {example}; got {quoted(value)}"
        )
    return int(value)
