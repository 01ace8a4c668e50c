"""A separate process that records metrics into a metrics folder, as one gateway worker would."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# One gateway process's worth of metrics: `calls` finished calls and a writer queue of `depth`.
RECORDING_PROCESS = """
import os, sys
from pathlib import Path
from gateway.observability.multiprocess import use_multiprocess_metrics
use_multiprocess_metrics(Path(sys.argv[1]))
from gateway.observability.metrics import record_writer_queue_depth
from gateway.observability.request_metrics import request_metrics
recorder = request_metrics()
for _ in range(int(sys.argv[2])):
    recorder.record("chat.completions", 200, "default", 0.2, 0.0004)
recorder.flush()
record_writer_queue_depth(int(sys.argv[3]))
print(os.getpid())
"""


def run_process(directory: Path, calls: int, depth: int) -> int:
    """Run one recording process to its end; its pid."""
    done = subprocess.run(
        [sys.executable, "-c", RECORDING_PROCESS, str(directory), str(calls), str(depth)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return int(done.stdout.strip())
