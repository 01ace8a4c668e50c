"""Stopping a command on SIGTERM as on Ctrl-C: its work is cancelled, so locks are let go and transactions rolled back.

Every one-off command that touches the database runs its work through `run_stoppable`: cluster, prune, erase,
import, export, keys and user (gateway/cli*.py), and `serve`'s check of its database; `db upgrade`, blocking code
running event loops of its own (Alembic's), through `run_blocking_stoppable`; `worker`, which runs until stopped,
through `run_service`, whose stop before it has started is told as theirs.

SIGTERM's default action (a container stop, systemd's) ended the process on the spot: on SQLite a clustering
or prune lock's row stayed behind, and no pass, prune or erasure ran until it expired (2 hours).
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Awaitable, Callable
from types import FrameType
from typing import Any, ParamSpec, TypeVar

T = TypeVar("T")
P = ParamSpec("P")
logger = logging.getLogger("feedgate")
# What a stopped command that only reads, or whose one transaction was rolled back, says.
NOTHING_CHANGED = "nothing was changed; run the command again"


class CommandStopped(Exception):
    """A one-off command stopped by a signal before it finished; `exit_status` is 128 plus the signal's number."""

    def __init__(self, message: str, exit_status: int) -> None:
        super().__init__(message)
        self.exit_status = exit_status


def cancel_on_sigterm(on_signal: Callable[[signal.Signals], None] = lambda _received: None) -> None:
    """Make SIGTERM cancel the running task as Ctrl-C does; `on_signal` is told first, of the signal. Once: a second
    SIGTERM would cut short the task's letting go of what it holds. A blocking call the task makes through
    `interruptible` is ended by it too, and by the first Ctrl-C."""
    global _watch
    task = asyncio.current_task()
    if task is None:
        return
    watch = _SigtermWatch(task, on_signal)
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, watch.stop)
    # asyncio's own handler in Python does nothing: it has the loop told, which a blocking call keeps from running.
    signal.signal(signal.SIGTERM, watch.signalled)
    signal.siginterrupt(signal.SIGTERM, False)  # as asyncio has it: other system calls go on once the signal is handled
    # asyncio's Ctrl-C handler only cancels the task, which a blocking call keeps from running too: only a second
    # Ctrl-C (KeyboardInterrupt) ended it. Ignored (a background job's), Ctrl-C stays ignored.
    if callable(watch.on_sigint):
        signal.signal(signal.SIGINT, watch.interrupted)
        task.add_done_callback(watch.let_go_of_sigint)
    _watch = watch


class _SigtermWatch:
    """SIGTERM's stop of one task: `stop`, run by its loop; `signalled`, run by Python in the main thread as the
    signal comes, which reaches the task in a blocking call (the loop runs nothing until that returns). And
    Ctrl-C's, in a blocking call: `interrupted`; elsewhere asyncio's handler, `on_sigint`, cancels the task."""

    def __init__(self, task: asyncio.Task[Any], on_signal: Callable[[signal.Signals], None]) -> None:
        self.task = task
        self.on_signal = on_signal
        self.on_sigint = signal.getsignal(signal.SIGINT)
        self.stopped = False
        self.received = False  # SIGTERM has come, and the loop may not have run `stop` yet
        self.cancelled_by_sigint = False  # asyncio's handler has cancelled the task, which may not have seen it yet
        self.blocking = False  # the task is in a call `interruptible` made

    def stop(self) -> None:
        """The task cancelled, once."""
        if self.stopped or self.task.cancelling():
            return
        self.stopped = True
        self.on_signal(signal.SIGTERM)
        self.task.cancel()

    def signalled(self, _signal: int, _frame: object) -> None:
        """Python's SIGTERM handler: the stop raised out of a blocking call, if the task is in one."""
        self.received = True
        if self.blocking:
            self.stop_here(signal.SIGTERM)

    def interrupted(self, number: int, frame: FrameType | None) -> None:
        """Python's Ctrl-C handler while the task is watched: in a blocking call, the stop raised out of it as
        SIGTERM's; elsewhere asyncio's (the task cancelled; a second Ctrl-C raises KeyboardInterrupt)."""
        if self.blocking and not self.stopped and not self.task.cancelling():
            self.stop_here(signal.SIGINT)
        self.cancelled_by_sigint = True
        if callable(self.on_sigint):
            self.on_sigint(number, frame)

    def let_go_of_sigint(self, _task: asyncio.Task[Any]) -> None:
        """asyncio's Ctrl-C handler back once the task is done, for asyncio to put Python's back in turn."""
        if signal.getsignal(signal.SIGINT) == self.interrupted:
            signal.signal(signal.SIGINT, self.on_sigint)

    def stop_here(self, received: signal.Signals) -> None:
        """Stop the task where it is, by raising CancelledError, once. Its cancel is not asked for as well: that would
        cancel the first wait of its letting go (a `finally`'s) too."""
        if self.stopped or self.task.cancelling():
            return
        self.stopped = True
        self.blocking = False
        self.on_signal(received)
        raise asyncio.CancelledError


# The task cancel_on_sigterm watches last (one command runs in a process).
_watch: _SigtermWatch | None = None


def interruptible(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`call(*args, **kwargs)`, a blocking call on the event loop's thread (a write into a pipe nobody reads, opening a FIFO no one
    opens), which SIGTERM or Ctrl-C ends: the loop, the one asyncio's handlers tell or cancel, runs nothing until the
    call returns. In the task cancel_on_sigterm watches, a SIGTERM or Ctrl-C come before or during the call raises
    CancelledError out of it."""
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no event loop running here
        task = None
    watch = _watch
    if watch is None or task is not watch.task:
        return call(*args, **kwargs)
    if watch.received:
        watch.stop_here(signal.SIGTERM)
    if watch.cancelled_by_sigint:
        # Ctrl-C has come: asyncio's handler has cancelled the task, which sees it at its next wait, after this
        # call, which only a second Ctrl-C would end.
        raise asyncio.CancelledError
    watch.blocking = True
    # The signal fails the system call under way (EINTR), so that Python runs `signalled`, rather than restarting it.
    signal.siginterrupt(signal.SIGTERM, True)
    try:
        return call(*args, **kwargs)
    finally:
        watch.blocking = False
        signal.siginterrupt(signal.SIGTERM, False)


def run_stoppable(work: Callable[[], Awaitable[T]], unfinished: str | Callable[[], str]) -> T:
    """`asyncio.run(work())`, which SIGTERM or Ctrl-C cancel; then CommandStopped saying `unfinished` (what is
    left as it was and what to do; a callable is asked once the work has stopped, for what it got done), with
    the conventional exit status (143 for SIGTERM, 130 for Ctrl-C)."""
    try:
        return _run_cancelled_by_signals(work)
    except _StoppedBy as stop:
        said = unfinished if isinstance(unfinished, str) else unfinished()
        raise CommandStopped(f"stopped by {stop.received.name}: {said}", 128 + stop.received.value) from None


def run_service(
    work: Callable[[Callable[[], None]], Awaitable[object]],
    not_started: str,
    on_stop: Callable[[signal.Signals], None] = lambda _received: None,
) -> None:
    """Run a long-running command's `work` (`feedgate worker`) until it ends or SIGTERM or Ctrl-C stop it.

    `work` calls the function it is given once it has started (its database checked, or upgraded on SQLite): a
    stop before that is the start cut short, CommandStopped saying `not_started` (exit 143, 130 for Ctrl-C), as
    run_stoppable's; after it, the service's own end, exit 0, `on_stop` told of SIGTERM first.
    """
    started = False

    def serving() -> None:
        nonlocal started
        started = True

    def told(received: signal.Signals) -> None:
        if started:
            on_stop(received)

    try:
        _run_cancelled_by_signals(lambda: work(serving), told)
    except _StoppedBy as stop:
        if not started:
            raise CommandStopped(f"stopped by {stop.received.name}: {not_started}", 128 + stop.received.value) from None


class _StoppedBy(Exception):
    """Work run by `_run_cancelled_by_signals` was stopped by `received`."""

    def __init__(self, received: signal.Signals) -> None:
        super().__init__(received.name)
        self.received = received


def _run_cancelled_by_signals(
    work: Callable[[], Awaitable[T]], on_signal: Callable[[signal.Signals], None] = lambda _received: None
) -> T:
    """`asyncio.run(work())`, which SIGTERM or Ctrl-C cancel (cancel_on_sigterm, told to `on_signal`); stopped so,
    _StoppedBy naming the first signal."""
    stopped_by: list[signal.Signals] = []

    def told(received: signal.Signals) -> None:
        stopped_by.append(received)
        on_signal(received)

    async def main() -> T:
        cancel_on_sigterm(told)
        return await work()

    # The loop, closing, sets SIGTERM's handling to the default: put back what the command had (gateway.cli_start's,
    # so that a SIGTERM after the work, `serve` building its app, is told too, not a silent exit 143).
    previous = signal.getsignal(signal.SIGTERM)
    try:
        return asyncio.run(main())
    except KeyboardInterrupt:
        stopped_by.append(signal.SIGINT)
    except (asyncio.CancelledError, Exception):
        # After a stop, an error here is the cancelled statement's (a rollback cut short): the stop is the news.
        if not stopped_by:
            raise
        logger.debug("after %s", stopped_by[0].name, exc_info=True)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    raise _StoppedBy(stopped_by[0])


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
