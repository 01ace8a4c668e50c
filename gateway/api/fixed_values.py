"""The framework's refusal of a field that takes a fixed list of values, in the words of the one rule
(gateway.domain.fixed_values): the field named, the values it takes listed, what came quoted.

The framework (msgspec) said "Invalid enum value 'any'" of a value outside an enum or a Literal, and
"Expected `str`, got `int`" of another type sent for one, and `Expected `bool | null`, got `str`` of a query
boolean other than true or false (every query parameter comes as text): none said what to send. The values are
read from the type the handler declares for the field (a query parameter by its name, a body field by its path,
`tags[0]` or `items[1].kind`), so every endpoint's refusals, present and future, follow one rule.
"""

from __future__ import annotations

import re
from enum import Enum
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from litestar import Request
from litestar.params import ParameterKwarg
from litestar.types import Empty
from litestar.utils.scope.state import ScopeState
from msgspec import Struct
from msgspec.structs import fields

from gateway.domain.fixed_values import one_of_refusal

# One step of a body field's path as the framework writes it: a name, or an index in brackets.
_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
# What the framework's message says of a string outside an enum: the value, between quotes.
_NOT_IN_ENUM = re.compile(r"^Invalid enum value '(?P<value>.*)'$", re.DOTALL)
_MISSING = object()


def parameter_name(request: Request[Any, Any, Any], key: str) -> str:
    """The name a client gives the handler's argument `key` as (`from` for `from_id`), else `key` itself."""
    field = request.route_handler.parsed_fn_signature.parameters.get(key)
    definition = field.kwarg_definition if field is not None else None
    if isinstance(definition, ParameterKwarg):
        return definition.query or getattr(definition, "name", None) or definition.header or definition.cookie or key
    return key


def fixed_value_refusal(request: Request[Any, Any, Any], entry: dict[str, Any]) -> str | None:
    """The one rule's words for the framework's refusal `entry` when its field takes a fixed list of values, else None."""
    key, source = entry.get("key"), entry.get("source")
    if not isinstance(key, str) or not key:
        return None
    parameters = request.route_handler.parsed_fn_signature.parameters
    if source == "body":
        steps = _steps(key)
        body = parameters.get("data")
        declared = _field_type(body.annotation, steps) if body is not None and steps else None
        sent = _sent_in_body(request, steps) if steps else _MISSING
    elif source == "query" and key in parameters:
        declared = parameters[key].annotation
        name = parameter_name(request, key)
        sent = request.query_params.get(name, _MISSING)
        key = name
    else:
        return None
    allowed = _allowed(declared) if declared is not None else None
    if allowed is None:
        return None
    if sent is _MISSING and (in_message := _NOT_IN_ENUM.match(str(entry.get("message")))):
        sent = in_message["value"]
    if sent is _MISSING:
        return None
    return one_of_refusal(f"'{key}'", allowed, sent)


def _steps(key: str) -> list[str | int]:
    """A body field's path (`items[1].kind`) as its steps: names and indexes."""
    return [name if name else int(index) for name, index in _STEP.findall(key)]


def plain_type(declared: Any) -> Any:
    """`declared` without its description or bounds (Annotated), and `X | None` as X."""
    while True:
        if get_origin(declared) is Annotated:
            declared = get_args(declared)[0]
        elif get_origin(declared) in (Union, UnionType):
            others = [member for member in get_args(declared) if member is not type(None)]
            if len(others) != 1:
                return declared
            declared = others[0]
        else:
            return declared


def _field_type(declared: Any, steps: list[str | int]) -> Any:
    """The type declared at `steps` inside `declared`, or None when the path leads nowhere it declares."""
    for step in steps:
        declared = plain_type(declared)
        origin = get_origin(declared)
        if isinstance(step, int) and origin in (list, tuple, set, frozenset) and get_args(declared):
            declared = get_args(declared)[0]
        elif isinstance(step, str) and isinstance(declared, type) and issubclass(declared, Struct):
            by_name = {field.encode_name: field.type for field in fields(declared)}
            if step not in by_name:
                return None
            declared = by_name[step]
        elif isinstance(step, str) and origin is dict and len(get_args(declared)) == 2:
            declared = get_args(declared)[1]
        else:
            return None
    return declared


def _allowed(declared: Any) -> tuple[object, ...] | None:
    """The values a field declared as `declared` takes when they are a fixed list (an enum, a Literal, a boolean), in
    the order declared (the schema's), else None."""
    declared = plain_type(declared)
    if isinstance(declared, type) and issubclass(declared, Enum):
        return tuple(member.value for member in declared)
    if get_origin(declared) is Literal:
        return tuple(value for value in get_args(declared) if value is not None)
    if declared is bool:
        return ("true", "false")
    return None


def body_fields_at(request: Request[Any, Any, Any], path: str) -> list[str]:
    """The fields the handler's body declares at `path` ("" for the body itself), as a client names them; [] if none."""
    body = request.route_handler.parsed_fn_signature.parameters.get("data")
    declared = _field_type(body.annotation, _steps(path)) if body is not None else None
    declared = plain_type(declared)
    if isinstance(declared, type) and issubclass(declared, Struct):
        return [field.encode_name for field in fields(declared)]
    return []


def _sent_in_body(request: Request[Any, Any, Any], steps: list[str | int]) -> Any:
    """What the decoded JSON body holds at `steps` (the framework decoded it once and kept it), or _MISSING."""
    value = ScopeState.from_scope(request.scope).json
    if value is Empty:
        return _MISSING
    for step in steps:
        in_list = isinstance(step, int) and isinstance(value, list) and step < len(value)
        if not in_list and not (isinstance(step, str) and isinstance(value, dict) and step in value):
            return _MISSING
        value = value[step]
    return value
