"""A separate process that records metrics into a metrics folder, as one gateway worker would."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
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


# A gateway process that keeps running: records `calls` more calls and sets the queue depth to
# `depth` for each line `<calls> <depth>` read, answers `done` once the values are in its files.
LIVE_PROCESS = """
import os, sys
from pathlib import Path
from gateway.observability.multiprocess import use_multiprocess_metrics
use_multiprocess_metrics(Path(sys.argv[1]))
from gateway.observability.metrics import record_writer_queue_depth
from gateway.observability.request_metrics import request_metrics
recorder = request_metrics()
print(os.getpid(), flush=True)
for line in sys.stdin:
    calls, depth = map(int, line.split())
    for _ in range(calls):
        recorder.record("chat.completions", 200, "default", 0.2, 0.0004)
    recorder.flush()
    record_writer_queue_depth(depth)
    print("done", flush=True)
"""


class LiveProcess:
    """A recording process that runs until `stop`: `record` adds calls to its files while it runs."""

    def __init__(self, directory: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", LIVE_PROCESS, str(directory)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        self.pid = int(self.process.stdout.readline())

    def record(self, calls: int, depth: int) -> None:
        """Record `calls` finished calls and a writer queue of `depth`; returns once they are in the files."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(f"{calls} {depth}\n")
        self.process.stdin.flush()
        assert self.process.stdout.readline().strip() == "done"

    def stop(self) -> None:
        """End the process (its files stay, as a dead worker's do)."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


@contextmanager
def live_process(directory: Path, calls: int = 0, depth: int = 0) -> Iterator[LiveProcess]:
    """A `LiveProcess` that has recorded `calls` and `depth`, stopped when the block ends."""
    process = LiveProcess(directory)
    try:
        process.record(calls, depth)
        yield process
    finally:
        process.stop()


def prepare_in_another_process(directory: Path) -> None:
    """`prepare_multiprocess_metrics(directory)` as a second `feedgate serve` starting beside the others runs it."""
    program = (
        "import sys\nfrom pathlib import Path\n"
        "from gateway.observability.multiprocess import prepare_multiprocess_metrics\n"
        "prepare_multiprocess_metrics(Path(sys.argv[1]))\n"
    )
    subprocess.run([sys.executable, "-c", program, str(directory)], timeout=60, check=True)
