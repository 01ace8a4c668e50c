"""The bundled model's ONNX export for the tests that ask for it (`onnx_cache_dir`), made before the first test runs.

Made in the fixture, the export counted against the 120 s timeout of whichever test asked for it first: tens of
seconds alone, and minutes on a loaded machine, where the export's child process (at low priority, as the product
runs it) waits behind every busy process beside it. The first test was then cut off while the export was still
running, and the failed fixture took every later test of that process needing it down with it. Made once per
test process (each xdist worker), between collection and the first test, it is in no test's time.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from clustering.embed_onnx import load_onnx_embedder

FIXTURE = "onnx_cache_dir"


class SessionOnnxCache:
    """A temporary model cache holding the ONNX export, made at most once for this test process."""

    def __init__(self) -> None:
        self.folder: Path | None = None
        self.error: Exception | None = None

    def make_if_needed(self, session: pytest.Session) -> None:
        """Export now when a selected test asks for the cache (and the run is not a mere listing)."""
        if session.config.option.collectonly:
            return
        if any(FIXTURE in getattr(item, "fixturenames", ()) for item in session.items):
            self.make()

    def make(self) -> None:
        """Export into a new folder; a failure is kept, for the tests that need the export to report."""
        if self.folder is not None:
            return
        self.folder = Path(tempfile.mkdtemp(prefix="feedgate-model-cache-"))
        try:
            load_onnx_embedder(self.folder)
        except Exception as exc:  # noqa: BLE001 - raised again by the fixture, in the tests that need the export
            self.error = exc

    def get(self) -> Path:
        """The folder holding the export (made now if no selected test asked for it up front)."""
        self.make()
        if self.error is not None:
            pytest.fail(f"exporting the bundled model to ONNX failed: {self.error!r}")
        assert self.folder is not None
        return self.folder

    def remove(self) -> None:
        """Delete the folder (about 90 MB)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None
