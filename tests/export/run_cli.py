"""Running `feedgate export` as a user would: a child process on a given database."""

from __future__ import annotations

import os
import subprocess
import sys


def feedgate_export(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`feedgate export ARGS` on `database_url`: its exit code, stdout and stderr."""
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli", "export", *args],
        env={**os.environ, "FEEDGATE_DATABASE_URL": database_url, "COLUMNS": "100"},
        capture_output=True,
        text=True,
        timeout=120,
    )
