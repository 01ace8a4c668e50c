"""SIGTERM or Ctrl-C stops `feedgate export` blocked writing into a pipe nobody reads (`feedgate export | sleep 1000`).

Once the pipe was full, the export waited in write(2), on the event loop's own thread: the loop, which SIGTERM's
handler only tells, never ran again, and the process hung until killed. Now the signal ends the write, and the
export stops as it does elsewhere: one line, exit 143, what was left in its buffers not written at exit into
that same pipe (which would hang it again). The first Ctrl-C did nothing there (asyncio's handler only cancels the
task, which the loop never got to run), only a second stopped the export: now the first does, exit 130.
"""

from __future__ import annotations

import fcntl
import os
import platform
import signal
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from export_seed import give_feedback, store_chat

# The export stopped by each: SIGTERM (a container stop, `kill`) and SIGINT (Ctrl-C).
STOPS = pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
# The smallest pipe Linux makes (a page): a few lines fill it.
PIPE_SIZE = 4096

pytestmark = pytest.mark.timeout(120)


async def seed_long_examples(engine, count: int = 8) -> None:
    """`count` corrected answers whose lines are 20 kB each: far more than the pipe and stdout's buffer hold."""
    for n in range(count):
        interaction = await store_chat(engine, f"Question {n}: " + "why? " * 4000, "Because.")
        await give_feedback(engine, interaction, correction="Because it is.")


def export_into(output: int, database_url: str, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")}
    with log.open("w") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "gateway.cli", "export", "--format", "chat", *args],
            env={**env, "FEEDGATE_DATABASE_URL": database_url, "FEEDGATE_LOG_FORMAT": "text", "COLUMNS": "100"},
            stdout=output,
            stderr=stderr,
            # Ctrl-C reaches the export even when this suite runs in the background (nohup, `&`), whose children
            # inherit SIGINT ignored.
            preexec_fn=_interruptible,
        )


def _interruptible() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def wait_until_full(reader: int, process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the pipe `reader` reads from holds all it can, and the export, still running, waits to write more."""
    deadline = time.monotonic() + 60
    while unread(reader) < PIPE_SIZE:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"the pipe never filled: {unread(reader)} bytes"
        time.sleep(0.1)
    time.sleep(0.5)  # into its next write(2)
    assert process.poll() is None, log.read_text()


def unread(reader: int) -> int:
    return int.from_bytes(fcntl.ioctl(reader, termios.FIONREAD, b"\0\0\0\0"), sys.byteorder)


def stopped_within(process: subprocess.Popen[bytes], seconds: float, stop: signal.Signals) -> int:
    """`stop` sent, once, then its exit status; it fails (the process killed) if it has not ended within `seconds`."""
    process.send_signal(stop)
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"still running {seconds} s after {stop.name}") from None


def said_once(log: Path, stop: signal.Signals) -> str:
    said = log.read_text()
    assert "Traceback" not in said, said
    [line] = [line for line in said.splitlines() if f"stopped by {stop.name}" in line]
    return line


@STOPS
async def test_sigterm_or_ctrl_c_stops_an_export_blocked_on_a_stdout_pipe_nobody_reads(
    database_url, engine, tmp_path: Path, stop: signal.Signals
):
    await seed_long_examples(engine)
    reader, writer = os.pipe()
    fcntl.fcntl(writer, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    log = tmp_path / "export.log"
    try:
        process = export_into(writer, database_url, log)
        os.close(writer)
        wait_until_full(reader, process, log)

        status = stopped_within(process, 5, stop)
    finally:
        os.close(reader)

    assert status == 128 + stop, log.read_text()
    assert "what went to stdout is unfinished, discard it" in said_once(log, stop)


@STOPS
async def test_sigterm_or_ctrl_c_stops_an_export_blocked_on_a_fifo_nobody_reads(
    database_url, engine, tmp_path: Path, stop: signal.Signals
):
    await seed_long_examples(engine)
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    # Opened for reading, never read: the export's open returns, its writes fill the FIFO.
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    fcntl.fcntl(reader, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    log = tmp_path / "export.log"
    try:
        process = export_into(subprocess.DEVNULL, database_url, log, "--output", str(fifo))
        wait_until_full(reader, process, log)

        status = stopped_within(process, 5, stop)
    finally:
        os.close(reader)

    assert status == 128 + stop, log.read_text()
    assert f"what went to {fifo} is unfinished, discard it" in said_once(log, stop)


# openat(2)'s number, as /proc/PID/syscall shows the call a process waits in.
OPENAT = {"x86_64": 257, "aarch64": 56}[platform.machine()]


def wait_in_open(process: subprocess.Popen[bytes], log: Path) -> None:
    """Until the export waits in open(2), as opening a FIFO for writing does until a reader opens it."""
    deadline = time.monotonic() + 60
    while True:
        assert process.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the export never waited to open its output"
        if _in_open(process.pid):
            time.sleep(0.5)
            if _in_open(process.pid):
                return
        time.sleep(0.1)


def _in_open(pid: int) -> bool:
    return Path(f"/proc/{pid}/syscall").read_text().split()[0] == str(OPENAT)


@STOPS
async def test_sigterm_or_ctrl_c_stops_an_export_waiting_for_its_fifo_to_be_opened(
    database_url, engine, tmp_path: Path, stop: signal.Signals
):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    log = tmp_path / "export.log"
    process = export_into(subprocess.DEVNULL, database_url, log, "--output", str(fifo))
    wait_in_open(process, log)

    status = stopped_within(process, 5, stop)

    assert status == 128 + stop, log.read_text()
    assert f"what went to {fifo} is unfinished, discard it" in said_once(log, stop)
