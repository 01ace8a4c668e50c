"""A `serve --workers N` worker stops itself, gracefully, once the process that started it is gone.

uvicorn's workers outlive a parent killed outright (`kill -9`, the out-of-memory killer): they
kept answering on the shared port, so the `serve` a process manager started in its place was
refused the port, and nothing restarted a worker that died after that. A worker whose parent is
gone is reparented (its parent pid is no longer the serve's, which the serve hands its workers: one
slow to start may be reparented before it looks), which one thread notices by polling; it then sends
the worker a SIGTERM, so uvicorn shuts it down as it would on a stop: calls in flight finish
(within `shutdown_timeout`) and the writer stores or spools what it holds.
"""

from __future__ import annotations

import logging
import os
import signal
import threading

logger = logging.getLogger("feedgate.serve")

# How often the parent's presence is checked: a reparented worker stops within this of its parent's death.
POLL_SECONDS = 1.0


def watch_parent(parent_pid: int, interval: float = POLL_SECONDS) -> threading.Thread:
    """Start a daemon thread that sends this process SIGTERM once its parent is no longer `parent_pid`."""

    def watch() -> None:
        stopped = threading.Event()
        while not stopped.wait(interval):
            if os.getppid() != parent_pid:
                logger.warning("the serve process (pid %d) is gone: this worker stops too", parent_pid)
                os.kill(os.getpid(), signal.SIGTERM)
                return

    thread = threading.Thread(target=watch, name="feedgate-parent-watch", daemon=True)
    thread.start()
    return thread
