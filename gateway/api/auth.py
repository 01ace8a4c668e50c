"""The admin token guard for `/api/` routes."""

from __future__ import annotations

import hmac
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler

from gateway.proxy.credentials import bearer_token


def require_admin(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Allow only requests bearing the configured admin token."""
    expected = connection.app.state.services.settings.admin_token
    if not expected:
        raise NotAuthorizedException("the admin API is disabled: set FEEDGATE_ADMIN_TOKEN to enable it")
    given = bearer_token(connection.headers.get("authorization"))
    if given is None:
        raise NotAuthorizedException("send the admin token as 'Authorization: Bearer <FEEDGATE_ADMIN_TOKEN>'")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise NotAuthorizedException("wrong admin token")
