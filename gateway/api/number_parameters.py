"""Whole-number query parameters (a page size, an offset): written as digits, and what one out of range is told.

The framework read a whole number in any form Python's float takes and kept it when whole: `limit=1e3` listed a
thousand rows and `limit=5.0` five, where a typo (or a client writing floats) should be told to send digits.
"""

from __future__ import annotations

import re
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.params import ParameterKwarg

from gateway.api.fixed_values import plain_type
from gateway.domain.errors import InvalidQuery
from gateway.domain.quoting import quoted

# A whole number as a query writes one: ASCII digits, a minus sign before them at most (a range then refuses it).
_DIGITS = re.compile(r"-?[0-9]+")


def number_words(name: str, declared: type, definition: ParameterKwarg) -> str:
    """What a number query parameter `name` must be: its kind and range ("'limit' must be a whole number from 1 to
    1000"), to be followed by what came."""
    kind = "a whole number" if declared is int else "a number"
    lowest, highest = definition.ge, definition.le
    if declared is int and lowest is not None and highest is not None:
        within = f"from {lowest} to {highest}"
    else:
        said = {"greater than": definition.gt, "at least": lowest, "less than": definition.lt, "at most": highest}
        within = " and ".join(f"{words} {bound:g}" for words, bound in said.items() if bound is not None)
    return f"'{name}' must be {kind}{f' {within}' if within else ''}"


def refuse_whole_numbers_not_in_digits(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """A guard: InvalidQuery for a whole-number query parameter given as anything but digits (1e3, 5.0, +5, a full-width 5)."""
    given = connection.query_params
    if not given:
        return
    for key, field in handler.parsed_fn_signature.parameters.items():
        definition = field.kwarg_definition
        if plain_type(field.annotation) is not int or not isinstance(definition, ParameterKwarg):
            continue
        name = definition.query or getattr(definition, "name", None) or key
        value = given.get(name)
        if value is not None and not _DIGITS.fullmatch(value):
            raise InvalidQuery(name, f"{number_words(name, int, definition)}, written as digits; got {quoted(value)}")
