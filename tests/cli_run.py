"""Running `feedgate` as a user runs it, for the command-line tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.ports import free_port as free_port  # where the CLI tests take it from

FEEDGATE = [sys.executable, "-m", "gateway.cli"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FEEDGATE, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=60)


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The one line a refused command printed on stderr (no traceback, no log noise around it)."""
    assert "Traceback" not in result.stderr
    [line] = result.stderr.splitlines()
    return line


def running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie nobody reaped has stopped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"
