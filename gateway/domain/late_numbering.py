"""The round that gives rows stored without a number their place in the stored order (gateway.store.late_numbers).

Run by `serve` (each process) and `worker` beside their other background rounds, every
`late_numbering_interval` seconds (a minute unless set); it also records where those calls' answers list their
choices, which such a gateway did not. Only a gateway of a version before the stored
order stores such rows (left running through `feedgate db upgrade`), so a round almost always finds
none, at the cost of one indexed query. Rounds in several processes at once
are safe: on PostgreSQL each skips the rows another holds, on SQLite the write lock takes them in turn.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.counted import counted
from gateway.store.availability import FailedRounds
from gateway.store.late_numbers import number_late_rows

logger = logging.getLogger("feedgate.stored_order")


async def number_late_rows_periodically(engine: AsyncEngine, interval: float) -> None:
    """Every `interval` seconds until cancelled, number the rows stored without a number; failures are logged."""
    failures = FailedRounds(logger, "numbering rows stored without a number", f"trying again in {interval:g} s")
    while True:
        # The first round waits too: a process that lives a moment (a command, a test's app) touches nothing.
        await asyncio.sleep(interval)
        try:
            numbered = await number_late_rows(engine)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - logged (FailedRounds); the next round must still run
            failures.failed(exc)
            continue
        failures.succeeded()
        if numbered:
            # Rare and worth a line: an older gateway is (or was) writing to this database.
            logger.warning(
                "numbered %s stored without a place in the stored order (by a gateway older than this one?)",
                counted(numbered, "row"),
                extra={"late_numbered_rows": numbered},
            )
