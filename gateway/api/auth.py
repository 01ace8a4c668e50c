"""The admin token guard for `/api/` routes."""

from __future__ import annotations

import hmac
import math
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, TooManyRequestsException
from litestar.handlers import BaseRouteHandler

from gateway.api.client_address import client_address
from gateway.proxy.credentials import bearer_token


def require_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Allow only requests bearing the configured admin token; an address that sent too many wrong ones waits."""
    services = connection.app.state.services
    settings = services.settings
    expected = settings.admin_token
    if not expected:
        raise NotAuthorizedException("the admin API is disabled: set FEEDGATE_ADMIN_TOKEN to enable it")
    given = bearer_token(connection.headers.get("authorization"))
    if given is None:
        raise NotAuthorizedException("send the admin token as 'Authorization: Bearer <FEEDGATE_ADMIN_TOKEN>'")
    failures = services.admin_token_failures
    address = client_address(connection, settings.admin_client_address_header, settings.trusted_proxies)
    # Asked before the token is compared: past the limit, a right guess is refused like a wrong one.
    if failures is not None and (wait := failures.waiting(address)) is not None:
        raise _too_many(wait)
    if not hmac.compare_digest(given.encode(), expected.encode()):
        if failures is not None:
            failures.acquire(address)
        raise NotAuthorizedException("wrong admin token")


def _too_many(wait: float) -> TooManyRequestsException:
    seconds = max(1, math.ceil(wait))
    return TooManyRequestsException(
        f"too many wrong admin tokens from this address: try again in {seconds} s (admin_token_failures_per_minute)",
        headers={"retry-after": str(seconds)},
    )
