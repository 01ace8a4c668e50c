"""Refusing query parameters an endpoint does not read: a misspelt filter is a 400, never ignored.

Also refused: one given twice, a blank filter naming one thing (an app, an id), and a bare number for a time.

The framework passes a handler the query parameters it declares and drops the rest, so
`GET /api/export?sorce=human_review` exported every source and `?limt=5` listed fifty: the answer
looked right and was not what was asked. Each admin API handler's own signature says which names it
reads (a parameter's alias, as `format` for `export_format`, else its name).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ParamType
from litestar.handlers.base import BaseRouteHandler
from litestar.params import BodyKwarg, DependencyKwarg, ParameterKwarg
from litestar.typing import FieldDefinition

from gateway.domain.blank_text import says_nothing
from gateway.domain.errors import InvalidQuery


def refuse_unknown_query_parameters(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A guard: InvalidQuery naming the first parameter the handler does not read, and those it does."""
    given = connection.query_params
    if not given:
        return
    known = query_names(handler)
    unknown = sorted(name for name in given if name not in known)
    if not unknown:
        return
    reads = ", ".join(sorted(known)) if known else "no query parameters"
    raise InvalidQuery(
        unknown[0], f"unknown query parameter {', '.join(map(repr, unknown))}: {connection.url.path} reads {reads}"
    )


def refuse_repeated_query_parameters(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A guard: InvalidQuery for a query parameter given more than once; every one the API reads takes one value.

    The framework quietly took one of the values (`?limit=1&limit=2` listed one row, `?app=a&app=b` one app's).
    """
    for name in sorted(set(connection.query_params)):
        count = len(connection.query_params.getall(name))
        if count > 1:
            raise InvalidQuery(name, f"'{name}' was given {count} times: give it once")


def time_refusal(name: str) -> str:
    """What a time query parameter the API cannot read is told: the form it wants."""
    # A time without an offset is taken (as UTC), so the message must not say one is needed; a date alone is not.
    return f"'{name}' must be a date and time to the second (RFC 3339; UTC when it has no offset), e.g. 2026-06-01T00:00:00Z"


def refuse_numbers_for_times(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A guard: InvalidQuery for a time query parameter given as a bare number.

    The framework read one as seconds since 1970: `since=2026` (the year, say) meant 00:33:46 on 1 January 1970.
    """
    given = connection.query_params
    if not given:
        return
    for name in time_names(handler):
        value = given.get(name)
        if value is not None and _is_number(value):
            raise InvalidQuery(name, time_refusal(name))


def time_names(handler: BaseRouteHandler) -> set[str]:
    """The query parameters of `handler` that are read as times."""
    names = set()
    for name, field in handler.parsed_fn_signature.parameters.items():
        if field.is_subclass_of(datetime) or any(inner.is_subclass_of(datetime) for inner in field.inner_types):
            definition = field.kwarg_definition
            alias = getattr(definition, "query", None) or getattr(definition, "name", None)
            names.add(alias or name)
    return names


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


# Filters that name one thing (an app, a record by id, a person, a label), and what leaving one out lists.
# Blank, they name nothing, and a listing or report of "the app ''" (or `interaction_id=`) answered 200
# and empty (or all zeros), read as "none of these".
NAMING_FILTERS = {
    "app": "app",
    "model": "model",
    "interaction_id": "interaction",
    "issue": "issue",
    "issue_id": "issue",
    "subject_id": "subject",
    "subject_type": "subject type",
    "actor": "actor",
    "action": "action",
    "assignee": "assignee",
    "tag": "tag",
}


def refuse_blank_filters(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A guard: InvalidQuery for a filter naming one thing (NAMING_FILTERS) given blank, whichever endpoint reads it.

    A name the endpoint requires is no filter (it cannot be left out): its domain refuses it blank, by the same rule.
    """
    given = [name for name in NAMING_FILTERS if name in connection.query_params]
    required = required_query_names(handler) if given else set()
    for name in given:
        if name in required:
            continue
        listed = NAMING_FILTERS[name]
        for value in connection.query_params.getall(name):
            if says_nothing(value):  # the one rule: "\u200b" (which str.strip keeps) names nothing either
                raise InvalidQuery(
                    name, f"'{name}' must not be blank: give a value, or leave it out for every {listed}"
                )


# Old names the API still reads for a parameter renamed, by the name they became: a public API breaks no client
# by a rename. The schema marks each deprecated (gateway.api.admin_operation); given beside its new name, a 400.
# "Filter by issue" is `issue` everywhere (/api/interactions, the admin pages); /api/reviews called it `issue_id`.
DEPRECATED_NAMES = {"issue_id": "issue"}


def deprecated_name_note(old: str) -> str:
    """What the schema says of a deprecated query parameter `old`."""
    new = DEPRECATED_NAMES[old]
    return f"deprecated: the old name of '{new}', read the same way; give '{new}' instead (never both)"


def refuse_old_and_new_names_together(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """A guard: InvalidQuery for a deprecated query parameter given beside the name it became (which one counts?)."""
    given = connection.query_params
    for old, new in DEPRECATED_NAMES.items():
        if old in given and new in given:
            raise InvalidQuery(old, f"'{old}' is the old name of '{new}': give '{new}' alone")


def required_query_names(handler: BaseRouteHandler) -> set[str]:
    """The query parameters `handler` cannot do without (no default): names it needs, not filters to leave out."""
    return {name for name, field in _query_fields(handler).items() if not field.has_default}


def query_names(handler: BaseRouteHandler) -> set[str]:
    """The query parameter names `handler` reads: every argument but the body, dependencies and the framework's."""
    return set(_query_fields(handler))


def _query_fields(handler: BaseRouteHandler) -> dict[str, FieldDefinition]:
    """The arguments `handler` reads from the query string, by the name a client sends each by."""
    fields = {}
    for name, field in handler.parsed_fn_signature.parameters.items():
        definition = field.kwarg_definition
        if isinstance(definition, BodyKwarg | DependencyKwarg) or name in _RESERVED:
            continue
        if isinstance(definition, ParameterKwarg):
            if (
                definition.header
                or definition.cookie
                or getattr(definition, "param_type", ParamType.QUERY) != ParamType.QUERY
            ):
                continue
            name = definition.query or getattr(definition, "name", None) or name
        fields[name] = field
    # The path's `{name:type}` placeholders, and what the app provides by name (the services).
    in_path = {
        part[1:-1].split(":", 1)[0] for path in handler.paths for part in path.split("/") if part.startswith("{")
    }
    provided = in_path | set(handler.resolve_dependencies())
    return {name: field for name, field in fields.items() if name not in provided}


# Arguments the framework fills itself, never from the query string.
_RESERVED = frozenset({"request", "socket", "scope", "state", "headers", "cookies", "query", "body", "data"})
