"""Refusing query parameters an endpoint does not read: a misspelt filter is a 400, never ignored.

The framework passes a handler the query parameters it declares and drops the rest, so
`GET /api/export?sorce=human_review` exported every source and `?limt=5` listed fifty: the answer
looked right and was not what was asked. Each admin API handler's own signature says which names it
reads (a parameter's alias, as `format` for `export_format`, else its name).
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.enums import ParamType
from litestar.handlers.base import BaseRouteHandler
from litestar.params import BodyKwarg, DependencyKwarg, ParameterKwarg

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


# Filters that name an app or a model: blank, they name none, and a listing or report of "the app ''"
# answered empty (or all zeros), read as an app with no traffic.
NAMING_FILTERS = ("app", "model")


def refuse_blank_filters(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
    """A guard: InvalidQuery for an `app` or `model` query parameter given blank, whichever endpoint reads it."""
    for name in NAMING_FILTERS:
        for value in connection.query_params.getall(name, []):
            if not value.strip():
                raise InvalidQuery(name, f"'{name}' must not be blank: give a value, or leave it out for every {name}")


def query_names(handler: BaseRouteHandler) -> set[str]:
    """The query parameter names `handler` reads: every argument but the body, dependencies and the framework's."""
    names = set()
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
        names.add(name)
    # The path's `{name:type}` placeholders, and what the app provides by name (the services).
    in_path = {
        part[1:-1].split(":", 1)[0] for path in handler.paths for part in path.split("/") if part.startswith("{")
    }
    return names - in_path - set(handler.resolve_dependencies())


# Arguments the framework fills itself, never from the query string.
_RESERVED = frozenset({"request", "socket", "scope", "state", "headers", "cookies", "query", "body", "data"})
