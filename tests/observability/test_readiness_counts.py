"""/readyz says how many interactions wait in the writer's memory in words that fit the number ("1 interaction")."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from gateway.observability.health import check_readiness


@dataclass
class WaitingWriter:
    """A writer whose database call has waited 3 s, with `backlog` interactions in memory."""

    backlog: int
    spooling: bool = False
    can_spool: bool = True
    waiting_seconds: float = 3.0
    database_timeout: float | None = 6.0


@pytest.mark.parametrize(("backlog", "said"), [(1, "1 interaction"), (3, "3 interactions")])
async def test_the_writer_check_counts_the_interactions_waiting_in_memory(engine, backlog, said):
    readiness = await check_readiness(engine, WaitingWriter(backlog))

    assert readiness.checks["writer"] == (
        f"waiting: the database has not answered the writer for 3 s; {said} waiting in this process's memory, "
        "spooled if it does not answer within 6 s"
    )
