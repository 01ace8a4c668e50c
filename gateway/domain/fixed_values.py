"""The one rule of a value outside a fixed list: the refusal names the parameter and lists the values it takes.

The framework said "Invalid enum value 'any'" alone, and the caller could not tell what to send; the domain's own
checks each had words of their own. Every refusal of such a value, wherever it is made, says it this way.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.domain.answer_choices import shown_value
from gateway.domain.errors import InvalidQuery
from gateway.domain.quoting import quoted


def one_of_refusal(label: str, allowed: Iterable[object], value: object) -> str:
    """What a value outside `allowed` is told, `label` naming what it was sent as: "'sort' must be one of size, growth;
    got 'any'" (a text quoted by the one quoting rule, any other JSON value as JSON: 5, null, true)."""
    sent = quoted(value) if isinstance(value, str) else shown_value(value)
    return f"{label} must be one of {', '.join(map(str, allowed))}; got {sent}"


def not_one_of(field: str, allowed: Iterable[object], value: object) -> InvalidQuery:
    """InvalidQuery naming `field` for a value outside `allowed`, in the one rule's words."""
    return InvalidQuery(field, one_of_refusal(f"'{field}'", allowed, value))
