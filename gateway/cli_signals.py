"""Stopping a command on SIGTERM as on Ctrl-C: its work is cancelled, so locks are let go and transactions rolled back.

Every one-off command that touches the database runs its work through `run_stoppable`: cluster, prune, erase,
import, export, keys and user (gateway/cli*.py).

SIGTERM's default action (a container stop, systemd's) ended the process on the spot: on SQLite a clustering
or prune lock's row stayed behind, and no pass, prune or erasure ran until it expired (2 hours).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")
logger = logging.getLogger("feedgate")
# What a stopped command that only reads, or whose one transaction was rolled back, says.
NOTHING_CHANGED = "nothing was changed; run the command again"


class CommandStopped(Exception):
    """A one-off command stopped by a signal before it finished; `exit_status` is 128 plus the signal's number."""

    def __init__(self, message: str, exit_status: int) -> None:
        super().__init__(message)
        self.exit_status = exit_status


def cancel_on_sigterm(on_signal: Callable[[], None] = lambda: None) -> None:
    """Make SIGTERM cancel the running task as Ctrl-C does; `on_signal` is told first. Once: a second SIGTERM
    would cut short the task's letting go of what it holds."""
    task = asyncio.current_task()
    if task is None:
        return

    def stop() -> None:
        if task.cancelling():
            return
        on_signal()
        task.cancel()

    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop)


def run_stoppable(work: Callable[[], Awaitable[T]], unfinished: str | Callable[[], str]) -> T:
    """`asyncio.run(work())`, which SIGTERM or Ctrl-C cancel; then CommandStopped saying `unfinished` (what is
    left as it was and what to do; a callable is asked once the work has stopped, for what it got done), with
    the conventional exit status (143 for SIGTERM, 130 for Ctrl-C)."""
    stopped_by: list[signal.Signals] = []

    async def main() -> T:
        cancel_on_sigterm(lambda: stopped_by.append(signal.SIGTERM))
        return await work()

    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        stopped_by.append(signal.SIGINT)
    except (asyncio.CancelledError, Exception):
        # After a stop, an error here is the cancelled statement's (a rollback cut short): the stop is the news.
        if not stopped_by:
            raise
        logger.debug("after %s", stopped_by[0].name, exc_info=True)
    received = stopped_by[0]
    said = unfinished if isinstance(unfinished, str) else unfinished()
    raise CommandStopped(f"stopped by {received.name}: {said}", 128 + received.value) from None
