"""What `feedgate serve` sets up before the gateway starts: its logs, and where metrics of its processes go."""

from __future__ import annotations

from gateway.config import Settings
from gateway.config_checks import check_folder
from gateway.observability.logs import configure_logging
from gateway.observability.multiprocess import prepare_multiprocess_metrics


def prepare_observability(settings: Settings) -> None:
    """Configure logging (`log_format`, `log_level`); with `metrics_dir`, clear out the files of processes gone."""
    configure_logging(settings.log_format, settings.log_level)
    if settings.metrics_dir is not None:
        # One line naming the setting, not prometheus_client's traceback, for a file or a folder that cannot be.
        check_folder("FEEDGATE_METRICS_DIR", settings.metrics_dir)
        prepare_multiprocess_metrics(settings.metrics_dir)
