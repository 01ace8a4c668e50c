"""Stops outside a command's stoppable work: Ctrl-C and SIGTERM told in one line, exit 128 plus the signal's number.

gateway.cli imports this first, before its own slower imports (about a quarter of a second): a Ctrl-C then
went up to the interpreter, which printed a KeyboardInterrupt traceback, and a SIGTERM then, or while `serve`
built its app, ended the process by its default action, exit 143 and not a word. The standard library alone,
so that it is in place before anything slow is imported. The work itself is stopped by gateway.cli_signals.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class Terminated(BaseException):
    """SIGTERM, raised where the command was as Ctrl-C raises KeyboardInterrupt (no `except Exception` keeps it)."""


def _raise_terminated(_number: int, _frame: FrameType | None) -> None:
    raise Terminated


def stopped_by(error: BaseException) -> signal.Signals | None:
    """The signal `error` is the stop of (KeyboardInterrupt: Ctrl-C, Terminated: SIGTERM); None for any other."""
    if isinstance(error, KeyboardInterrupt):
        return signal.SIGINT
    if isinstance(error, Terminated):
        return signal.SIGTERM
    return None


@contextmanager
def sigterm_raised() -> Iterator[None]:
    """Within the block SIGTERM raises Terminated, unless something set its handling already (SIG_IGN stays)."""
    taken = signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    if taken:
        signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        if taken:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


@contextmanager
def stops_told() -> Iterator[None]:
    """Within the block SIGTERM raises Terminated; Ctrl-C or SIGTERM leaving it is one line and SystemExit(128 + N)."""
    try:
        with sigterm_raised():
            yield
    except (KeyboardInterrupt, Terminated) as stop:
        received = stopped_by(stop)
        assert received is not None
        say_stopped(f"stopped by {received.name}")
        raise SystemExit(128 + received.value) from None


def asked_for_json_logs() -> bool:
    """Whether FEEDGATE_LOG_FORMAT says json, read as the setting reads it (any case: `JSON` is json).

    Read before the settings are, for what is said while reading them: a log collector promised JSON lines
    cannot parse a plain-text line. (`auto` is left to the settings: before them, lines are text.)
    """
    return os.environ.get("FEEDGATE_LOG_FORMAT", "").strip().lower() == "json"


def say_stopped(message: str) -> None:
    """`message` on stderr as the command's one line: `feedgate: …`, or a JSON log line when JSON logs are asked for."""
    if not asked_for_json_logs():
        print(f"feedgate: {message}", file=sys.stderr)
        return
    import logging

    from gateway.observability.logs import log_handler

    # Through a handler of its own: the root logger is left as it is (a command run in process restores it).
    handler = log_handler("json", "info", sys.stderr)
    handler.handle(logging.LogRecord("feedgate", logging.ERROR, __file__, 0, "%s", (message,), None))
    handler.flush()
