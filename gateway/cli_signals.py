"""Stopping a command on SIGTERM as on Ctrl-C: its work is cancelled, so locks are let go and transactions rolled back.

Every one-off command that touches the database runs its work through `run_stoppable`: cluster, prune, erase,
import, export, keys and user (gateway/cli*.py); `db upgrade`, blocking code running event loops of its own
(Alembic's), through `run_blocking_stoppable`.

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


class _Stopped(BaseException):
    """SIGTERM, raised where blocking code was (a BaseException, as KeyboardInterrupt, so no `except Exception` keeps it)."""


def run_blocking_stoppable(work: Callable[[], T], unfinished: Callable[[], str]) -> T:
    """`work()`, blocking code that runs event loops of its own (an Alembic upgrade), which SIGTERM or Ctrl-C stop
    as run_stoppable's work: the loop running then has its tasks cancelled (the statement under way is cancelled,
    its transaction rolled back); between loops (waiting for a file lock) the stop is raised where the code is.
    Then CommandStopped saying `unfinished()`, asked once the work has stopped."""
    stopped_by: list[signal.Signals] = []

    def on_sigterm(_signal: int, _frame: object) -> None:
        if stopped_by:
            return  # once: a second would cut short the letting go of what the first stop left
        stopped_by.append(signal.SIGTERM)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise _Stopped from None
        # Not from here, between two of the loop's bytecodes: in its next turn, as its own handlers run.
        loop.call_soon_threadsafe(_cancel_every_task, loop)

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        try:
            return work()
        except KeyboardInterrupt:
            stopped_by.append(signal.SIGINT)
        except (_Stopped, asyncio.CancelledError, Exception):
            if not stopped_by:
                raise
            logger.debug("after %s", stopped_by[0].name, exc_info=True)
        received = stopped_by[0]
        said = unfinished()  # still under on_sigterm: a second SIGTERM does not cut it short
    finally:
        signal.signal(signal.SIGTERM, previous)
    raise CommandStopped(f"stopped by {received.name}: {said}", 128 + received.value) from None


def _cancel_every_task(loop: asyncio.AbstractEventLoop) -> None:
    for task in asyncio.all_tasks(loop):
        task.cancel()
