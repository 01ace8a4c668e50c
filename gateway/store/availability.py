"""Telling a database outage from a bad statement: the writer spools on one and not the other, and
background refreshers log one line, not a traceback, while the database is away."""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

try:
    import asyncpg

    _ASYNCPG_UNAVAILABLE: tuple[type[BaseException], ...] = (
        asyncpg.PostgresConnectionError,  # includes ConnectionDoesNotExistError
        asyncpg.CannotConnectNowError,
        asyncpg.AdminShutdownError,
        asyncpg.CrashShutdownError,
        asyncpg.TooManyConnectionsError,
    )
    _ASYNCPG_INTERFACE_ERROR: type[BaseException] | None = asyncpg.InterfaceError
except ImportError:  # pragma: no cover - asyncpg is a dependency, but only PostgreSQL needs it
    _ASYNCPG_UNAVAILABLE = ()
    _ASYNCPG_INTERFACE_ERROR = None


def database_unavailable(exc: BaseException) -> bool:
    """Whether an operation failed because the database is unreachable, not because of what it sent.

    Follows the chain of causes: a connection lost while SQLAlchemy opens one
    arrives as a plain DBAPIError (nothing to invalidate yet) caused by asyncpg's
    connection error, or as asyncpg's bare InterfaceError("connection is closed").
    """
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if _signals_unavailability(link):
            return True
        link = link.__cause__ or getattr(link, "orig", None)
    return False


def _signals_unavailability(exc: BaseException) -> bool:
    if isinstance(exc, (OSError, ConnectionError, asyncio.TimeoutError, InterfaceError, OperationalError)):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    # asyncpg's bare InterfaceError is about the connection's state; its subclasses
    # (e.g. DataError for a bad query argument) are about the rows.
    return isinstance(exc, _ASYNCPG_UNAVAILABLE) or type(exc) is _ASYNCPG_INTERFACE_ERROR


def log_failed_round(logger: logging.Logger, exc: BaseException, what: str, then: str) -> None:
    """Log a background round that failed: one warning line during an outage, else the traceback.

    `what` names the round ("retention prune"); `then` says what happens next ("trying again in 60 s").
    Repeated every round of an outage, a traceback buried the lines that said what was wrong.
    """
    if database_unavailable(exc):
        logger.warning("%s failed (database unavailable: %s); %s", what, exc, then)
    else:
        logger.error("%s failed; %s", what, then, exc_info=exc)
