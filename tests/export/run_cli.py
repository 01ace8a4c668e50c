"""Running `feedgate export` as a user would: a child process on a given database."""

from __future__ import annotations

import os
import subprocess
import sys


def feedgate_export(database_url: str, *args: str, log_format: str = "text") -> subprocess.CompletedProcess[str]:
    """`feedgate export ARGS` on `database_url`, logging in `log_format`: its exit code, stdout and stderr.

    Text unless asked: `auto`, the default, would pick JSON for the pipe the test reads.
    """
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "export", *args],
        env={
            **os.environ,
            "FEEDGATE_DATABASE_URL": database_url,
            "FEEDGATE_LOG_FORMAT": log_format,
            "COLUMNS": "100",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
