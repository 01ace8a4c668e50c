"""Logging what the HTTP layer could not handle: a 500 must leave a line with its traceback."""

from __future__ import annotations

import logging

from litestar.exceptions import HTTPException
from litestar.types import Scope

from gateway.api.database_outage import OUTAGE_TYPES, log_outage
from gateway.store.availability import database_unavailable

log = logging.getLogger("feedgate.http")
# What Litestar raises (as a 500) when the client goes away before its body was read: its only sign.
CLIENT_GONE = "client disconnected prematurely"


async def log_unhandled_error(exception: Exception, scope: Scope) -> None:
    """Log a handler's failure with its traceback; 4xx answers (bad input, no access) are not failures."""
    if database_unavailable(exception):
        log_outage(str(scope.get("method", "")), str(scope.get("path", "")), exception)
        return
    if isinstance(exception, HTTPException):
        if exception.status_code < 500:
            return
        if exception.detail == CLIENT_GONE:
            # The browser dropped the request (a double-clicked submit, a closed tab): nobody to answer.
            log.info("client disconnected before %s %s was read", scope.get("method", ""), scope.get("path", ""))
            return
    elif not isinstance(exception, OUTAGE_TYPES) and _answered_by_design(exception, scope):
        # (A database error that is not an outage has a handler too, but is still a 500.)
        return
    method = scope.get("method", "")
    log.error("unhandled error answering %s %s", method, scope.get("path", ""), exc_info=exception)


def _answered_by_design(exception: Exception, scope: Scope) -> bool:
    """Whether the route maps this exception's type to an answer of its own (a domain error: 400, 404, 409...)."""
    # Litestar calls this hook for every exception, including those its exception handlers turn
    # into a client error: logging those as errors buried the real 500s (75 such lines to 2).
    route_handler = scope.get("route_handler")
    if route_handler is None:
        return False
    handlers = route_handler.resolve_exception_handlers()
    return any(cls in handlers for cls in type(exception).__mro__ if cls not in (Exception, BaseException))
