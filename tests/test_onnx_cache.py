"""The run's ONNX export (tests/onnx_cache.py): made once for all xdist workers, in a folder the run's controller owns."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from onnx_cache import SessionOnnxCache

from clustering.onnx_export import cached_file

EXPORT = b"an exported graph, " * 1000


class CountingExport:
    """Exports through the product's locked cache, as load_onnx_embedder does, slowly enough for workers to overlap."""

    def __init__(self) -> None:
        self.exports = 0
        self.found: list[bytes] = []

    def __call__(self, folder: Path) -> None:
        def write(temporary: Path) -> None:
            self.exports += 1
            time.sleep(0.3)
            temporary.write_bytes(EXPORT)

        self.found.append(cached_file(folder / "onnx", "model.onnx", write).read_bytes())


def a_config(workerinput: dict[str, Any] | None = None) -> Any:
    """The little of a pytest config the cache reads: xdist's workerinput, on a worker only."""
    return SimpleNamespace() if workerinput is None else SimpleNamespace(workerinput=workerinput)


def test_workers_of_one_run_share_one_export_and_the_controller_removes_it() -> None:
    export = CountingExport()
    controller = SessionOnnxCache(export)
    controller.configure(a_config())
    workers = []
    for _ in range(3):
        workerinput: dict[str, Any] = {}
        controller.hand_to_worker(workerinput)
        worker = SessionOnnxCache(export)
        worker.configure(a_config(workerinput))
        workers.append(worker)

    for worker in workers:
        worker.start()
    for worker in workers:
        worker.wait()

    assert export.exports == 1
    assert export.found == [EXPORT] * 3  # none read a half-written file
    assert {worker.get() for worker in workers} == {controller.folder}
    folder = controller.folder
    assert folder is not None
    for worker in workers:
        worker.remove()
    assert (folder / "onnx" / "model.onnx").read_bytes() == EXPORT
    controller.remove()
    assert not folder.exists()


def test_pytest_alone_makes_and_removes_a_folder_of_its_own() -> None:
    export = CountingExport()
    alone = SessionOnnxCache(export)
    alone.configure(a_config())

    folder = alone.get()
    alone.get()

    assert export.exports == 1
    assert (folder / "onnx" / "model.onnx").read_bytes() == EXPORT
    alone.remove()
    assert not folder.exists()


def test_a_failed_export_fails_the_tests_that_need_it() -> None:
    def fail(folder: Path) -> None:
        raise RuntimeError("no torch here")

    cache = SessionOnnxCache(fail)
    cache.configure(a_config())
    cache.start()

    with pytest.raises(pytest.fail.Exception, match="no torch here"):
        cache.get()
    cache.remove()


def test_the_export_is_made_while_the_tests_that_do_not_need_it_run() -> None:
    release = threading.Event()
    made = threading.Event()

    def export(folder: Path) -> None:
        release.wait(timeout=30)
        made.set()

    cache = SessionOnnxCache(export)
    cache.configure(a_config())
    cache.start()
    assert not made.is_set()  # start() came back before the export was made

    release.set()
    cache.wait()
    assert made.is_set()
    cache.remove()
