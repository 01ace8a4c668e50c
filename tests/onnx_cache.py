"""The bundled model's ONNX export for the tests that ask for it (`onnx_cache_dir`), made once per run, in no test's time.

Made in the fixture, the export counted against the 120 s timeout of whichever test asked for it first: tens of
seconds alone, and minutes on a loaded machine, where the export's child process (at low priority, as the product
runs it) waits behind every busy process beside it. The first test was then cut off while the export was still
running, and the failed fixture took every later test of that process needing it down with it. It is now started
after collection, in a background thread (the work is the product's export child process), while the tests that
do not need it run; a test that needs it waits for it before its timeout starts (tests/conftest.py).

One cache folder serves the whole run: the process that starts the run (xdist's controller, or pytest alone) makes
it and removes it at the end, and hands its path to each xdist worker (`workerinput`). Each worker that needs the
export asks the product's cache for it (clustering.onnx_export.cached_file): the first takes the folder's export
lock (fcntl) and exports under a temporary name renamed into place with its digest beside it; the others wait on
the lock and load the finished file, so no worker reads a half-written one and the run exports once, not once per
worker. The int8 copy (tests/knowledge) is quantised once per run into the same folder the same way.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from clustering.embed_onnx import load_onnx_embedder

FIXTURE = "onnx_cache_dir"
# The key under which the controller hands the run's folder to each xdist worker.
WORKER_INPUT_KEY = "feedgate_onnx_cache"
# Makes (or finds) the export in a cache folder: the product's loader, which exports through the locked cache.
Maker = Callable[[Path], Any]


class SessionOnnxCache:
    """The run's model cache folder, holding the ONNX export once a selected test needs it."""

    def __init__(self, make_export: Maker = load_onnx_embedder) -> None:
        self.folder: Path | None = None
        self.error: Exception | None = None
        self._make_export = make_export
        self._owned = False  # this process made the folder, so removes it at the end of the run
        self._thread: threading.Thread | None = None

    def configure(self, config: pytest.Config) -> None:
        """Take the folder the run's controller handed this worker, or make it (controller, or pytest alone)."""
        handed = getattr(config, "workerinput", {}).get(WORKER_INPUT_KEY)
        if handed is not None:
            self.folder = Path(handed)
        else:
            self.folder = Path(tempfile.mkdtemp(prefix="feedgate-model-cache-"))
            self._owned = True

    def hand_to_worker(self, workerinput: dict[str, Any]) -> None:
        """Give an xdist worker this run's folder, so every worker shares one export."""
        if self.folder is not None:
            workerinput[WORKER_INPUT_KEY] = str(self.folder)

    def start_if_needed(self, session: pytest.Session) -> None:
        """Start the export when a selected test asks for the cache (and the run is not a mere listing)."""
        if session.config.option.collectonly:
            return
        if any(FIXTURE in getattr(item, "fixturenames", ()) for item in session.items):
            self.start()

    def start(self) -> None:
        """Make the export in a background thread (at most once); `wait` for it."""
        if self._thread is None:
            # A daemon: a run that ends first does not wait for it, and the export's child ends with this process.
            self._thread = threading.Thread(target=self._make, name="feedgate-test-onnx-export", daemon=True)
            self._thread.start()

    def wait(self) -> None:
        """Wait until the export started by `start` is made (or failed); at once if none was started."""
        if self._thread is not None:
            self._thread.join()

    def get(self) -> Path:
        """The folder holding the export (made now if no selected test asked for it up front)."""
        self.start()
        self.wait()
        if self.error is not None:
            pytest.fail(f"exporting the bundled model to ONNX failed: {self.error!r}")
        assert self.folder is not None
        return self.folder

    def _make(self) -> None:
        """Make the export in the run's folder, or wait for the worker making it; a failure is kept for the tests."""
        if self.folder is None:  # used without configure(): a folder of its own
            self.folder = Path(tempfile.mkdtemp(prefix="feedgate-model-cache-"))
            self._owned = True
        try:
            self._make_export(self.folder)
        except Exception as exc:  # noqa: BLE001 - raised again by the fixture, in the tests that need the export
            self.error = exc

    def remove(self) -> None:
        """Delete the folder (about 90 MB), if this process made it: workers leave it to the controller."""
        if self.folder is not None and self._owned:
            shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None
        self._owned = False
