"""Exporting the bundled sentence-transformers model to ONNX once, and keeping the file on disk.

The file's name carries a key over everything that shapes its content (the model folder's bytes,
the opset, this exporter's version, the installed torch), so a file made from another model or
by another exporter is never picked up. Each file has a sidecar holding its sha256: a file whose
bytes do not match it (truncated, overwritten) is exported again. Both are written under a
temporary name and renamed into place, so a reader never sees half a file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.metadata
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

logger = logging.getLogger(__name__)

__all__ = [
    "OPSET",
    "ExportFailed",
    "Exporter",
    "cache_key",
    "cached_file",
    "cached_onnx_file",
    "exit_with_parent",
    "export_in_subprocess",
    "export_onnx",
    "file_digest",
    "installed_version",
    "run_child",
]

OPSET = 17
# Raise when export_onnx changes what it writes: older files then no longer match any key.
EXPORTER_VERSION = 1
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")

EXPORT_TIMEOUT_SECONDS = 900
# Writes the ONNX graph of the model in the first folder to the second path.
Exporter = Callable[[Path, Path], None]


class ExportFailed(RuntimeError):
    """The exporting process ended without writing the file."""


def file_digest(path: Path) -> str:
    """Hex sha256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def installed_version(package: str) -> str:
    """The installed version of `package`, or "absent"."""
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def cache_key(model_dir: Path) -> str:
    """A key over the model folder's files (names and bytes) and the exporter's settings."""
    digest = hashlib.sha256()
    digest.update(f"opset={OPSET};exporter={EXPORTER_VERSION};torch={installed_version('torch')}\n".encode())
    for path in sorted(p for p in model_dir.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(model_dir).as_posix()}={file_digest(path)}\n".encode())
    return digest.hexdigest()[:24]


def export_onnx(model_dir: Path, destination: Path) -> None:
    """Write the transformer of the sentence-transformers model in `model_dir` to `destination` as ONNX.

    The graph takes input_ids, attention_mask and token_type_ids (batch and sequence dynamic) and
    returns last_hidden_state; pooling and normalisation are left to the caller, as in
    sentence-transformers. Slow (seconds to tens of seconds) and memory-hungry: never on a request.
    """
    import torch
    from transformers import AutoModel

    # Eager attention: the SDPA path can skip building the padding mask when the traced example
    # has none, which would bake "no padding" into the graph.
    bert = AutoModel.from_pretrained(str(model_dir), local_files_only=True, attn_implementation="eager")
    bert.eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.bert = bert

        def forward(
            self, input_ids: torch.Tensor, attention_mask: torch.Tensor, token_type_ids: torch.Tensor
        ) -> torch.Tensor:
            output = self.bert(input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids)
            hidden: torch.Tensor = output.last_hidden_state
            return hidden

    # Two rows, the second padded, so the traced graph applies the mask.
    input_ids = torch.tensor([[101, 7592, 2088, 2003, 102], [101, 7592, 102, 0, 0]], dtype=torch.long)
    attention_mask = (input_ids != 0).to(torch.long)
    token_type_ids = torch.zeros_like(input_ids)
    dynamic = {0: "batch", 1: "sequence"}
    with torch.no_grad():
        torch.onnx.export(
            LastHiddenState(),
            (input_ids, attention_mask, token_type_ids),
            str(destination),
            input_names=list(INPUT_NAMES),
            output_names=["last_hidden_state"],
            dynamic_axes=dict.fromkeys((*INPUT_NAMES, "last_hidden_state"), dynamic),
            opset_version=OPSET,
            dynamo=False,
        )


def export_in_subprocess(model_dir: Path, destination: Path) -> None:
    """`export_onnx` in a child process at low priority: the caller's torch state and memory stay untouched.

    Tracing flips process-wide torch flags (e.g. "in ONNX export") that other threads embedding
    with torch at the same time would see, and takes a few hundred MB that a long-lived gateway
    should hand back; a child process keeps both away from the gateway.
    """
    run_child("clustering.onnx_export", [model_dir, destination], "exporting to ONNX")


def run_child(module: str, arguments: list[Path], what: str) -> None:
    """Run `python -m module arguments...` and wait; `ExportFailed` (with its last error lines) if it fails."""
    command = [sys.executable, "-m", module, *map(str, arguments)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_SECONDS, check=False)
    if result.returncode != 0:
        last_lines = " | ".join(result.stderr.strip().splitlines()[-3:])
        raise ExportFailed(f"{what} exited with {result.returncode}: {last_lines}")


def _write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    # A unique temporary name in the same folder: two processes exporting at once do not collide,
    # and the rename is atomic on one file system.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(temporary))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_abandoned(folder: Path) -> None:
    # Called holding the export lock, so no live export owns a temporary file here: each one was
    # left by a process that died mid-export (~90 MB each).
    for leftover in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


@contextlib.contextmanager
def _export_lock(folder: Path) -> Iterator[None]:
    # One export at a time per cache folder, across processes: the others wait here (in their
    # background thread) and then find the file already made.
    with (folder / ".export.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _intact(onnx_file: Path, sidecar: Path) -> bool:
    if not onnx_file.is_file() or not sidecar.is_file():
        return False
    return sidecar.read_text(encoding="utf-8").strip() == file_digest(onnx_file)


def cached_file(folder: Path, name: str, make: Callable[[Path], None], *, force: bool = False) -> Path:
    """`folder/name`, made by `make(path)` unless an intact one is there (digest sidecar, lock, atomic rename).

    `force` makes it again even over an intact file (for a file that passed its digest but would not load).
    """
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    sidecar = target.with_name(target.name + ".sha256")
    if not force and _intact(target, sidecar):
        return target
    with _export_lock(folder):
        if not force and _intact(target, sidecar):  # another process made it while this one waited
            return target
        logger.info("writing %s", target)
        _remove_abandoned(folder)
        # The digest goes first: a crash between the two renames leaves a file that is not trusted.
        sidecar.unlink(missing_ok=True)
        _write_atomically(target, make)
        digest = file_digest(target)

        def write_digest(temporary: Path) -> None:
            temporary.write_text(digest + "\n", encoding="utf-8")

        _write_atomically(sidecar, write_digest)
    return target


def cached_onnx_file(
    model_dir: Path, cache_dir: Path, export: Exporter = export_in_subprocess, *, force: bool = False
) -> Path:
    """The ONNX file of the model in `model_dir`, exported into `cache_dir` unless an intact one is there.

    `force` exports again even over an intact file (for a file that passed its digest but would not load).
    """
    name = f"{model_dir.name}-{cache_key(model_dir)}.onnx"
    return cached_file(cache_dir / "onnx", name, lambda temporary: export(model_dir, temporary), force=force)


def exit_with_parent(parent: int, destination: Path) -> None:
    """End this (child) process, removing `destination`, as soon as process `parent` has ended."""

    # The parent waits in a daemon thread; if its process ends, nobody will use this export, so
    # stop rather than burn a core for a minute and leave a 90 MB file behind.
    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        destination.unlink(missing_ok=True)
        os._exit(1)

    threading.Thread(target=watch, name="feedgate-export-parent-watch", daemon=True).start()


def main(arguments: list[str]) -> int:
    """`python -m clustering.onnx_export MODEL_DIR DESTINATION`: export at low priority, on one thread."""
    parent = os.getppid()  # before the slow imports, during which the parent may already end
    model_dir, destination = (Path(argument) for argument in arguments)
    if not (model_dir / "config.json").is_file():
        # Before importing torch: a wrong folder fails in a moment, not after seconds of imports.
        raise FileNotFoundError(f"no model at {model_dir} (config.json is missing)")
    import torch

    os.nice(10)  # a background chore: the gateway's requests come first
    exit_with_parent(parent, destination)
    torch.set_num_threads(1)
    export_onnx(model_dir, destination)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
