"""The services of the gateway a request came to, handed to the shared API in the request's scope.

The Litestar app is built once per process and shared by every gateway in it (gateway.app): the services
are the per-gateway part, so they travel with each request (`scope["state"]`, which Litestar keeps as
`connection.state`), never on the app.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.types import Scope

from gateway.services import Services

SERVICES = "feedgate.services"


def services_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Services:
    """The running gateway's services, for a handler, guard or exception handler."""
    services: Services = connection.scope["state"][SERVICES]
    return services


def provide_services(scope: Scope) -> Services:
    """The `services` dependency of every handler."""
    services: Services = scope["state"][SERVICES]
    return services
