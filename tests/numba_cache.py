"""UMAP's numba kernels compiled once, into a numba cache every test process shares, in no test's time.

Each xdist worker compiled UMAP's kernels on its first test that fits UMAP (tests marked `umap`): about 40 s on a
quiet machine, 66 s and more on a loaded one, inside that test's 120 s timeout, and both workers at once on a cold
cache (a fresh clone's new .venv, as in CI). Now the run names one numba cache folder, NUMBA_CACHE_DIR (kept if
set, else ~/.cache/feedgate/numba), set before the workers start so that they and the processes the tests start
inherit it. After collection, a worker with a `umap` test to run starts tests/numba_warmup.py as a child process
under the folder's lock (fcntl): the first compiles into the cache while the tests that do not fit UMAP go on, and
leaves a stamp naming what it compiled for (`warmup_key`); the next waits on the lock, then finds the stamp and has
nothing to do, in this run or a later one on the same .venv. A `umap` test waits for it before its timeout starts
(tests/conftest.py); then its process has numba cache the kernels umap-learn leaves uncached
(numba_warmup.cache_umap_kernels), so it loads them too instead of compiling them.

The warm-up only saves time: if it fails or outlasts WARMUP_SECONDS, a warning says so and the tests compile the
kernels themselves, as before.
"""

from __future__ import annotations

import fcntl
import hashlib
import importlib.util
import os
import platform
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from pathlib import Path

import pytest

MARK = "umap"
ENV = "NUMBA_CACHE_DIR"
WARMUP = Path(__file__).with_name("numba_warmup.py")
ROOT = Path(__file__).resolve().parents[1]
# A cold compile takes about 40 s on a quiet machine; a loaded one, several times that. Past this, give up waiting.
WARMUP_SECONDS = 600
# Loads the kernels into the waiting process (numba_warmup.cache_umap_kernels when None).
Loader = Callable[[], object] | None


def cache_folder() -> Path:
    """The numba cache folder of this run: NUMBA_CACHE_DIR if set, else one kept across runs in the user's cache."""
    named = os.environ.get(ENV)
    if named:
        return Path(named)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "feedgate" / "numba"


def warmup_key() -> str:
    """What the cache's UMAP kernels were compiled for; a stamp so named says the warm-up is done."""
    # numba keys an entry by its source file's path and time: another .venv, or the library installed anew, misses.
    described = [sys.version, sys.prefix, platform.machine(), WARMUP.read_text(encoding="utf-8")]
    described += [version(name) for name in ("numba", "llvmlite", "umap-learn", "pynndescent", "numpy")]
    for package, module in (("umap", "umap_.py"), ("umap", "layouts.py"), ("pynndescent", "pynndescent_.py")):
        spec = importlib.util.find_spec(package)  # found, not imported: that takes seconds
        if spec is not None and spec.origin is not None:
            described.append(str((Path(spec.origin).parent / module).stat().st_mtime_ns))
    return hashlib.sha256("\n".join(described).encode()).hexdigest()[:16]


class SessionNumbaCache:
    """The run's numba cache, warmed with UMAP's kernels once a selected test is marked `umap`."""

    def __init__(self, command: Sequence[str] = (sys.executable, "-P", str(WARMUP)), load: Loader = None) -> None:
        self.folder: Path | None = None
        self._command = list(command)  # -P: tests/ not first on its path, where tests/clustering hides clustering
        self._load = load
        self._thread: threading.Thread | None = None
        self._kernels_cached = False
        self.error: str | None = None
        self._error_told = False

    def configure(self) -> None:
        """Name the cache folder in this process's environment: xdist's workers and the tests' children inherit it."""
        folder = cache_folder()
        folder.mkdir(parents=True, exist_ok=True)
        os.environ[ENV] = str(folder)
        self.folder = folder
        if "numba" in sys.modules:  # numba reads its settings when imported; read them again
            from numba.core import config

            config.reload_config()

    def start_if_needed(self, session: pytest.Session) -> None:
        """Start the warm-up when a selected test is marked `umap` (and the run is not a mere listing)."""
        if session.config.option.collectonly:
            return
        if any(item.get_closest_marker(MARK) for item in session.items):
            self.start()

    def start(self) -> None:
        """Warm the cache in a background thread (at most once); `wait` for it."""
        if self._thread is None and self.folder is not None:
            # A daemon: a run that ends first does not wait for it (its child ends on its own).
            self._thread = threading.Thread(target=self._warm, name="feedgate-test-numba-warmup", daemon=True)
            self._thread.start()

    def wait(self, item: pytest.Item) -> None:
        """Wait for the warm-up, then have this process load UMAP's kernels from the cache (at once if not started).

        A failed warm-up is told once, as a warning on the test that waited for it.
        """
        if self._thread is not None:
            self._thread.join()
        if self.error is not None and not self._error_told:
            item.warn(pytest.PytestWarning(self.error))
            self._error_told = True
        if not self._kernels_cached:
            if self._load is None:
                from numba_warmup import cache_umap_kernels as load
            else:
                load = self._load
            load()
            self._kernels_cached = True

    def _warm(self) -> None:
        """Run the warm-up child under the folder's lock: one process at a time compiles, the others then load."""
        assert self.folder is not None
        deadline = time.monotonic() + WARMUP_SECONDS
        try:
            with (self.folder / "feedgate-warmup.lock").open("a") as lock:
                while True:
                    try:
                        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise TimeoutError(f"another process held {lock.name} for {WARMUP_SECONDS} s") from None
                        time.sleep(0.5)
                stamp = self.folder / f"feedgate-warmed-{warmup_key()}"
                if stamp.exists():  # an earlier process warmed it for these very libraries: nothing to compile
                    return
                subprocess.run(
                    self._command,
                    env=dict(os.environ, PYTHONPATH=str(ROOT)),
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=max(1.0, deadline - time.monotonic()),
                )
                stamp.touch()
        except (OSError, subprocess.SubprocessError) as exc:
            detail = getattr(exc, "stderr", None) or ""
            self.error = f"warming UMAP's numba cache failed ({exc!r}): the tests compile the kernels themselves. "
            self.error += detail[-2000:]
