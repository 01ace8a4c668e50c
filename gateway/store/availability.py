"""Telling a database outage from a bad statement: the writer spools on one and not the other, and
background refreshers log one line, not a traceback, while the database is away."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

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
    return any(_signals_unavailability(link) for link in _causes(exc))


def database_silent(exc: BaseException) -> bool:
    """Whether an operation was given up because the database did not answer in time (a kind of unavailability).

    asyncpg's `command_timeout` and connect timeout (TimeoutError), no pooled connection freed in time, or
    SQLite's busy timeout on another connection's write lock ("database is locked").
    """
    return any(
        isinstance(link, (asyncio.TimeoutError, PoolTimeout)) or "database is locked" in str(link)
        for link in _causes(exc)
    )


def outage_reason(exc: BaseException) -> str:
    """An outage's error for a log line: a timeout says so (asyncpg's TimeoutError has no message of its own)."""
    if database_silent(exc):
        return f"no answer in time ({type(exc).__name__})"
    if isinstance(exc, DBAPIError) and exc.orig is not None:
        # SQLAlchemy's own text runs over four lines (the statement, "[SQL parameters hidden …]", a link to
        # its docs): the driver's words say what happened, on one line.
        driver = exc.orig
        said = str(driver).strip().splitlines()
        return f"{said[0]} ({type(driver).__name__})" if said else type(driver).__name__
    return str(exc) or type(exc).__name__


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc` and what it was raised from: its causes, and a SQLAlchemy error's driver error."""
    chain: list[BaseException] = []
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        chain.append(link)
        link = link.__cause__ or getattr(link, "orig", None)
    return chain


def _signals_unavailability(exc: BaseException) -> bool:
    # PoolTimeout: every pooled connection stayed busy past the pool's timeout (a database holding them all up).
    if isinstance(exc, (OSError, ConnectionError, asyncio.TimeoutError, InterfaceError, OperationalError, PoolTimeout)):
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
        logger.warning("%s failed (database unavailable: %s); %s", what, outage_reason(exc), then)
    else:
        logger.error("%s failed; %s", what, then, exc_info=exc)


# While an outage lasts, a loop's failures are told again this often (its first and its end always are).
OUTAGE_REMINDER_SECONDS = 300.0


class FailedRounds:
    """A background loop's failed rounds, logged as `log_failed_round` does, but an outage in three lines, not one a round.

    A loop refreshing every few seconds wrote a warning every round of an outage (four loops: a dozen lines a
    minute per process). The outage's first failure is told, again every `reminder_seconds` while it lasts, and
    the first round that succeeds after it says so with how long it lasted.
    """

    def __init__(
        self,
        logger: logging.Logger,
        what: str,
        then: str,
        reminder_seconds: float = OUTAGE_REMINDER_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._logger = logger
        self._what = what
        self._then = then
        self._reminder_seconds = reminder_seconds
        self._clock = clock
        self._outage_since: float | None = None
        self._told_at = 0.0

    def failed(self, exc: BaseException) -> None:
        """Log one failed round: a bug's traceback every time, an outage's line when it starts and as a reminder."""
        if not database_unavailable(exc):
            self._logger.error("%s failed; %s", self._what, self._then, exc_info=exc)
            return
        now = self._clock()
        if self._outage_since is None:
            self._outage_since = self._told_at = now
            self._logger.warning("%s failed (database unavailable: %s); %s", self._what, outage_reason(exc), self._then)
        elif now - self._told_at >= self._reminder_seconds:
            self._told_at = now
            self._logger.warning(
                "%s still failing after %.0f s (database unavailable: %s); %s",
                self._what,
                now - self._outage_since,
                outage_reason(exc),
                self._then,
            )

    def succeeded(self) -> None:
        """A round went through: the end of an outage, if one was told, is told too."""
        if self._outage_since is not None:
            lasted = self._clock() - self._outage_since
            self._outage_since = None
            self._logger.info("%s works again, after %.0f s of database outage", self._what, lasted)
