"""Metrics across worker processes: each keeps its values in files, `/metrics` adds them all up.

prometheus_client decides, when a process creates its first metric, whether values live in memory
or in files under `PROMETHEUS_MULTIPROC_DIR`. `feedgate serve` calls `prepare_multiprocess_metrics`
once, before it starts workers (they inherit the variable); each serving process also calls
`use_multiprocess_metrics` (via `create_app`) in case it was started some other way.
"""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest, values
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead

from gateway.observability.metrics import metrics_created

MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


class MetricsModeError(RuntimeError):
    """Multi-process metrics were asked for after this process had already created its metrics in memory."""


def prepare_multiprocess_metrics(directory: Path) -> None:
    """Before starting worker processes: an empty `directory` for their metric files, named in the environment.

    Files an earlier run left are removed: their counters would otherwise be added to this run's.
    Workers started afterwards inherit the variable and keep their values there.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    use_multiprocess_metrics(directory)


def use_multiprocess_metrics(directory: Path) -> None:
    """Keep this process's metric values in files under `directory`, where any process can aggregate them."""
    directory.mkdir(parents=True, exist_ok=True)
    current = os.environ.get(MULTIPROC_VARIABLE)
    in_files = bool(getattr(values.ValueClass, "_multiprocess", False))
    if in_files and current is not None and Path(current).resolve() == directory.resolve():
        return
    if metrics_created() or in_files:
        raise MetricsModeError(
            f"metrics of this process already live in {f'files under {current}' if in_files else 'memory'}: "
            f"set FEEDGATE_METRICS_DIR ({directory}) before the gateway starts"
        )
    # prometheus_client reads the variable when it opens a value's file, and picks the value class once.
    os.environ[MULTIPROC_VARIABLE] = str(directory)
    values.ValueClass = values.get_value_class()


def forget_process(pid: int, directory: Path) -> None:
    """After worker `pid` exited: drop its live gauges (queue depth, spool size); its counters stay counted."""
    mark_process_dead(pid, str(directory))


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


def exposition(directory: Path | None) -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type.

    With `directory`, every process's values found there, added up (blocking file reads: call it
    off the event loop); without, this process's own, with its process and Python runtime metrics.
    """
    if directory is None:
        return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=str(directory))
    return generate_latest(registry), CONTENT_TYPE_LATEST
