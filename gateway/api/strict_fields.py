"""The numbers and booleans of an admin API JSON body are taken as JSON sends them, never read out of a string.

Litestar converts every handler argument with msgspec's lax mode (`convert(..., strict=False)` in its
signature model: the mode that makes the integer 50 of a query string's "50"), and the JSON body's
struct is one of those arguments, so `"active": "0"` made an inactive entry, `"expected_version": "1"`
was the version 1 and `"choice": "1"` the index 1, where `/v1/feedback`, which reads its body itself,
refuses such strings. Lax mode also reads 0 and 1 as booleans, and a number as a time in seconds since 1970
(`"live_at": 2026` was 00:33:46 on 1 January 1970, as the query's `since=2026` was). One guard of every admin controller
refuses them all, keyed on the handler's body type, before the framework converts the body: a 400
naming the field and saying what to send, every such field of the body in the one answer (a client that sent
several wrong learnt of them one at a time). A whole float stays a whole number (1.0 is 1), as on
`/v1/feedback`. The framework decodes the request's JSON once and keeps it, so reading it here parses
nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Annotated, Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.exceptions import SerializationException
from litestar.handlers.base import BaseRouteHandler
from msgspec import Meta, inspect

from gateway.api.media_types import takes_json_body
from gateway.api.query_parameters import time_refusal
from gateway.domain.answer_choices import not_a_choice_index, shown_value
from gateway.domain.errors import InvalidFields, InvalidQuery

# A whole-number field (or null) the domain checks (gateway.domain.whole_numbers), so 1.5 gets the product's wording,
# not the framework's "Expected `int`": taken as a JSON number, and a string or boolean for it refused as a whole
# number's. Its schema still says integer or null, what a client should send.
OptionalWholeNumber = Annotated[
    float | None,
    Meta(extra={"whole_number": True}, extra_json_schema={"extra": {"oneOf": [{"type": "integer"}, {"type": "null"}]}}),
]

# What each declared kind asks for, and as what JSON sends it.
_ASKED = {
    bool: ("true or false", "a JSON boolean"),
    int: ("a whole number", "a JSON number"),
    float: ("a number", "a JSON number"),
}
_KINDS = {inspect.BoolType: bool, inspect.IntType: int, inspect.FloatType: float, inspect.DateTimeType: datetime}
_LISTS = (inspect.ListType, inspect.VarTupleType, inspect.SetType, inspect.FrozenSetType)


@dataclass(frozen=True, slots=True)
class StrictField:
    """A body field declared as a boolean, number or time (`kind`), or as an object, or a list of them (`many`), holding
    some."""

    key: str
    kind: type | None = None
    fields: tuple[StrictField, ...] = ()
    many: bool = False


@cache
def strict_fields(body_type: Any) -> tuple[StrictField, ...]:
    """The fields of a body struct (or `Struct | None`) declared as bool, int, float or datetime, `| None` or not, nested
    ones too."""
    return _fields_of(inspect.type_info(body_type))


def _fields_of(info: inspect.Type) -> tuple[StrictField, ...]:
    declared = _without_none(info)
    if not isinstance(declared, inspect.StructType):
        return ()
    found = []
    for field in declared.fields:
        field_type = _without_none(field.type)
        if type(field_type) in _KINDS:
            kind = int if _whole(field.type) else _KINDS[type(field_type)]
            found.append(StrictField(field.encode_name, kind=kind))
        elif isinstance(field_type, inspect.StructType) and (inner := _fields_of(field_type)):
            found.append(StrictField(field.encode_name, fields=inner))
        elif isinstance(field_type, _LISTS) and (inner := _fields_of(field_type.item_type)):
            found.append(StrictField(field.encode_name, fields=inner, many=True))
    return tuple(found)


def _whole(info: inspect.Type) -> bool:
    """Whether a field is an OptionalWholeNumber: a float to the framework (1.5 reaches the domain's whole-number rule and
    wording), a whole number to this check's words."""
    if isinstance(info, inspect.UnionType):
        return any(_whole(member) for member in info.types)
    return isinstance(info, inspect.Metadata) and bool((info.extra or {}).get("whole_number"))


def _without_none(info: inspect.Type) -> inspect.Type:
    """`X | None` as X (null is the framework's to judge), a described X (Meta(description=...)) as X; any other
    union as it is, left to the framework."""
    if isinstance(info, inspect.Metadata):
        return _without_none(info.type)
    if isinstance(info, inspect.UnionType):
        others = [member for member in info.types if not isinstance(member, inspect.NoneType)]
        if len(others) == 1:
            return _without_none(others[0])
    return info


def refusal(fields: tuple[StrictField, ...], body: Any) -> InvalidQuery | None:
    """InvalidQuery naming every one of `fields` the decoded JSON `body` sends as a type only lax mode would take
    (InvalidFields when several are), or None."""
    found = _refused(fields, body, "", None)
    if found is None:
        return None
    return found[0] if len(found) == 1 else InvalidFields(tuple(found))


def _refused(
    fields: tuple[StrictField, ...], body: Any, prefix: str, found: list[InvalidQuery] | None
) -> list[InvalidQuery] | None:
    """`found` with a refusal added for each of `fields` that `body` (at `prefix`) sends as another type."""
    # The list is made at the first refusal: a body sent right, nearly every one, allocates nothing here.
    if not isinstance(body, dict):
        return found
    for field in fields:
        if field.key not in body:
            continue
        value, name = body[field.key], prefix + field.key
        if field.kind is not None:
            if _taken_only_laxly(value, field.kind):
                found = found if found is not None else []
                found.append(InvalidQuery(name, _what_to_send(name, field.kind, value)))
        elif field.many and isinstance(value, list):
            for index, item in enumerate(value):
                found = _refused(field.fields, item, f"{name}[{index}].", found)
        else:
            found = _refused(field.fields, value, f"{name}.", found)
    return found


def _taken_only_laxly(value: Any, kind: type) -> bool:
    """Whether `value` is a string or, for a boolean, a number, or for a number, a boolean (bool is an int in Python);
    for a time, a number."""
    if isinstance(value, str):
        return kind is not datetime
    if kind is bool:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind is datetime:
        # Lax mode read a number as seconds since 1970, and a time is sent as text: that is not lax, but RFC 3339.
        return isinstance(value, int | float) and not isinstance(value, bool)
    return isinstance(value, bool)


def _what_to_send(name: str, kind: type, value: Any) -> str:
    # `choice` is the same field as on /v1/feedback (the answer's choice judged), so it keeps its words.
    if name == "choice":
        return not_a_choice_index(value)
    if kind is datetime:
        return f"{time_refusal(name)}, sent as a JSON string, not {shown_value(value)}"
    what, sent_as = _ASKED[kind]
    quotes = " (no quotes)" if isinstance(value, str) else ""
    return f"'{name}' must be {what}, sent as {sent_as}{quotes}, not {shown_value(value)}"


async def refuse_lax_json_types(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A guard: InvalidQuery (a 400 naming each field) for the numbers or booleans of the JSON body sent as another type."""
    if not takes_json_body(handler) or not isinstance(connection, Request):
        return
    fields = strict_fields(handler.parsed_fn_signature.parameters["data"].annotation)
    if not fields:
        return
    try:
        body = await connection.json()
    except SerializationException:
        return  # malformed JSON: the framework's own 400 says so when it reads the body
    if (refused := refusal(fields, body)) is not None:
        raise refused
