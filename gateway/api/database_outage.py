"""A request the database could not serve because it is away: a 503 with Retry-After, not a 500.

While the database is down the proxy keeps answering (its interactions are spooled), but feedback,
the admin API and the pages need the database itself. They answer 503 with a Retry-After, in the
shape their callers read (OpenAI's error for /v1, the API's for /api, a page for /admin), and the
log gets one warning line per request instead of a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import InternalServerException, ServiceUnavailableException
from litestar.exceptions.responses import create_exception_response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from gateway.api.request_services import services_of
from gateway.errors import openai_error_body
from gateway.proxy.credentials import KeyLookupUnavailable
from gateway.store.availability import database_silent, database_unavailable

log = logging.getLogger("feedgate.http")

# How long a client is asked to wait before trying again.
RETRY_AFTER_SECONDS = 5
MESSAGE = f"the database is unreachable for the moment; nothing was changed: try again in {RETRY_AFTER_SECONDS} s"
CODE = "database_unavailable"
# The exception types a lost or refused database connection arrives as (database_unavailable decides);
# an app's gateway key that could not be looked up carries the connection's error as its cause.
# No pooled connection freed within the limit (PoolTimeout) is one too.
OUTAGE_TYPES: tuple[type[Exception], ...] = (DBAPIError, OSError, KeyLookupUnavailable, PoolTimeout)


def outage_message(request: Request[Any, Any, Any], exc: BaseException) -> str:
    """What a 503 says: the database is unreachable, or did not answer within the limit (naming its setting)."""
    if not database_silent(exc):
        return MESSAGE
    limit = services_of(request).settings.database_timeout
    return (
        f"the database did not answer within {limit:g} s (FEEDGATE_DATABASE_TIMEOUT): it is busy or hung for "
        f"the moment; try again in {RETRY_AFTER_SECONDS} s"
    )


def log_outage(method: str, path: str, exc: BaseException) -> None:
    """One warning line for a request the database's absence refused: expected during an outage."""
    if database_silent(exc):
        log.warning("database did not answer in time for %s %s: 503 (%s)", method, path, type(exc).__name__)
        return
    log.warning("database unreachable answering %s %s: 503 (%s)", method, path, type(exc).__name__)


def retry_headers() -> dict[str, str]:
    """The headers of an outage's 503."""
    return {"retry-after": str(RETRY_AFTER_SECONDS)}


def outage_response(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """503 for a database that is away, in the caller's error shape; any other database error stays a 500."""
    if not database_unavailable(exc):
        return create_exception_response(request, InternalServerException())
    message = outage_message(request, exc)
    if request.url.path.startswith("/v1/"):
        body = openai_error_body(503, message, CODE)
        return Response(body, status_code=503, media_type="application/json", headers=retry_headers())
    return create_exception_response(request, ServiceUnavailableException(message, headers=retry_headers()))
