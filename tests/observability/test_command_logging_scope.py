"""A command run in process leaves logging as it found it: no handler on a stream its caller closes after.

`feedgate` configures the root logger for the process it runs in (a StreamHandler on the stderr of the
moment). Run through `main` in process (tests, a script), that stderr may be a captured one its caller
closes afterwards: the handler left behind then answered every later log line with "--- Logging error
--- ... ValueError: I/O operation on closed file", and the root's level stayed INFO for what came next.
"""

from __future__ import annotations

import io
import logging
import sys

import pytest

from gateway.cli import main


def stderr_closed_after(monkeypatch: pytest.MonkeyPatch) -> io.StringIO:
    """The stderr a command runs with, which the test closes once the command returned (as capsys closes its own).

    Set in the test's body: pytest sets its own capture back on sys.stderr between a fixture and the test.
    """
    stderr = io.StringIO()
    monkeypatch.setattr(sys, "stderr", stderr)
    return stderr


def writing_to_closed_streams() -> list[logging.Handler]:
    """The handlers of the root logger and the named ones that write to a closed stream."""
    loggers = [logging.getLogger(), *(logging.getLogger(name) for name in logging.root.manager.loggerDict)]
    handlers = [handler for logger in loggers for handler in getattr(logger, "handlers", [])]
    return [h for h in handlers if isinstance(h, logging.StreamHandler) and getattr(h.stream, "closed", False)]


def feedgate(*args: str) -> int:
    try:
        main(list(args))
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_a_command_run_in_process_leaves_no_handler_on_the_stderr_it_ran_with(monkeypatch, tmp_path):
    closed_stderr = stderr_closed_after(monkeypatch)
    monkeypatch.setenv("FEEDGATE_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'feedgate.db'}")
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level

    assert feedgate("db", "upgrade") == 0
    assert feedgate("user", "list") == 0
    closed_stderr.close()

    assert writing_to_closed_streams() == []
    assert root.handlers == handlers and root.level == level
