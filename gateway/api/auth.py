"""The admin token guard for `/api/` routes."""

from __future__ import annotations

import hmac
import math
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.handlers import BaseRouteHandler

from gateway.api.client_address import client_address
from gateway.api.request_services import services_of
from gateway.proxy.credentials import given_bearer


async def require_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Allow only requests bearing the configured admin token; an address that sent too many wrong ones waits."""
    services = services_of(connection)
    settings = services.settings
    expected = settings.admin_token
    if not expected:
        raise NotAuthorizedException("the admin API is disabled: set FEEDGATE_ADMIN_TOKEN to enable it")
    given = given_bearer(connection.headers.get("authorization"))  # a bearer of blank characters only is none
    if given is None:
        raise NotAuthorizedException("send the admin token as 'Authorization: Bearer <FEEDGATE_ADMIN_TOKEN>'")
    failures = services.admin_token_failures
    if failures is None:
        _compare(given, expected)
        return
    address = client_address(connection, settings.admin_client_address_header, settings.trusted_proxies) or "unknown"
    # Every try is counted before its token is compared, and a right one given back: counted after, tries
    # arriving together (from several processes, or while one awaits the database) would all be compared
    # before any was counted. Past the limit a right guess is refused like a wrong one. Counted in the
    # database while it is away, this raises its error: a 503 as every admin request then, and no guess
    # is compared.
    if (wait := await failures.acquire(address)) is not None:
        raise _too_many(wait)
    _compare(given, expected)
    await failures.give_back(address)


def _compare(given: str, expected: str) -> None:
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise NotAuthorizedException("wrong admin token")


def _too_many(wait: float) -> TooManyRequestsException:
    seconds = max(1, math.ceil(wait))
    return TooManyRequestsException(
        f"too many wrong admin tokens from this address: try again in {seconds} s (admin_token_failures_per_minute)",
        headers={"retry-after": str(seconds)},
    )
