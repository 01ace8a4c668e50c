"""Running a measured program on one tree's code: the runner proxy_overhead.py and upstream_client_cost.py share."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any


def run_in_tree(source: Path, program: str, arguments: list[str]) -> tuple[dict[str, Any], str]:
    """`program` (Python source run with -c) on the code at `source`: its last stdout line as JSON, and its stderr.

    The program must put `gateway.__file__` under "code" in what it prints. It runs in the tree itself: `python -c`
    puts the working directory first on sys.path, ahead of PYTHONPATH, so a program started from this checkout's
    root ran this checkout's code whatever tree it was given (until stop 50, every --baseline comparison taken
    from the root compared the tree with itself); the check on "code" refuses a figure from the wrong tree.
    """
    done = subprocess.run(
        [sys.executable, "-c", program, *arguments],
        env={**os.environ, "PYTHONPATH": str(source)},
        cwd=source,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"the measured program failed for {source}:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(result["code"]).resolve().is_relative_to(source.resolve()):
        sys.exit(f"the measured program for {source} ran the code in {result['code']}")
    return result, done.stderr
