"""Before an erasure in a serving process: that process's own interactions, stored first.

The batched writer stores a call a moment after its answer (every flush interval, 0.2 s by default),
and during a database outage it appends calls to its spool file and replays them once the database is
back. An erasure that ran in between would miss the rows and they would be stored after it: an
erasure that reported success without having erased them. So the admin API's erasure first flushes
the answering process's writer, and refuses (nothing erased) while that writer still has rows it
could not put in the database.

This reaches one process only. Other gateway processes (`serve --workers N`, replicas) keep their own
queues and spools, and `feedgate erase` is a process of its own; the README's erasure section says
what an erasure cannot reach and what to do about it.
"""

from __future__ import annotations

import asyncio
from typing import Protocol

# The writer stores a batch in milliseconds; one that takes longer than this is stuck (a disk that refuses
# the spool while the database is away), and the erasure says so rather than hang the admin's request.
LONGEST_FLUSH_SECONDS = 5.0


class LocalWriter(Protocol):
    """What settling needs of the process's interaction writer."""

    @property
    def backlog(self) -> int:
        """Exchanges submitted but not yet stored or spooled."""
        ...

    @property
    def spooling(self) -> bool:
        """Whether rows are going to (or waiting in) the spool file rather than the database."""
        ...

    async def flush(self) -> None:
        """Store (or spool) everything submitted so far, now."""
        ...


class WriterNotSettled(Exception):
    """The process's writer still holds interactions outside the database: an erasure now would miss them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


async def settle_local_writer(writer: LocalWriter, timeout: float = LONGEST_FLUSH_SECONDS) -> None:
    """Flush `writer`; WriterNotSettled when it could not store everything it holds in the database."""
    try:
        await asyncio.wait_for(writer.flush(), timeout)
    except TimeoutError:
        raise WriterNotSettled(
            f"this gateway process still holds {writer.backlog} interactions it could not store within "
            f"{timeout:g} s; nothing was erased: try again once its writer has caught up"
        ) from None
    if writer.spooling:
        # The spool is replayed at the writer's next retry once the database answers (2 s by default).
        raise WriterNotSettled(
            "this gateway process has interactions in its spool file waiting for the database; "
            "nothing was erased: try again once they are stored (its /readyz then says 'ready')"
        )
