"""Readiness: may this process take traffic? The database answers (or the writer spools), the schema is current."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.counted import counted
from gateway.store.migrate import schema_ahead_message, schema_is_ahead
from gateway.store.schema_state import expected_revision, schema_revision

logger = logging.getLogger("feedgate.health")

# A probe that waits longer than this for the database counts it as unreachable.
DATABASE_TIMEOUT_SECONDS = 2.0
# The liveness answer, the same from the gateway's /healthz and the worker's.
ALIVE = b'{"status":"alive"}'


class WriterState(Protocol):
    """What readiness needs to know of the interaction writer."""

    @property
    def spooling(self) -> bool:
        """Whether interactions currently go to the spool file instead of the database."""
        ...

    @property
    def can_spool(self) -> bool:
        """Whether interactions could go to the spool file now: it, or its folder, is writable, and no append failed."""
        ...

    @property
    def backlog(self) -> int:
        """Interactions in this process's memory, not yet stored or spooled."""
        ...

    @property
    def waiting_seconds(self) -> float:
        """How long the writer's database call under way has waited for an answer (0: none, or a quick one)."""
        ...

    @property
    def database_timeout(self) -> float | None:
        """After how long a database call is given up and the database counts as away (None: never)."""
        ...


@dataclass(frozen=True, slots=True)
class Readiness:
    """The verdict, and what was found: each check's outcome in words, and every problem."""

    ready: bool
    # "ready", "spooling" (ready: the database is away but interactions are kept on disk) or "not ready".
    status: str
    checks: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


async def check_readiness(
    engine: AsyncEngine, writer: WriterState, timeout: float = DATABASE_TIMEOUT_SECONDS
) -> Readiness:
    """Ask the database for its schema revision (within `timeout`) and judge whether to take traffic."""
    expected = expected_revision()
    try:
        found = await asyncio.wait_for(schema_revision(engine), timeout)
    except Exception as exc:  # noqa: BLE001 - any failure to answer: refused, reset, timed out, bad credentials
        # Anyone may ask /readyz: the answer names the kind of failure, never the database's host, port or
        # role names that the driver's message holds; those go to the log (at debug: probes come often,
        # and the writer and the pages log the outage themselves).
        logger.debug("readiness: the database did not answer: %s", _short(exc))
        reason = f"no answer within {timeout:g} s" if isinstance(exc, TimeoutError) else type(exc).__name__
        return _database_away(reason, writer)
    checks = {"database": "answers", "writer": _waiting(writer) or ("spooling" if writer.spooling else "storing")}
    if found == expected:
        checks["migrations"] = f"current ({expected})"
        return Readiness(True, "ready", checks)
    if found is not None and schema_is_ahead(found):
        checks["migrations"] = f"database at {found}, newer than this gateway ({expected})"
        return Readiness(False, "not ready", checks, [schema_ahead_message(found)])
    checks["migrations"] = f"database at {found or 'no revision'}, this gateway expects {expected}"
    problem = (
        f"the database schema is at {found or 'no revision (never migrated)'}, but this gateway expects "
        f"{expected}: run `feedgate db upgrade`"
    )
    return Readiness(False, "not ready", checks, [problem])


def _database_away(reason: str, writer: WriterState) -> Readiness:
    """The verdict when the database does not answer: ready while interactions can be spooled.

    Ready whether or not this process has spooled yet: a replica with no traffic since the outage
    began would otherwise be taken out of a readiness-gated balancer and never get the call that
    makes it spool, and every replica would end up out of service.
    """
    checks = {"database": f"unreachable: {reason}", "migrations": "unknown: the database did not answer"}
    if not writer.can_spool:
        # Checked first: a writer that has been spooling and then meets a full or read-only disk
        # holds the calls in memory only, which is not what "spooling" promises.
        checks["writer"] = "cannot spool: the spool file is not writable; interactions wait in memory"
        problem = (
            f"the database does not answer ({reason}) and the spool file is not writable: interactions wait in "
            "this process's memory and are lost if it stops; free or fix the spool's disk, or bring the database back"
        )
        return Readiness(False, "not ready", checks, [problem])
    if waiting := _waiting(writer):
        # Ready still: the calls go to the spool within the limit, and every replica meets the same database.
        checks["writer"] = waiting
        return Readiness(True, "spooling", checks)
    if writer.spooling:
        checks["writer"] = "spooling: interactions are kept on disk and replayed when the database is back"
        return Readiness(True, "spooling", checks)
    checks["writer"] = "will spool: the spool file is writable; interactions are replayed when the database is back"
    return Readiness(True, "spooling", checks)


def _waiting(writer: WriterState) -> str | None:
    """The writer's state in words while a database call of its has waited a while; None otherwise.

    A silent database once read "will spool" here while 420 calls waited in memory for it to answer.
    """
    waited = writer.waiting_seconds
    if not waited:
        return None
    then = (
        f"spooled if it does not answer within {writer.database_timeout:g} s"
        if writer.database_timeout is not None
        else "stored when it answers"
    )
    memory = f"{counted(writer.backlog, 'interaction')} waiting in this process's memory"
    if writer.spooling:
        # A replay's first batch, asking whether the database is back.
        return (
            f"spooling: interactions are kept on disk; the replay has waited {int(waited)} s for the database, "
            f"with {memory} meanwhile, {then}"
        )
    return f"waiting: the database has not answered the writer for {int(waited)} s; {memory}, {then}"


def _short(exc: BaseException) -> str:
    """An exception in one line, without SQLAlchemy's long background links."""
    text = str(exc).split("\n", 1)[0].strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
