"""The framework's 400 for a request it could not take, in words that say what to send, each field named as a client
sends it (the app's handler of ValidationException).

The framework named a field by its handler's argument (`from_id` for the query's `from`, `data` for any body field
missing or unknown) and said what it expected in its types' words (``Expected `int`, got `str` `` of every query
number not a number: a query parameter always comes as text). Each entry here names the field as sent and says what
to send: a number's range, a fixed list's values (gateway.api.fixed_values), a time's form, a body's fields.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.exceptions.responses import create_exception_response
from litestar.params import ParameterKwarg

from gateway.api.fixed_values import body_fields_at, fixed_value_refusal, parameter_name, plain_type
from gateway.api.number_parameters import number_words
from gateway.api.query_parameters import time_refusal
from gateway.domain.quoting import quoted

# Litestar reports a body that is not there as the missing key of its handler's argument: "'data'".
_MISSING_BODY = "'data'"
MISSING_BODY_MESSAGE = "send a JSON object as the request body (Content-Type: application/json); none came"
# msgspec's words for a time it could not read, which say nothing of what it wants.
_NOT_A_TIME = "Invalid RFC3339 encoded datetime"
# msgspec's words for a value none of an enum's: it quoted the value whole, 3,000 characters of it if sent so.
_NOT_IN_ENUM = re.compile(r"^Invalid enum value '(?P<value>.*)'$", re.DOTALL)
# msgspec's words for a body object's field left out, or one it does not declare.
_FIELD_MISSING = re.compile(r"^Object missing required field `(?P<name>[^`]*)`$")
_FIELD_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<name>[^`]*)`$")
# The framework's words for a required parameter not given, naming the whole URL as its "path".
_MISSING_PARAMETER = re.compile(r"^Missing required (?P<kind>\w+) parameter '(?P<name>[^']+)' for path ")
_PARAMETER_SOURCES = ("query", "header", "cookie")


def validation_response(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """The framework's 400 for a request it could not take, in words that say what to send (see the module's docstring).

    The detail says what is wrong with which field (it was "Validation failed for GET <the URL>"), as `extra` does
    field by field; no body at all is said as such.
    """
    if isinstance(exc.extra, list) and exc.extra:
        entries = [_plainer(request, entry) for entry in exc.extra]
        exc = ValidationException(detail="; ".join(_said(entry) for entry in entries), extra=entries)
    elif exc.extra is None and (missing := _MISSING_PARAMETER.match(exc.detail)):
        name, kind = missing["name"], missing["kind"]
        said = f"'{name}' is required: give it as a {kind} parameter"
        exc = ValidationException(detail=said, extra=[{"key": name, "message": said, "source": kind}])
    return create_exception_response(request, exc)


def _said(entry: object) -> str:
    """One of the framework's error entries as a sentence naming its field (unless it names it already)."""
    if not isinstance(entry, dict):
        return str(entry)
    message = str(entry.get("message"))
    key = entry.get("key")
    if not key or key == "data" or message.startswith(f"'{key}'") or f"`{key}`" in message:
        return message
    return f"'{key}': {message}"


def _plainer(request: Request[Any, Any, Any], entry: object) -> object:
    """`entry` (one of the framework's error entries) naming its field as sent, in plainer words; or itself."""
    if not isinstance(entry, dict):
        return entry
    message, key = entry.get("message"), entry.get("key")
    if not isinstance(message, str) or not isinstance(key, str):
        return entry
    if (one_of := fixed_value_refusal(request, entry)) is not None:
        message = one_of
    elif (out_of_range := _number_refusal(request, entry)) is not None:
        message = out_of_range
    elif key == "data" and message == _MISSING_BODY:
        message = MISSING_BODY_MESSAGE
    elif entry.get("source") == "body" and (field := _FIELD_MISSING.match(message) or _FIELD_UNKNOWN.match(message)):
        return _body_field_entry(request, entry, field)
    elif message.startswith(_NOT_A_TIME):
        message = time_refusal(parameter_name(request, key))
    elif not_in_enum := _NOT_IN_ENUM.match(message):
        message = f"Invalid enum value {quoted(not_in_enum['value'])}"
    if entry.get("source") in _PARAMETER_SOURCES:
        key = parameter_name(request, key)
    return {**entry, "key": key, "message": message}


def _body_field_entry(request: Request[Any, Any, Any], entry: dict[str, Any], field: re.Match[str]) -> dict[str, Any]:
    """The entry of a body field left out (or not declared) named by its own path, not by the object holding it."""
    key = entry["key"]
    path = "" if key == "data" else key
    name = f"{path}.{field['name']}" if path else field["name"]
    if field.re is _FIELD_MISSING:
        return {**entry, "key": name, "message": f"'{name}' is required: give it in the JSON body"}
    declared = body_fields_at(request, path)
    takes = f": {f'{path!r}' if path else 'the body'} takes {', '.join(declared)}" if declared else ""
    return {**entry, "key": name, "message": f"{entry['message']}{takes}"}


def _number_refusal(request: Request[Any, Any, Any], entry: dict[str, Any]) -> str | None:
    """What a query number the framework refused is told: what kind of number, in what range, and what came."""
    parameters = request.route_handler.parsed_fn_signature.parameters
    key = entry["key"]
    if entry.get("source") != "query" or key not in parameters:
        return None
    declared = plain_type(parameters[key].annotation)
    definition = parameters[key].kwarg_definition
    if declared not in (int, float) or not isinstance(definition, ParameterKwarg):
        return None
    name = parameter_name(request, key)
    return f"{number_words(name, declared, definition)}; got {quoted(request.query_params.get(name, ''))}"
