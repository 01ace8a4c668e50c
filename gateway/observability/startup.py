"""What `feedgate serve` sets up before the gateway starts: its logs, and where metrics of its processes go."""

from __future__ import annotations

from gateway.config import Settings
from gateway.observability.logs import configure_logging
from gateway.observability.multiprocess import prepare_multiprocess_metrics


def prepare_observability(settings: Settings) -> None:
    """Configure logging (`log_format`, `log_level`); with `metrics_dir`, clear out the files of processes gone."""
    configure_logging(settings.log_format, settings.log_level)
    if settings.metrics_dir is not None:
        prepare_multiprocess_metrics(settings.metrics_dir)
