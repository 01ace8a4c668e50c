"""Ctrl-C before a command reaches its stoppable work (its slow imports, its settings being read) is one line, 130.

The work itself is stopped by gateway.cli_signals; before it, a KeyboardInterrupt went up to the interpreter, which
printed its traceback (and a command like `cluster` imports for seconds before it touches the database).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.cli_run import FEEDGATE

pytestmark = pytest.mark.timeout(60)


def test_ctrl_c_while_the_settings_are_read_is_one_line_and_status_130(tmp_path: Path):
    # A config file that is a FIFO: reading it waits for a writer, which holds the command still before its work.
    config = tmp_path / "feedgate.toml"
    os.mkfifo(config)
    env = {name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")}
    env |= {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/f.db", "FEEDGATE_LOG_FORMAT": "text"}
    process = subprocess.Popen(
        [*FEEDGATE, "cluster", "--config", str(config)], env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        writer = _writer_once_it_reads(config, process)
        try:
            process.send_signal(signal.SIGINT)
            _, said = process.communicate(timeout=30)
        finally:
            os.close(writer)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 130, said
    assert said.splitlines() == ["feedgate: stopped by SIGINT"], said


def _writer_once_it_reads(fifo: Path, process: subprocess.Popen[str]) -> int:
    """The FIFO's write end, opened once the command has opened it to read (it then waits in its read)."""
    deadline = time.monotonic() + 30
    while True:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:  # ENXIO: no reader yet
            assert process.poll() is None and time.monotonic() < deadline, "the command never read its config file"
            time.sleep(0.05)
