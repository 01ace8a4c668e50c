"""Metrics across worker processes: each keeps its values in files, `/metrics` adds them all up.

prometheus_client decides, when a process creates its first metric, whether values live in memory
or in files under `PROMETHEUS_MULTIPROC_DIR`. `feedgate serve` calls `prepare_multiprocess_metrics`
once, before it starts workers (they inherit the variable); each serving process also calls
`use_multiprocess_metrics` (via `create_app`) in case it was started some other way.

prometheus_client names each process's files after its pid (`counter_1234.db`,
`gauge_livesum_1234.db`, …). Several processes may share one folder — the workers of one `serve`,
or several `serve` processes given the same `metrics_dir` — so nothing here removes the files of a
process that still runs (the process would go on writing to unlinked files, its values lost):

- a process using the folder holds an exclusive `flock` on `pid_<pid>.lock` there for as long as it
  runs. The kernel drops it when the process ends however it ends, so a lock file nobody holds
  means "that process is gone" even once the pid is reused (a new process with that pid takes the
  lock again before it writes). Files without a lock file (a process that found
  `PROMETHEUS_MULTIPROC_DIR` set and never came here: the workers of `serve --workers N` without
  `metrics_dir`) are judged by whether their pid runs (`os.kill(pid, 0)`): a reused pid keeps them;
- at start, `prepare_multiprocess_metrics` removes every file of processes that are gone (an earlier
  run's counters would otherwise be added to this run's) and keeps the live ones', so counters
  keep adding up;
- every scrape first forgets processes that are gone (`mark_process_dead`): their `livesum` gauges
  (queue depth, spool size) stop counting; their counters stay counted until the next start.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, values
from prometheus_client.metrics_core import Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from gateway.observability.metrics import metrics_created

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
# prometheus_client's file of one process: `<type>[_<mode>]_<pid>.db`; ours saying it runs: `pid_<pid>.lock`.
_VALUES_FILE = re.compile(r"[a-z]+(?:_[a-z]+)?_(\d+)\.db")
_LIVE_GAUGES_FILE = re.compile(r"gauge_live[a-z]+_(\d+)\.db")
_LOCK_FILE = re.compile(r"pid_(\d+)\.lock")

# The liveness locks this process holds, by (folder, pid); open for as long as the process runs.
_held_locks: dict[tuple[Path, int], IO[bytes]] = {}


class MetricsModeError(RuntimeError):
    """Multi-process metrics were asked for after this process had already created its metrics in memory."""


def prepare_multiprocess_metrics(directory: Path) -> None:
    """Before starting worker processes: `directory` for their metric files, named in the environment.

    Files of processes that are gone (an earlier run's, a restarted process's) are removed: their
    counters would otherwise be added to this run's. Files of processes that still run (another
    `serve` sharing the folder) are kept. Workers started afterwards inherit the variable.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for pid in sorted(_pids(directory, _VALUES_FILE) | _pids(directory, _LOCK_FILE)):
        with _gone(pid, directory) as gone:
            if gone:
                _remove_files_of(pid, directory)
    use_multiprocess_metrics(directory)


def use_multiprocess_metrics(directory: Path) -> None:
    """Keep this process's metric values in files under `directory`, where any process can aggregate them."""
    directory.mkdir(parents=True, exist_ok=True)
    current = os.environ.get(MULTIPROC_VARIABLE)
    in_files = bool(getattr(values.ValueClass, "_multiprocess", False))
    if in_files and current is not None and Path(current).resolve() == directory.resolve():
        _hold_liveness_lock(directory)
        return
    if metrics_created() or in_files:
        raise MetricsModeError(
            f"metrics of this process already live in {f'files under {current}' if in_files else 'memory'}: "
            f"set FEEDGATE_METRICS_DIR ({directory}) before the gateway starts"
        )
    _hold_liveness_lock(directory)
    # prometheus_client reads the variable when it opens a value's file, and picks the value class once.
    os.environ[MULTIPROC_VARIABLE] = str(directory)
    values.ValueClass = values.get_value_class()


def forget_process(pid: int, directory: Path) -> None:
    """After worker `pid` exited: drop its live gauges (queue depth, spool size); its counters stay counted."""
    for _ in range(3):
        try:
            mark_process_dead(pid, str(directory))
        except FileNotFoundError:
            continue  # another process forgot it at the same time: look again
        return


def forget_dead_processes(directory: Path) -> None:
    """`forget_process` for every process with live gauges in `directory` that is gone."""
    if not directory.is_dir():
        return
    for pid in _pids(directory, _LIVE_GAUGES_FILE):
        with _gone(pid, directory) as gone:
            if gone:
                forget_process(pid, directory)


def metrics_directory(configured: Path | None) -> Path | None:
    """Where every serving process's metric files are (None: this process keeps its values in memory).

    `configured` (`metrics_dir`) when set, else the folder prometheus_client itself writes to when
    this process keeps its values in files (a server that set PROMETHEUS_MULTIPROC_DIR for its workers).
    """
    if configured is not None:
        return configured
    folder = os.environ.get(MULTIPROC_VARIABLE)
    if folder and getattr(values.ValueClass, "_multiprocess", False):
        return Path(folder)
    return None


class _FamiliesLeftOut:
    """`registry`'s metric families less the feedgate_ ones not starting with one of `kept` (others pass)."""

    def __init__(self, registry: CollectorRegistry, kept: tuple[str, ...]) -> None:
        self._registry = registry
        self._kept = kept

    def collect(self) -> Iterator[Metric]:
        """The kept families, as the registry collects them."""
        for family in self._registry.collect():
            if not family.name.startswith("feedgate_") or family.name.startswith(self._kept):
                yield family


def exposition(directory: Path | None, feedgate_families: tuple[str, ...] | None = None) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type.

    With `directory`, every process's values found there, added up, less the live gauges of
    processes that are gone (blocking file reads: call it off the event loop); without, this
    process's own, with its process and Python runtime metrics. With `feedgate_families` (name
    prefixes), only those of Feedgate's families: a process that records no others exports none.
    """
    if directory is None:
        registry = REGISTRY
    else:
        forget_dead_processes(directory)
        registry = CollectorRegistry()
        MultiProcessCollector(registry, path=str(directory))
    if feedgate_families is None:
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(_FamiliesLeftOut(registry, feedgate_families)), CONTENT_TYPE_LATEST


def _lock_path(directory: Path, pid: int) -> Path:
    return directory / f"pid_{pid}.lock"


def _pids(directory: Path, pattern: re.Pattern[str]) -> set[int]:
    """The pids named by files in `directory` whose names match `pattern`."""
    return {int(match[1]) for path in directory.iterdir() if (match := pattern.fullmatch(path.name))}


def _hold_liveness_lock(directory: Path) -> None:
    """Hold `pid_<pid>.lock` in `directory` until this process ends: it tells others this process runs."""
    pid = os.getpid()
    key = (directory.resolve(), pid)
    if key in _held_locks:
        return
    path = _lock_path(directory, pid)
    while True:
        handle = path.open("ab")
        # Blocks only while another process checks whether an earlier process with this pid is gone.
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            held = os.stat(handle.fileno()).st_ino == path.stat().st_ino
        except FileNotFoundError:
            held = False
        if held:
            break
        # That check found the earlier process gone and removed the file we opened: lock a new one.
        handle.close()
    _held_locks[key] = handle


def _this_process_writes(directory: Path) -> bool:
    return (directory.resolve(), os.getpid()) in _held_locks or metrics_created()


def _pid_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: it runs
    return True


@contextmanager
def _gone(pid: int, directory: Path) -> Iterator[bool]:
    """Whether process `pid` of `directory` is gone; when it is, its lock is held until the block ends.

    Holding the lock keeps a new process with the same pid from starting to write while its
    predecessor's files are removed.
    """
    if pid == os.getpid():
        # Files named after this process that it did not write: a predecessor's with the same pid.
        yield not _this_process_writes(directory)
        return
    try:
        handle = _lock_path(directory, pid).open("rb")
    except FileNotFoundError:
        yield not _pid_runs(pid)
        return
    with handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


def _remove_files_of(pid: int, directory: Path) -> None:
    """Every file of process `pid` (gone): its live gauges first, as prometheus_client does, then the rest."""
    forget_process(pid, directory)
    for path in directory.iterdir():
        match = _VALUES_FILE.fullmatch(path.name) or _LOCK_FILE.fullmatch(path.name)
        if match and int(match[1]) == pid:
            path.unlink(missing_ok=True)
