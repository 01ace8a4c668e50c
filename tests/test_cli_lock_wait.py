"""`feedgate prune` and `feedgate erase` say so while they wait for a clustering pass, and how long they waited.

A prune or an erasure waits for the clustering pass under way (the two never run at once). It said nothing while it
waited (one run waited ~44 s behind a 79 s pass), then reported only its whole time, as if pruning had been slow.
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from test_cli_sigterm import environment, feedgate, said, seeded, until

from gateway.store.locks import CLUSTERING_LOCK, take_lock, try_lock

__all__ = ["environment", "seeded"]  # fixtures of test_cli_sigterm, used here by name

pytestmark = pytest.mark.timeout(240)
# How long the test's stand-in for a clustering pass holds the lock once the command waits for it.
HELD_SECONDS = 2.0
WAITING = "waiting for the clustering pass under way"


@pytest.mark.parametrize(
    ("command", "summary"),
    [(["prune", "--older-than", "30"], "pruned what was created before"), (["erase", "--user", "u-1"], "erased:")],
    ids=["prune", "erase"],
)
async def test_a_command_waiting_for_a_clustering_pass_says_so_once_and_how_long_it_waited(
    seeded: dict[str, str], engine: AsyncEngine, tmp_path: Path, command: list[str], summary: str
):
    log = tmp_path / "command.log"
    async with try_lock(engine, CLUSTERING_LOCK) as acquired:
        assert acquired
        process = await feedgate(command, seeded, log)

        async def waiting() -> bool:
            return WAITING in said(log)

        await until(waiting, process, log)
        await asyncio.sleep(HELD_SECONDS)
    assert await process.wait() == 0, said(log)

    output = said(log)
    assert output.count(WAITING) == 1, output
    [line] = [line for line in output.splitlines() if line.startswith(summary)]
    waited = re.search(r"waited ([0-9.]+) s for the clustering pass", line)
    assert waited is not None, line
    assert HELD_SECONDS <= float(waited[1]) < HELD_SECONDS + 10


@pytest.mark.parametrize(
    "command", [["prune", "--older-than", "30"], ["erase", "--user", "u-1"]], ids=["prune", "erase"]
)
async def test_the_waiting_line_names_the_app_whose_clustering_pass_holds_the_lock(
    seeded: dict[str, str], engine: AsyncEngine, tmp_path: Path, command: list[str]
):
    log = tmp_path / "command.log"
    async with take_lock(engine, CLUSTERING_LOCK, held_for="the clustering pass") as lock:
        assert lock.acquired
        await lock.say("the clustering pass of app 'support-bot'")
        process = await feedgate(command, seeded, log)

        async def waiting() -> bool:
            return "waiting for" in said(log)

        await until(waiting, process, log)
    assert await process.wait() == 0, said(log)

    [line] = [line for line in said(log).splitlines() if "waiting for" in line]
    assert line.startswith("waiting for the clustering pass of app 'support-bot' to finish: "), line


@pytest.mark.parametrize(
    "command", [["prune", "--older-than", "30"], ["erase", "--user", "u-1"]], ids=["prune", "erase"]
)
async def test_a_command_that_does_not_wait_says_nothing_of_waiting(
    seeded: dict[str, str], tmp_path: Path, command: list[str]
):
    log = tmp_path / "command.log"
    process = await feedgate(command, seeded, log)

    assert await process.wait() == 0, said(log)
    assert "wait" not in said(log)
