"""Logging what the HTTP layer could not handle: a 500 must leave a line with its traceback."""

from __future__ import annotations

import logging

from litestar.exceptions import HTTPException
from litestar.types import Scope

log = logging.getLogger("feedgate.http")


async def log_unhandled_error(exception: Exception, scope: Scope) -> None:
    """Log a handler's failure with its traceback; 4xx answers (bad input, no access) are not failures."""
    if isinstance(exception, HTTPException) and exception.status_code < 500:
        return
    method = scope.get("method", "")
    log.error("unhandled error answering %s %s", method, scope.get("path", ""), exc_info=exception)
